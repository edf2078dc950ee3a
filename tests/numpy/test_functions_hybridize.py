"""A sample of mx.np functions traced on Symbols into a graph: the graph's outputs and gradients
equal the eager ones, and the fallbacks whose shapes depend on values refuse to trace."""

from __future__ import annotations

import numpy as onp
import pytest
from hybrid.nd import NDArray

import hybrid
from hybrid import autograd, np
from hybrid.graph.executor import Executor
from hybrid.graph.ir import Graph

# name -> (function of the inputs, input shapes)
SAMPLE = {
    "arctan2": (lambda a, b: np.arctan2(a, b), [(2, 3), (3,)]),
    "sin_log10": (lambda a: np.log10(np.cosh(a)), [(2, 3)]),
    "hypot_copysign": (lambda a, b: np.copysign(np.hypot(a, b), b), [(2, 3), (2, 3)]),
    "roll": (lambda a: np.roll(a, 2, axis=1), [(2, 5)]),
    "rot90": (lambda a: np.rot90(a), [(2, 3)]),
    "tril": (lambda a: np.tril(a, -1), [(3, 4)]),
    "trace": (lambda a: np.trace(a), [(3, 3)]),
    "pad": (lambda a: np.pad(a, ((1, 0), (2, 1)), mode="reflect"), [(3, 4)]),
    "hstack": (lambda a, b: np.hstack([a, b]), [(2, 3), (2, 1)]),
    "diff": (lambda a: np.diff(a, n=2), [(2, 5)]),
    "einsum": (lambda a, b: np.einsum("ij,kj->ik", a, b), [(2, 3), (4, 3)]),
    "tensordot": (lambda a, b: np.tensordot(a, b, axes=([1], [0])), [(2, 3), (3, 4)]),
    "norm": (lambda a: np.linalg.norm(a, axis=1), [(3, 4)]),
    "inv_det": (lambda a: np.linalg.det(np.linalg.inv(a)), [(2, 3, 3)]),
    "solve": (lambda a, b: np.linalg.solve(a, b), [(3, 3), (3, 2)]),
    "svd": (lambda a: np.linalg.svd(a)[1], [(2, 4)]),
    "isclose": (lambda a, b: np.isclose(a, b), [(2, 3), (2, 3)]),
}


def _inputs(shapes):
    rng = onp.random.default_rng(12)
    square = [len(s) > 1 and s[-1] == s[-2] == 3 for s in shapes]
    return [rng.uniform(0.5, 2, s) + (3 * onp.eye(3) if sq else 0)
            for s, sq in zip(shapes, square)]


def _graph_run(fn, values, record):
    variables = [hybrid.sym.var(f"x{i}", shape=v.shape, dtype=v.dtype)
                 for i, v in enumerate(values)]
    out = fn(*variables)
    graph = Graph.from_outputs(out._outputs, inputs=[v._outputs[0] for v in variables])
    arrays = [NDArray._wrap(v.copy()) for v in values]
    if not record:
        return arrays, Executor(graph)(arrays)
    for a in arrays:
        a.attach_grad()
    with autograd.record():
        outs = Executor(graph)(arrays)
    return arrays, outs


@pytest.mark.parametrize("name", sorted(SAMPLE))
def test_graph_equals_eager(name):
    fn, shapes = SAMPLE[name]
    values = _inputs(shapes)
    eager = fn(*[np.array(v) for v in values])
    _, (graph,) = _graph_run(fn, values, record=False)
    assert graph.shape == eager.shape
    onp.testing.assert_allclose(graph.asnumpy(), eager.asnumpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(n for n in SAMPLE if n != "isclose"))
def test_graph_gradients_equal_eager(name):
    fn, shapes = SAMPLE[name]
    values = _inputs(shapes)
    eager_in = [np.array(v) for v in values]
    for a in eager_in:
        a.attach_grad()
    with autograd.record():
        eager = fn(*eager_in)
    u = onp.random.default_rng(13).normal(size=eager.shape)
    eager.backward(np.array(u))
    arrays, (graph,) = _graph_run(fn, values, record=True)
    graph.backward(NDArray._wrap(u))
    for e, g in zip(eager_in, arrays):
        onp.testing.assert_allclose(g.grad.asnumpy(), e.grad.asnumpy(), rtol=1e-10, atol=1e-12)
