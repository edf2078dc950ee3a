"""The Symbol API: variables, operators, listing, shape/type inference, JSON, eval, errors."""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid import sym
from hybrid.base import HybridError, ShapeError
from hybrid.graph.ir import Graph


def test_symbol_namespace_mirrors_the_registry():
    from hybrid.ops.registry import REGISTRY

    for key, op in REGISTRY.items():
        assert getattr(sym, key).__name__ == op.name
    assert sym.add is not None and sym.maximum is not None


def test_arithmetic_builds_mxnets_ops_and_evaluates():
    x, y = sym.var("x"), sym.var("y")
    z = (2 * x - y / 4) ** 2 + (x > y)
    ops = [n.op.name for n in z._graph().nodes]
    # As in MXNet, Symbol + - * / between symbols are the elemwise ops, which do not broadcast.
    assert ops == ["_mul_scalar", "_div_scalar", "elemwise_sub", "_power_scalar",
                   "broadcast_greater", "elemwise_add"]
    a, b = np.array([1.0, 3.0], np.float32), np.array([2.0, 1.0], np.float32)
    out = z.eval(x=mx.nd.array(a), y=mx.nd.array(b))[0].asnumpy()
    np.testing.assert_allclose(out, (2 * a - b / 4) ** 2 + (a > b))
    with pytest.raises(ShapeError, match="elemwise: rhs has shape \\(1, 3\\)"):
        sym.var("p", shape=(2, 3)) * sym.var("q", shape=(1, 3))
    with mx.util.np_shape(True), mx.util.np_array(True):  # numpy mode broadcasts
        w = sym.var("p", shape=(2, 3)) * sym.var("q", shape=(1, 3))
    assert [n.op.name for n in w._graph().nodes] == ["broadcast_mul"]


def test_partial_shape_inference_through_elemwise_ops_as_mxnet():
    x, y = sym.var("x"), sym.var("y")
    z = sym.FullyConnected(x, num_hidden=3, name="fc") + y
    args, outs, _ = z.infer_shape_partial(y=(4, 3))
    assert outs == [(4, 3)] and args[-1] == (4, 3)
    args, outs, _ = z.infer_shape_partial(x=(4, 5))
    assert dict(zip(z.list_arguments(), args)) == {
        "x": (4, 5), "fc_weight": (3, 5), "fc_bias": (3,), "y": (4, 3)}
    assert outs == [(4, 3)]


def test_listing_arguments_outputs_and_auxiliary_states():
    x = sym.var("data")
    fc = sym.FullyConnected(x, sym.var("fc_weight"), sym.var("fc_bias"), num_hidden=4,
                            name="fc")
    bn = sym.BatchNorm(fc, *[sym.var(f"bn_{n}") for n in ("gamma", "beta", "mean", "var")],
                       name="bn")
    assert bn.list_arguments() == ["data", "fc_weight", "fc_bias", "bn_gamma", "bn_beta"]
    assert bn.list_auxiliary_states() == ["bn_mean", "bn_var"]
    assert bn.list_inputs() == bn.list_arguments() + ["bn_mean", "bn_var"]
    assert bn.list_outputs() == ["bn_output"]
    assert bn.name == "bn"
    internals = bn.get_internals()
    assert "fc_output" in internals.list_outputs()
    assert internals["fc_output"].name == "fc"


def test_shapes_propagate_at_construction_and_complete_variables():
    w = sym.var("w")
    y = sym.FullyConnected(sym.var("x", shape=(8, 3, 5)), w, no_bias=True, num_hidden=4)
    assert y.shape == (8, 4)
    assert w.shape == (4, 15)  # completed two-way from the data and num_hidden


def test_infer_shape_and_type():
    x, w, b = sym.var("x"), sym.var("w"), sym.var("b")
    y = sym.relu(sym.FullyConnected(x, w, b, num_hidden=6))
    args, outs, aux = y.infer_shape(x=(2, 10))
    assert args == [(2, 10), (6, 10), (6,)] and outs == [(2, 6)] and aux == []
    assert y.infer_shape() == (None, None, None)
    partial = y.infer_shape_partial()
    assert partial[0][0] == ()  # MXNet writes an unknown shape as ()
    types = y.infer_type(x=np.float64)
    assert types[0] == [np.float64] * 3 and types[1] == [np.float64]


def test_bad_shapes_raise_a_shape_error_naming_the_op():
    x, w = sym.var("x", shape=(2, 10)), sym.var("w", shape=(6, 9))
    with pytest.raises(ShapeError, match="FullyConnected"):
        sym.FullyConnected(x, w, no_bias=True, num_hidden=6)


def test_group_getitem_and_multiple_outputs():
    x = sym.var("x", shape=(4, 6))
    parts = sym.split(x, num_outputs=3, axis=1)
    assert len(parts) == 3 and parts[1].shape == (4, 2)
    a, b, c = parts
    g = sym.Group([a, sym.relu(c)])
    assert len(g.list_outputs()) == 2
    data = np.arange(24, dtype=np.float32).reshape(4, 6) - 10
    outs = g.eval(x=mx.nd.array(data))
    np.testing.assert_array_equal(outs[1].asnumpy(), np.maximum(data[:, 4:], 0))
    row = x[1]
    np.testing.assert_array_equal(row.eval(x=mx.nd.array(data))[0].asnumpy(), data[1])


def test_json_round_trip_and_files(tmp_path):
    x = sym.var("x", shape=(3, 4), lr_mult=2.0)
    y = sym.Reshape(sym.tanh(x[:, 1:3]), shape=(0, -1)) * 3
    text = y.tojson()
    z = sym.load_json(text)
    assert z.tojson() == text
    y.save(str(tmp_path / "g.json"))
    w = sym.load(str(tmp_path / "g.json"))
    data = mx.nd.array(np.linspace(-1, 1, 12).reshape(3, 4))
    np.testing.assert_array_equal(w.eval(x=data)[0].asnumpy(), y.eval(x=data)[0].asnumpy())
    assert w.get_internals()["x"].attr("lr_mult") == "2.0"


def test_graph_text_dump_lists_nodes_and_types():
    x = sym.var("x", shape=(2, 2))
    text = Graph.from_outputs(sym.exp(x)._outputs).dump()
    assert "%x: (2, 2)" in text and "= exp[](%x)" in text and "return" in text


@pytest.mark.parametrize(
    "use", [bool, float, int, lambda s: s.asnumpy(), lambda s: s.asscalar(), list]
)
def test_value_dependent_python_on_symbols_raises(use):
    s = sym.var("x", shape=(3,))
    with pytest.raises(HybridError, match="shape-static"):
        use(s)


def test_mixing_ndarrays_into_a_symbol_graph_is_an_error():
    with pytest.raises(HybridError, match="every input must be a Symbol"):
        sym.var("x") + mx.nd.ones((2,))


def test_plot_network_needs_graphviz():
    try:
        import graphviz  # noqa: F401
    except ImportError:
        with pytest.raises(HybridError, match="graphviz"):
            mx.viz.plot_network(sym.relu(sym.var("x")))
    else:
        dot = mx.viz.plot_network(sym.relu(sym.var("x")), shape={"x": (1, 2)})
        assert "relu" in dot.source
