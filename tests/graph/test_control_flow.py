"""contrib.foreach, while_loop and cond: eager (nd) against numpy references, hybridized (one
node holding subgraphs) against eager, gradients against finite differences, MXNet's errors,
and MXNet 1.9.1's own graph JSON with these nodes.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import hybrid as mx
from hybrid import autograd, gluon

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "mxnet" / "control_flow"


def _rnn_reference(x, h0, w, b):
    h, seq = h0, []
    for xt in x:
        h = np.tanh(xt @ w.T + b + h)
        seq.append(h * 2)
    return np.stack(seq), h


class RNNLoop(gluon.HybridBlock):
    """A tanh RNN written with F.contrib.foreach, its cell a Dense layer read inside the body."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.cell = gluon.nn.Dense(4, in_units=3, flatten=False)

    def hybrid_forward(self, F, x, h0):
        def step(xt, states):
            h = F.tanh(self.cell(xt) + states[0])
            return h * 2, [h]

        seq, states = F.contrib.foreach(step, x, [h0])
        return seq, states[0]


class LoopAndBranch(gluon.HybridBlock):
    """A while_loop whose state feeds a cond, with nested loop variables."""

    def hybrid_forward(self, F, a, w):
        def func(i, vs):
            p, q = vs
            return [p * w, i], [i + 1, [F.tanh(p * w), q + p]]

        rows, (count, (p, q)) = F.contrib.while_loop(
            lambda i, vs: i < 3, func, [F.sum(a) * 0, [a, a * 0.5]],
            max_iterations=5)
        picked = F.contrib.cond(F.sum(q) > 0, lambda: [p * q, q], lambda: [p - q, p])
        return rows[0], rows[1], count, p, q, picked[0], picked[1]


def _run(net, inputs, hybridize, heads_weight=None):
    """Outputs and input gradients of ``net`` (eager or hybridized) under one random head."""
    net.hybridize(hybridize)
    arrays = [mx.nd.array(x, dtype=x.dtype) for x in inputs]
    for a in arrays:
        a.attach_grad()
    with autograd.record():
        outs = net(*arrays)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        loss = sum((o * mx.nd.array(u, dtype=o.dtype)).sum() for o, u in zip(outs, heads_weight))
    loss.backward()
    return [o.asnumpy() for o in outs], [a.grad.asnumpy() for a in arrays]


def _heads(rng, shapes):
    return [rng.normal(size=s) for s in shapes]


# -- eager --------------------------------------------------------------------------------------
def test_nd_foreach_matches_a_python_loop():
    rng = np.random.default_rng(0)
    x, h0 = rng.normal(size=(5, 2, 3)), rng.normal(size=(2, 4))
    w, b = rng.normal(size=(4, 3)), rng.normal(size=(4,))

    def step(xt, states):
        h = mx.nd.tanh(mx.nd.FullyConnected(xt, mx.nd.array(w), mx.nd.array(b), num_hidden=4)
                       + states[0])
        return [h * 2], [h]

    outs, states = mx.nd.contrib.foreach(step, mx.nd.array(x), [mx.nd.array(h0)])
    seq, h = _rnn_reference(x.astype(np.float32), h0.astype(np.float32), w.astype(np.float32),
                            b.astype(np.float32))
    assert isinstance(outs, list) and len(outs) == 1 and isinstance(states, list)
    np.testing.assert_allclose(outs[0].asnumpy(), seq, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[0].asnumpy(), h, rtol=1e-5, atol=1e-6)


def test_nd_foreach_takes_a_list_of_data_and_nested_states():
    a, b = mx.nd.arange(6).reshape((3, 2)), mx.nd.ones((3, 2))

    def step(data, states):
        x, y = data
        s, (t,) = states
        return x * y + s, [s + x, [t * 2]]

    out, (s, (t,)) = mx.nd.contrib.foreach(step, [a, b], [mx.nd.zeros((2,)), [mx.nd.ones((2,))]])
    np.testing.assert_array_equal(out.asnumpy(), [[0, 1], [2, 4], [6, 9]])
    np.testing.assert_array_equal(s.asnumpy(), [6, 9])
    np.testing.assert_array_equal(t.asnumpy(), [8, 8])


def test_nd_while_loop_pads_step_outputs_to_max_iterations():
    outs, (i, s) = mx.nd.contrib.while_loop(
        lambda i, s: i <= 5, lambda i, s: ([i + s], [i + 1, s + i]),
        (mx.nd.array([0]), mx.nd.array([1])), max_iterations=10)
    assert outs[0].shape == (10, 1)
    np.testing.assert_array_equal(outs[0].asnumpy()[:6, 0], [1, 2, 4, 7, 11, 16])
    np.testing.assert_array_equal(outs[0].asnumpy()[6:], 0)
    assert (i.asscalar(), s.asscalar()) == (6, 16)


def test_nd_while_loop_with_no_step_returns_no_outputs_and_the_inputs():
    x = mx.nd.array([7.0])
    outs, final = mx.nd.contrib.while_loop(lambda v: v < 0, lambda v: (v, v + 1), x,
                                           max_iterations=3)
    assert outs == [] and final is x


def test_nd_cond_runs_only_the_chosen_branch():
    ran = []
    a, b = mx.nd.array([1.0]), mx.nd.array([2.0])

    def then():
        ran.append("then")
        return (a + 5) * (b + 5)

    def other():
        ran.append("else")
        return (a - 5) * (b - 5)

    assert mx.nd.contrib.cond(a * b < 5, then, other).asscalar() == 42
    assert mx.nd.contrib.cond(a * b > 5, then, other).asscalar() == 12
    assert ran == ["then", "else"]


@pytest.mark.parametrize("F", [mx.nd, mx.sym], ids=["nd", "sym"])
def test_errors_follow_mxnet(F):
    x = mx.nd.zeros((1,)) if F is mx.nd else mx.sym.var("x", shape=(1,))
    with pytest.raises(ValueError, match="max_iterations should be specified"):
        F.contrib.while_loop(lambda v: v < 1, lambda v: (v, v), [x])
    with pytest.raises(ValueError, match="loop_vars should be consistent"):
        F.contrib.while_loop(lambda v: v < 1, lambda v: (v, [v, v]), [x], max_iterations=2)
    with pytest.raises(ValueError, match="must be an array"):
        F.contrib.foreach(lambda d, s: (d, s), 3.0, [x])


def test_sym_errors_follow_mxnet():
    x, s = mx.sym.var("x", shape=(3, 2)), mx.sym.var("s", shape=(2,))
    with pytest.raises(ValueError, match="different format"):
        mx.sym.contrib.foreach(lambda d, st: (d, [st[0], st[0]]), x, [s])
    with pytest.raises(ValueError, match="data arrays have to be used"):
        mx.sym.contrib.foreach(lambda d, st: (st[0] * 2, [st[0] + 1]), x, [s])
    with pytest.raises(ValueError, match="Number of outputs differs"):
        mx.sym.contrib.cond(mx.sym.sum(s) > 0, lambda: [s, s], lambda: s)
    with pytest.raises(ValueError, match="The 2-th loop_var doesn't involve"):
        mx.sym.contrib.while_loop(lambda v, w: v < 1, lambda v, w: (v, [v + 1, v]), [s, s * 2],
                                  max_iterations=2)
    with pytest.raises(ValueError, match="Return of cond must be a Symbol"):
        mx.sym.contrib.while_loop(lambda v: True, lambda v: (v, v), [s], max_iterations=2)


# -- hybridized ---------------------------------------------------------------------------------
def test_sym_foreach_is_one_node_holding_its_body():
    x, h0 = mx.sym.var("x", shape=(5, 2, 3)), mx.sym.var("h", shape=(2, 4))
    w = mx.sym.var("w", shape=(4, 3))
    seq, states = mx.sym.contrib.foreach(
        lambda xt, st: (mx.sym.tanh(mx.sym.dot(xt, w, transpose_b=True) + st[0]),
                        [st[0] * 2]), x, [h0])
    group = mx.sym.Group([seq, states[0]])
    nodes = group._graph().nodes
    assert [n.op.name for n in nodes] == ["_foreach"]
    assert group.list_arguments() == ["x", "h", "w"]
    assert seq.shape == (5, 2, 4) and states[0].shape == (2, 4)
    assert [v.name for v in nodes[0].attrs["subgraphs"][0].inputs] == ["x-0", "h-0", "w"]


@pytest.mark.parametrize("seed", [0, 1])
def test_hybridized_foreach_block_matches_eager(seed):
    rng = np.random.default_rng(seed)
    net = RNNLoop()
    net.initialize(mx.init.Uniform(0.5))
    inputs = [rng.normal(size=(5, 2, 3)).astype(np.float32),
              rng.normal(size=(2, 4)).astype(np.float32)]
    heads = _heads(rng, [(5, 2, 4), (2, 4)])
    eager_out, eager_grad = _run(net, inputs, False, heads)
    w_grad = net.cell.weight.grad().asnumpy().copy()
    hybrid_out, hybrid_grad = _run(net, inputs, True, heads)
    seq, h = _rnn_reference(*inputs, net.cell.weight.data().asnumpy(),
                            net.cell.bias.data().asnumpy())
    np.testing.assert_allclose(eager_out[0], seq, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(eager_out[1], h, rtol=1e-5, atol=1e-6)
    for e, g in zip(eager_out + eager_grad, hybrid_out + hybrid_grad):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(net.cell.weight.grad().asnumpy(), w_grad, rtol=1e-5, atol=1e-6)


def test_hybridized_while_loop_and_cond_match_eager():
    rng = np.random.default_rng(2)
    net = LoopAndBranch()
    inputs = [rng.normal(size=(2, 3)), rng.normal(size=(2, 3))]
    heads = _heads(rng, [(5, 2, 3), (5, 1), (1,), (2, 3), (2, 3), (2, 3), (2, 3)])
    eager_out, eager_grad = _run(net, inputs, False, heads)
    hybrid_out, hybrid_grad = _run(net, inputs, True, heads)
    assert eager_out[0].shape == (5, 2, 3)
    np.testing.assert_array_equal(eager_out[1][:, 0], [0, 1, 2, 0, 0])
    for e, g in zip(eager_out + eager_grad, hybrid_out + hybrid_grad):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


def test_loop_reading_a_loop_variables_initial_value_matches_eager():
    rng = np.random.default_rng(8)
    net = VarsOnlyLoop()
    inputs = [rng.normal(size=(2, 3)), rng.normal(size=(2, 3))]
    heads = _heads(rng, [(2, 3), (1,)])
    eager_out, eager_grad = _run(net, inputs, False, heads)
    hybrid_out, hybrid_grad = _run(net, inputs, True, heads)
    assert eager_out[1].tolist() == [4.0]
    for e, g in zip(eager_out + eager_grad, hybrid_out + hybrid_grad):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


def _finite_difference_check(net, inputs, heads, index):
    """<u, J v> by central differences against the hybridized gradient, for input ``index``."""
    rng = np.random.default_rng(index)
    _, grads = _run(net, inputs, True, heads)
    v = rng.normal(size=inputs[index].shape)

    def f(shift):
        moved = [x + shift * v if k == index else x for k, x in enumerate(inputs)]
        outs, _ = _run(net, moved, True, heads)
        return sum(float((o * u).sum()) for o, u in zip(outs, heads))

    h = 1e-6
    np.testing.assert_allclose((f(h) - f(-h)) / (2 * h), float((grads[index] * v).sum()),
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("index", [0, 1])
def test_hybridized_loops_gradients_match_finite_differences(index):
    rng = np.random.default_rng(3)
    net = LoopAndBranch()
    inputs = [rng.normal(size=(2, 3)), rng.normal(size=(2, 3))]
    heads = _heads(rng, [(5, 2, 3), (5, 1), (1,), (2, 3), (2, 3), (2, 3), (2, 3)])
    _finite_difference_check(net, inputs, heads, index)


class Nested(gluon.HybridBlock):
    """foreach over rows of a foreach over time, with [h, c]-style nested states."""

    def hybrid_forward(self, F, x, h0, c0):
        def inner(xt, states):
            h, c = states
            c = c + F.sigmoid(xt) * h
            return F.tanh(c), [F.tanh(c) * 0.5 + h, c]

        def outer(xs, states):
            seq, new = F.contrib.foreach(inner, xs, states[0])
            return seq, [new]

        seq, (states,) = F.contrib.foreach(outer, x, [[h0, c0]])
        return seq, states[0], states[1]


def test_nested_foreach_hybridized_matches_eager_and_finite_differences():
    rng = np.random.default_rng(4)
    net = Nested()
    inputs = [rng.normal(size=(3, 4, 2)), rng.normal(size=(2,)), rng.normal(size=(2,))]
    heads = _heads(rng, [(3, 4, 2), (2,), (2,)])
    eager = _run(net, inputs, False, heads)
    hybrid = _run(net, inputs, True, heads)
    for e, g in zip(eager[0] + eager[1], hybrid[0] + hybrid[1]):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    _finite_difference_check(net, inputs, heads, 0)


# -- graph files --------------------------------------------------------------------------------
def _fixture():
    inputs = np.load(FIXTURES / "loops-input.npz")
    outputs = np.load(FIXTURES / "loops-output.npz")
    names = [str(n) for n in inputs["__order__"]]
    expected = [outputs[str(i)] for i in range(len(outputs.files) - 1)]
    return names, [inputs[n] for n in names], expected, int(outputs["steps"])


def _assert_matches_mxnet(outs, expected, steps):
    assert len(outs) == len(expected)
    for i, (o, e) in enumerate(zip(outs, expected)):
        got = o.asnumpy()
        assert got.shape == e.shape
        if i == 2:  # the while loop's rows past `steps` are uninitialised in MXNet
            got, e = got[:steps], e[:steps]
        np.testing.assert_allclose(got, e, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("hybridize", [False, True])
def test_mxnet_graph_with_control_flow_loads_and_matches_mxnet(hybridize):
    names, inputs, expected, steps = _fixture()
    net = gluon.SymbolBlock.imports(str(FIXTURES / "loops-symbol.json"), names,
                                    str(FIXTURES / "loops-0000.params"))
    net.hybridize(hybridize)
    ops = {n.op.name for n in mx.sym.load(str(FIXTURES / "loops-symbol.json"))._graph().nodes}
    assert {"_foreach", "_while_loop", "_cond"} <= ops
    _assert_matches_mxnet(net(*[mx.nd.array(x) for x in inputs]), expected, steps)


@pytest.mark.parametrize("fmt", ["hybrid", "mxnet"])
def test_control_flow_graph_json_round_trips(tmp_path, fmt):
    names, inputs, expected, steps = _fixture()
    sym = mx.sym.load(str(FIXTURES / "loops-symbol.json"))
    path = tmp_path / "loops-symbol.json"
    sym.save(str(path), format=fmt)
    if fmt == "mxnet":
        doc = json.loads(path.read_text())
        foreach = next(n for n in doc["nodes"] if n["op"] == "_foreach")
        assert foreach["attrs"]["num_args"] == str(len(foreach["inputs"]) + 1)
        assert len(foreach["subgraphs"]) == 1
    params = {k.split(":", 1)[-1]: v for k, v in
              mx.nd.load(str(FIXTURES / "loops-0000.params")).items()}
    args = {**dict(zip(names, (mx.nd.array(x) for x in inputs))), **params}
    again = mx.sym.load(str(path))
    _assert_matches_mxnet(again.eval(**args), expected, steps)


# -- ONNX ---------------------------------------------------------------------------------------
def _onnx_outputs(net, inputs, tmp_path):
    import onnxruntime as ort
    from hybrid.export import to_onnx

    path = str(tmp_path / "model.onnx")
    model = to_onnx(net, path, example_inputs=inputs, dynamic_batch=False)
    ops = {node.op_type for node in model.graph.node}
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feed = {i.name: x for i, x in zip(session.get_inputs(), inputs)}
    return ops, session.run(None, feed)


def test_foreach_block_exports_to_scan(tmp_path):
    rng = np.random.default_rng(5)
    net = RNNLoop()
    net.initialize(mx.init.Uniform(0.5))
    inputs = [rng.normal(size=(5, 2, 3)).astype(np.float32),
              rng.normal(size=(2, 4)).astype(np.float32)]
    eager = [o.asnumpy() for o in net(*[mx.nd.array(x) for x in inputs])]
    ops, got = _onnx_outputs(net, inputs, tmp_path)
    assert "Scan" in ops
    for e, g in zip(eager, got):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_while_loop_and_cond_export_to_loop_and_if(tmp_path):
    rng = np.random.default_rng(6)
    net = LoopAndBranch()
    inputs = [rng.normal(size=(2, 3)).astype(np.float32),
              rng.normal(size=(2, 3)).astype(np.float32)]
    eager = [o.asnumpy() for o in net(*[mx.nd.array(x) for x in inputs])]
    ops, got = _onnx_outputs(net, inputs, tmp_path)
    assert {"Loop", "If"} <= ops
    for e, g in zip(eager, got):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_mxnet_control_flow_graph_exports_and_runs_in_onnx_runtime(tmp_path):
    names, inputs, expected, steps = _fixture()
    net = gluon.SymbolBlock.imports(str(FIXTURES / "loops-symbol.json"), names,
                                    str(FIXTURES / "loops-0000.params"))
    ops, got = _onnx_outputs(net, inputs, tmp_path)
    assert {"Scan", "Loop", "If"} <= ops
    _assert_matches_mxnet([mx.nd.array(g) for g in got], expected, steps)


class VarsOnlyLoop(gluon.HybridBlock):
    """A while_loop without step outputs (ONNX Loop without scan outputs) feeding a cond."""

    def hybrid_forward(self, F, a, w):
        _, (count, p) = F.contrib.while_loop(
            lambda i, p: i < 4, lambda i, p: ([], [i + 1, F.tanh(p * w) + a]),
            [F.sum(a) * 0, a], max_iterations=6)
        return F.contrib.cond(F.sum(p) > 0, lambda: p * 2, lambda: p - w), count


@pytest.mark.parametrize("make", [RNNLoop, VarsOnlyLoop], ids=["scan", "loop_if"])
def test_exported_control_flow_imports_back(tmp_path, make):
    from hybrid.export import from_onnx, to_onnx

    rng = np.random.default_rng(7)
    net = make()
    net.initialize(mx.init.Uniform(0.5))
    shapes = [(5, 2, 3), (2, 4)] if make is RNNLoop else [(2, 3), (2, 3)]
    inputs = [rng.normal(size=s).astype(np.float32) for s in shapes]
    arrays = [mx.nd.array(x) for x in inputs]
    eager = [o.asnumpy() for o in net(*arrays)]
    imported = from_onnx(to_onnx(net, example_inputs=inputs))
    ops = {n.op.name for n in imported._graph.nodes}
    for hybridize in (False, True):
        imported.hybridize(hybridize)
        got = imported(*arrays)
        for e, g in zip(eager, got if isinstance(got, list) else [got]):
            np.testing.assert_allclose(g.asnumpy(), e, rtol=1e-5, atol=1e-6)
    assert ops & {"_foreach", "_while_loop"}


def test_onnx_loop_with_scan_outputs_is_refused_with_the_reason():
    from hybrid.export import from_onnx, to_onnx

    net = LoopAndBranch()
    inputs = [np.ones((2, 3), np.float32), np.ones((2, 3), np.float32)]
    with pytest.raises(mx.base.HybridError, match="pads them to max_iterations"):
        from_onnx(to_onnx(net, example_inputs=inputs))
