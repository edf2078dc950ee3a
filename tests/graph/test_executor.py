"""The executor's planned buffers (``static_alloc``) and the convolution + pooling fusion.

Planned buffers are kept from run to run (see Note [Planned buffers] in hybrid/ops/_buffers.py):
these tests check that reuse never shows: repeated runs, two recorded runs before one backward,
outputs and gradients kept by the caller across runs. The fused convolution + relu + max pooling
(Note [Pooling inside a fused convolution]) must equal the unfused ops bitwise.
"""

from __future__ import annotations

import numpy as np
import pytest
from hybrid.nd import NDArray

from hybrid import autograd
from hybrid import symbol as sym
from hybrid.graph.executor import Executor
from hybrid.graph.ir import Graph
from hybrid.graph.passes import FusedLinear, fusion, memory_plan, optimize
from hybrid.ops import _buffers
from hybrid.ops.registry import get_op
from tests.checks import sample_cases

_CONV = {"kernel": (3, 3), "num_filter": 4}


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def _conv_pool_graph(relu=True, pad=(0, 0), pool=None):
    """conv(x, w, b) -> [relu] -> max pooling, on NCHW data (2, 3, 9, 9)."""
    x, w, b = sym.var("x", shape=(2, 3, 9, 9)), sym.var("w", shape=(4, 3, 3, 3)), sym.var("b")
    y = sym.Convolution(x, w, b, pad=pad, **_CONV)
    y = sym.relu(y) if relu else y
    y = sym.Pooling(y, **(pool or {"kernel": (2, 2), "stride": (2, 2)}))
    return Graph.from_outputs(y._outputs, inputs=[v._outputs[0] for v in (x, w, b)])


def _arrays():
    return [_x(2, 3, 9, 9), _x(4, 3, 3, 3, seed=1), _x(4, seed=2)]


def _forward_backward(graph, arrays, seed=3):
    """Output and input gradients of one recorded run with a fixed random head gradient."""
    ex = graph if isinstance(graph, Executor) else Executor(graph)
    nds = [NDArray._wrap(a.copy()) for a in arrays]
    for a in nds:
        a.attach_grad()
    with autograd.record():
        out = ex(nds)[0]
    out.backward(NDArray._wrap(_x(*out.shape, seed=seed)))
    return [out.asnumpy()] + [a.grad.asnumpy() for a in nds]


@pytest.mark.parametrize(
    "relu,pad,pool",
    [
        (True, (0, 0), None),
        (False, (1, 1), None),
        (True, (1, 0), {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1)}),
        (True, (0, 0), {"kernel": (2, 3), "stride": (1, 2), "pooling_convention": "full"}),
    ],
)
def test_convolution_relu_max_pooling_fuse_into_one_node_bitwise_equal(relu, pad, pool):
    g = _conv_pool_graph(relu, pad, pool)
    fused = fusion(g, inference=False)
    assert [n.op for n in fused.nodes] == [FusedLinear]
    assert fused.nodes[0].attrs["pool"] is not None
    assert fused.nodes[0].outputs[0].shape == g.outputs[0].shape
    arrays = _arrays()
    # Ties in the windows (a constant region) must route the gradient like the unfused ops.
    arrays[0][:, :, :4, :4] = 0.0
    expected = _forward_backward(g, arrays)
    for graph in (fused, memory_plan(fused)):
        for got, want in zip(_forward_backward(graph, arrays), expected):
            np.testing.assert_array_equal(got, want)


def test_average_pooling_and_tanh_are_not_fused_into_the_convolution():
    avg = _conv_pool_graph(pool={"kernel": (2, 2), "pool_type": "avg"})
    assert [n.op.name for n in fusion(avg, inference=False).nodes] == ["_fused_linear", "Pooling"]
    x, w = sym.var("x", shape=(2, 3, 9, 9)), sym.var("w", shape=(4, 3, 3, 3))
    y = sym.Pooling(sym.tanh(sym.Convolution(x, w, no_bias=True, **_CONV)), kernel=(2, 2))
    g = Graph.from_outputs(y._outputs, inputs=[x._outputs[0], w._outputs[0]])
    assert [n.op.name for n in fusion(g, inference=False).nodes] == ["_fused_linear", "Pooling"]


def _planned():
    return Executor(optimize(_conv_pool_graph(), inference=False, static_alloc=True))


def test_planned_buffers_are_reused_from_run_to_run():
    ex, arrays = _planned(), _arrays()
    first = _forward_backward(ex, arrays)
    n_buffers = len(ex._owned)
    assert n_buffers > 0
    for _ in range(3):
        for got, want in zip(_forward_backward(ex, arrays), first):
            np.testing.assert_array_equal(got, want)
    assert len(ex._owned) == n_buffers  # no new allocation after the first run
    assert len(ex._pool) == 1


def test_outputs_and_gradients_kept_by_the_caller_survive_later_runs():
    ex, arrays = _planned(), _arrays()
    nds = [NDArray._wrap(a) for a in arrays]
    nds[1].attach_grad()
    with autograd.record():
        out = ex(nds)[0]
    grad_w = autograd.grad(out, [nds[1]], NDArray._wrap(_x(*out.shape, seed=3)))[0]
    kept_out, kept_grad = out.asnumpy().copy(), grad_w.asnumpy().copy()
    other = [NDArray._wrap(_x(2, 3, 9, 9, seed=9)), *nds[1:]]
    with autograd.record():
        out2 = ex(other)[0]
    out2.backward(NDArray._wrap(_x(*out2.shape, seed=4)))
    np.testing.assert_array_equal(out.asnumpy(), kept_out)
    np.testing.assert_array_equal(grad_w.asnumpy(), kept_grad)


def test_two_recorded_runs_before_one_backward_get_separate_buffers():
    ex, arrays = _planned(), _arrays()
    x2 = _x(2, 3, 9, 9, seed=5)
    reference = Executor(_conv_pool_graph())
    expected = []
    for graph in (reference, ex):
        nds = [NDArray._wrap(a.copy()) for a in arrays]
        nds[1].attach_grad()
        with autograd.record():
            a = graph(nds)[0]
            b = graph([NDArray._wrap(x2), *nds[1:]])[0]
            loss = (a * 2 + b).sum()
        loss.backward()
        expected.append(nds[1].grad.asnumpy())
    np.testing.assert_array_equal(expected[1], expected[0])
    assert len(ex._pool) == 2  # both leases came back after the backward


_PLANNED_OPS = [get_op(n) for n in ("Convolution", "Deconvolution", "Pooling")]


@pytest.mark.parametrize("op,index,sample", sample_cases(_PLANNED_OPS))
def test_ops_with_planned_buffers_equal_their_unplanned_runs(op, index, sample):
    names = op.input_names(len(sample.inputs))
    variables = [sym.var(n, shape=np.shape(x)) for n, x in zip(names, sample.inputs)]
    out = getattr(sym, op.name)(*variables, **sample.attrs)
    g = Graph.from_outputs(out._outputs, inputs=[v._outputs[0] for v in variables])
    arrays = [np.asarray(x, np.float64) for x in sample.inputs]
    expected = _forward_backward(g, arrays)
    ex = Executor(memory_plan(g))
    for _ in range(2):  # the second run reuses the first run's buffers
        for got, want in zip(_forward_backward(ex, arrays), expected):
            np.testing.assert_array_equal(got, want)


def test_recorded_runs_keep_freed_memory_for_reuse():
    """Note [Keeping freed memory]: after a recorded run, a large array freed and made again
    comes back without page faults (glibc only: elsewhere the C library is left alone).
    """
    import platform
    import resource

    graph = memory_plan(_conv_pool_graph())
    ex = Executor(graph)
    _, run = ex.run(_arrays(), needs=(True, True, True))
    assert run is not None and _buffers.keep_freed_memory() == (platform.libc_ver()[0] == "glibc")
    if platform.libc_ver()[0] == "glibc":
        np.ones(4 << 20, np.uint8)  # 4 MiB: over glibc's default mmap threshold
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        np.ones(4 << 20, np.uint8)
        assert resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before < 100  # 1024 pages
