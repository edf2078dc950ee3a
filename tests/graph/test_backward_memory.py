"""A hybridized backward frees each step's saved arrays once its VJP has run (unless
``retain_graph``): its peak memory is then not the forward's saved set plus every parameter
gradient.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

import hybrid as mx
from hybrid import autograd
from hybrid.gluon import nn

LAYERS, WIDTH, BATCH = 6, 1024, 512


def _net():
    net = nn.HybridSequential()
    for _ in range(LAYERS):  # LayerNorm and relu save fresh arrays, not step buffers
        net.add(nn.Dense(WIDTH, use_bias=False), nn.LayerNorm(), nn.Activation("relu"))
    net.initialize(mx.init.Xavier())
    net.hybridize(static_alloc=True)
    return net


def _backward_growth(net, x, retain_graph=False):
    """Bytes the backward's peak exceeds what was live when it started."""
    tracemalloc.start()  # before the forward: the saved arrays' release must be seen
    try:
        with autograd.record():
            loss = net(x).sum()
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        loss.backward(retain_graph=retain_graph)
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def test_backward_frees_saved_arrays_as_it_goes():
    net = _net()
    x = mx.nd.array(np.random.default_rng(0).normal(size=(BATCH, WIDTH)))
    _backward_growth(net, x)  # traces, plans and fills the step buffers
    freed, kept = _backward_growth(net, x), _backward_growth(net, x, retain_graph=True)
    # Kept to the end, the saved activations (four 2 MB arrays per layer) add up with the
    # weight gradients (4 MB per layer); freed as the backward goes, they make room for them.
    assert kept > LAYERS * WIDTH * WIDTH * 4
    assert freed < kept / 2

def test_backward_twice_with_retain_graph_gives_equal_gradients():
    net = _net()
    x = mx.nd.array(np.random.default_rng(1).normal(size=(8, WIDTH)))
    with autograd.record():
        loss = net(x).sum()
    loss.backward(retain_graph=True)
    first = [p.grad().asnumpy().copy() for p in net.collect_params().values()]
    loss.backward()
    for g, p in zip(first, net.collect_params().values()):
        np.testing.assert_array_equal(p.grad().asnumpy(), g)
