"""Higher-order gradients, for every registered op that defines ``grad_graph``: its recorded
gradient equals the op's VJP, and differentiating that gradient again matches finite
differences of the VJP.
"""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid.base import HybridError
from hybrid.ops.registry import REGISTRY, invoke

OPS = sorted({op.name: op for op in REGISTRY.values() if op.grad_graph is not None}.values(),
             key=lambda op: op.name)
CASES = [(op, i) for op in OPS for i in range(len(op.samples(np.random.default_rng(0))))]


def _first_order(op, sample, values, v, create_graph):
    """(inputs, d<out, v>/d inputs) with the inputs set to ``values``."""
    xs = [mx.nd.array(a, dtype=a.dtype) for a in values]
    for x in xs:
        x.attach_grad()
    with mx.autograd.record():
        y = invoke(op, xs, op.parse_attrs(sample.attrs))
        head = mx.nd.array(v, dtype=v.dtype)
        grads = mx.autograd.grad(y, xs, head_grads=head, create_graph=create_graph)
    return xs, grads


@pytest.mark.parametrize("op, index", CASES, ids=[f"{op.name}-{i}" for op, i in CASES])
def test_recorded_gradient_matches_vjp_and_its_own_gradient_matches_finite_differences(op, index):
    rng = np.random.default_rng(index)
    sample = op.samples(np.random.default_rng(0))[index]
    values = [np.asarray(a, dtype=np.float64) for a in sample.inputs]
    out_shape = np.broadcast_shapes(*[a.shape for a in values])
    v = rng.uniform(-1, 1, out_shape)
    ws = [rng.uniform(-1, 1, a.shape) for a in values]

    xs, grads = _first_order(op, sample, values, v, create_graph=True)
    plain = _first_order(op, sample, values, v, create_graph=False)[1]
    for g, p in zip(grads, plain):
        np.testing.assert_allclose(g.asnumpy(), p.asnumpy(), rtol=1e-10, atol=1e-12)
    with mx.autograd.record():
        total = sum((g * mx.nd.array(w, dtype=w.dtype)).sum() for g, w in zip(grads, ws))
    try:
        total.backward()
        second = [x.grad.asnumpy() for x in xs]
    except HybridError:  # the gradient does not depend on the inputs: the op is linear
        second = [np.zeros(a.shape) for a in values]

    def projected(vals):  # <d<out, v>/d inputs, w>, by the plain first-order VJP
        gs = _first_order(op, sample, vals, v, create_graph=False)[1]
        return sum(float((g.asnumpy() * w).sum()) for g, w in zip(gs, ws))

    eps = 1e-6
    for k, got in enumerate(second):
        expected = np.zeros(values[k].shape)
        for idx in np.ndindex(values[k].shape):
            up = [a.copy() for a in values]
            down = [a.copy() for a in values]
            up[k][idx] += eps
            down[k][idx] -= eps
            expected[idx] = (projected(up) - projected(down)) / (2 * eps)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{op.name}: second derivative, input {k}")


def test_an_op_without_grad_graph_is_named_in_the_error():
    x = mx.nd.array([0.5, 1.5])
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.erf(x)
    with pytest.raises(HybridError, match="operator erf has no differentiable gradient"):
        mx.autograd.grad(y, [x], create_graph=True)


def test_create_graph_keeps_the_graph_for_a_later_backward():
    x = mx.nd.array([0.25, -1.0])
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.sin(x) * x
    (dx,) = mx.autograd.grad(y, [x], create_graph=True)
    np.testing.assert_allclose(dx.asnumpy(), np.cos([0.25, -1.0]) * [0.25, -1.0]
                               + np.sin([0.25, -1.0]), rtol=1e-6)
    y.backward()  # the first graph is still there
    np.testing.assert_allclose(x.grad.asnumpy(), dx.asnumpy(), rtol=1e-6)
