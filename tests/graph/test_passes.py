"""Each graph pass on a small graph: what it removes, folds, merges or fuses, and that results are
unchanged.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
from hybrid.nd import NDArray

import hybrid
from hybrid import autograd
from hybrid import symbol as sym
from hybrid.graph.executor import Executor
from hybrid.graph.ir import Graph
from hybrid.graph.passes import (
    FusedLinear,
    constant_folding,
    cse,
    dead_code,
    fusion,
    memory_plan,
    optimize,
)


def _graph(out, *inputs):
    return Graph.from_outputs(out._outputs, inputs=[v._outputs[0] for v in inputs])


def _ops(graph):
    return [n.op.name for n in graph.nodes]


def _run(graph, *arrays):
    return [o.asnumpy() for o in Executor(graph)([NDArray._wrap(a) for a in arrays])]


def _x(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def test_dead_code_removes_unused_nodes_but_keeps_random_draws():
    x = sym.var("x", shape=(3, 4))
    with autograd.train_mode():
        unused_dropout = sym.Dropout(x, p=0.5)
    dead = sym.exp(x)
    kept = sym.relu(x)
    g = Graph.from_outputs(kept._outputs + dead._outputs + unused_dropout._outputs)
    g.outputs = kept._outputs
    out = dead_code(g)
    assert _ops(out) == ["Dropout", "relu"]
    assert _ops(g) == ["Dropout", "exp", "relu"]  # the pass is pure
    a = _x(3, 4)
    np.testing.assert_array_equal(_run(out, a)[0], np.maximum(a, 0))


def test_constant_folding_precomputes_input_free_subgraphs():
    x = sym.var("x", shape=(2, 3))
    bias = sym.broadcast_add(sym.ones(shape=(2, 3)) * 2,
                             sym.arange(start=0, stop=3).reshape((1, 3)))
    noise = sym.random_normal(shape=(2, 3))
    g = _graph(x + bias + noise * 0, x)
    folded = constant_folding(g)
    assert _ops(folded) == ["_random_normal", "elemwise_add", "_mul_scalar", "elemwise_add"]
    assert len(dead_code(folded).constants) == 1  # the intermediate constants are dead
    a = _x(2, 3)
    hybrid.random.seed(3)
    expected = _run(g, a)[0]
    hybrid.random.seed(3)
    np.testing.assert_array_equal(_run(folded, a)[0], expected)
    np.testing.assert_allclose(expected, a + 2 + np.arange(3), rtol=1e-6)


def test_cse_merges_equal_nodes_but_not_random_ones():
    x = sym.var("x", shape=(3, 4))
    with autograd.train_mode():
        d1, d2 = sym.Dropout(x, p=0.5), sym.Dropout(x, p=0.5)
    y = sym.relu(x * 2) + sym.relu(x * 2) + d1 + d2
    g = _graph(y, x)
    merged = cse(g)
    assert _ops(g).count("relu") == 2 and _ops(merged).count("relu") == 1
    assert _ops(merged).count("_mul_scalar") == 1
    assert _ops(merged).count("Dropout") == 2
    a = _x(3, 4)
    hybrid.random.seed(5)
    expected = _run(g, a)[0]
    hybrid.random.seed(5)
    np.testing.assert_array_equal(_run(merged, a)[0], expected)


def _mlp_graph():
    x, w, b = sym.var("x", shape=(4, 6)), sym.var("w", shape=(5, 6)), sym.var("b", shape=(5,))
    y = sym.relu(sym.FullyConnected(x, w, b, num_hidden=5))
    return _graph(y, x, w, b), [_x(4, 6), _x(5, 6, seed=1), _x(5, seed=2)]


def test_fusion_of_bias_and_activation_keeps_outputs_and_gradients():
    g, arrays = _mlp_graph()
    fused = fusion(g, inference=False)
    assert [n.op for n in fused.nodes] == [FusedLinear]
    assert fused.nodes[0].attrs["act"] == "relu"
    grads = []
    for graph in (g, fused):
        nds = [NDArray._wrap(a.copy()) for a in arrays]
        for a in nds:
            a.attach_grad()
        with autograd.record():
            out = Executor(graph)(nds)[0]
        out.backward(NDArray._wrap(_x(4, 5, seed=3)))
        grads.append([out.asnumpy()] + [a.grad.asnumpy() for a in nds])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def test_fusion_folds_inference_batchnorm_into_the_convolution():
    x, w = sym.var("x", shape=(2, 3, 6, 6)), sym.var("w", shape=(4, 3, 3, 3))
    stats = [sym.var(n, shape=(4,)) for n in ("gamma", "beta", "mean", "var")]
    conv = sym.Convolution(x, w, kernel=(3, 3), num_filter=4, no_bias=True)
    with autograd.predict_mode():
        y = sym.relu(sym.BatchNorm(conv, *stats, fix_gamma=False))
    g = _graph(y, x, w, *stats)
    rng = np.random.default_rng(0)
    arrays = [_x(2, 3, 6, 6), _x(4, 3, 3, 3, seed=1), *rng.uniform(0.5, 1.5, (4, 4))]
    arrays = [a.astype(np.float32) for a in arrays]
    assert _ops(fusion(g, inference=False)) == ["Convolution", "BatchNorm", "relu"]
    fused = fusion(g, inference=True)
    assert [n.op for n in fused.nodes] == [FusedLinear]
    assert fused.nodes[0].attrs["bn"] is not None and fused.nodes[0].attrs["act"] == "relu"
    np.testing.assert_allclose(_run(fused, *arrays)[0], _run(g, *arrays)[0], rtol=1e-5, atol=1e-5)


def _chain(n_layers):
    x = sym.var("x", shape=(256, 1024))
    y = x
    for _ in range(n_layers):
        y = sym.tanh(y * 0.5 + 0.1)
    return _graph(y, x)


def _peak(graph, a):
    ex = Executor(graph)
    ex([NDArray._wrap(a)])
    tracemalloc.start()
    ex([NDArray._wrap(a)])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_plan_shares_slots_and_lowers_peak_memory():
    g = _chain(8)
    planned = memory_plan(g)
    plan = planned.meta["memory_plan"]
    n_values = 1 + sum(len(n.outputs) for n in g.nodes)
    assert plan["n_slots"] < n_values // 4
    a = _x(256, 1024)
    np.testing.assert_array_equal(_run(planned, a)[0], _run(g, a)[0])
    buffer = a.nbytes
    # Without the plan all 24 intermediates live to the end; with it about two at a time.
    assert _peak(g, a) > 20 * buffer
    assert _peak(planned, a) < 4 * buffer


def test_optimize_pipeline_keeps_results():
    g, arrays = _mlp_graph()
    for inference in (False, True):
        for static_alloc in (False, True):
            out = optimize(g, inference, static_alloc)
            np.testing.assert_array_equal(_run(out, *arrays)[0], _run(g, *arrays)[0])


def test_batchnorm_folding_with_bias_and_fixed_gamma_leaves_its_inputs_untouched():
    x, w, b = sym.var("x", shape=(2, 3, 5, 5)), sym.var("w", shape=(4, 3, 3, 3)), sym.var("b")
    stats = [sym.var(n, shape=(4,)) for n in ("gamma", "beta", "mean", "var")]
    conv = sym.Convolution(x, w, b, kernel=(3, 3), num_filter=4)
    with autograd.predict_mode():
        y = sym.BatchNorm(conv, *stats, fix_gamma=True, eps=1e-3)
    g = _graph(y, x, w, b, *stats)
    rng = np.random.default_rng(1)
    arrays = [_x(2, 3, 5, 5), _x(4, 3, 3, 3, seed=2), *rng.uniform(0.5, 1.5, (5, 4))]
    arrays = [a.astype(np.float32) for a in arrays]
    before = [a.copy() for a in arrays]
    fused = fusion(g, inference=True)
    assert [n.op for n in fused.nodes] == [FusedLinear]
    gamma, beta, mean, var = arrays[3:]
    conv_ref = _run(_graph(conv, x, w, b), *arrays[:3])[0]
    c = (slice(None), None, None)
    ref = (conv_ref - mean[c]) / np.sqrt(var[c] + 1e-3) + beta[c]
    for _ in range(2):
        np.testing.assert_allclose(_run(fused, *arrays)[0], ref, rtol=1e-5, atol=1e-5)
    for a, a0 in zip(arrays, before):
        np.testing.assert_array_equal(a, a0)
