"""Recurrent layers exported to ONNX's RNN / LSTM / GRU and run in ONNX Runtime equal eager
(every mode, bidirectional, two layers, sequence lengths, dynamic batch); the models import back
through ``from_onnx``; what MXNet's op cannot express is refused on import with the reason.
"""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from hybrid.export import to_onnx
from hybrid.export.importer import from_onnx
from onnx import TensorProto, helper, numpy_helper

import hybrid as mx
from hybrid.base import HybridError
from tests.gluon.test_rnn_layers import MODES, make_layer, random_states

_ONNX_OP = {"rnn_relu": "RNN", "rnn_tanh": "RNN", "lstm": "LSTM", "gru": "GRU"}


def _session(model):
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def _close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("mode", MODES)
def test_layer_in_onnx_runtime_equals_eager_and_imports_back(mode, bidirectional):
    rng = np.random.default_rng(0)
    layer = make_layer(mode, layers=2, layout="NTC", bidirectional=bidirectional)
    layer.initialize(mx.init.Uniform(0.5))
    x = mx.nd.array(rng.normal(size=(3, 5, 6)).astype(np.float32))
    states = random_states(layer, 3, rng)
    out, new_states = layer(x, states)
    layer.hybridize()
    model = to_onnx(layer, example_inputs=[x, *states])
    assert [n.op_type for n in model.graph.node].count(_ONNX_OP[mode]) == 2
    got = _session(model).run(
        None, {i.name: a.asnumpy() for i, a in zip(_session(model).get_inputs(), [x, *states])}
    )
    _close(got[0], out.asnumpy())
    for g, s in zip(got[1:], new_states):
        _close(g, s.asnumpy())
    imported = from_onnx(model)
    back = imported(x, *states)
    _close(back[0].asnumpy(), out.asnumpy())
    for b, s in zip(back[1:], new_states):
        _close(b.asnumpy(), s.asnumpy())


@pytest.mark.parametrize("mode", ["lstm", "gru", "rnn_tanh"])
def test_default_states_keep_a_dynamic_batch(mode):
    rng = np.random.default_rng(1)
    layer = make_layer(mode, layers=1, layout="NTC", input_size=4)
    layer.initialize(mx.init.Uniform(0.5))
    model = to_onnx(layer, example_inputs=[np.zeros((2, 6, 4), np.float32)])
    assert len(model.graph.input) == 1
    session = _session(model)
    for batch in (2, 5):
        x = rng.normal(size=(batch, 6, 4)).astype(np.float32)
        (got,) = session.run(None, {model.graph.input[0].name: x})
        _close(got, layer(mx.nd.array(x)).asnumpy())


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_sequence_lengths_export_as_sequence_lens(mode):
    rng = np.random.default_rng(2)
    layer = make_layer(mode, layers=2, layout="NTC", bidirectional=True, use_sequence_length=True)
    layer.initialize(mx.init.Uniform(0.5))
    x = mx.nd.array(rng.normal(size=(3, 5, 2)).astype(np.float32))
    lengths = mx.nd.array(np.array([5, 2, 4], np.float32))
    states = random_states(layer, 3, rng)
    out, new_states = layer(x, states, lengths)
    model = to_onnx(layer, example_inputs=[x, *states, lengths])
    feeds = [x, *states, lengths]
    session = _session(model)
    got = session.run(None, {i.name: a.asnumpy() for i, a in zip(session.get_inputs(), feeds)})
    _close(got[0], out.asnumpy())
    for g, s in zip(got[1:], new_states):
        _close(g, s.asnumpy())
    back = from_onnx(model)(*feeds)
    _close(back[0].asnumpy(), out.asnumpy())


def _onnx_lstm(**attrs):
    rng = np.random.default_rng(3)
    h, i = 2, 3
    inits = [
        numpy_helper.from_array(rng.normal(size=s).astype(np.float32), n)
        for n, s in (("W", (1, 4 * h, i)), ("R", (1, 4 * h, h)))
    ]
    node = helper.make_node("LSTM", ["x", "W", "R"], ["y"], hidden_size=h, **attrs)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 2, i])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


# layout=1 is checked by the ONNX backend cases (ONNX Runtime does not run it).
@pytest.mark.parametrize("attrs", [{}, {"direction": "reverse"}])
def test_imported_onnx_lstm_without_bias_or_states_matches_onnx_runtime(attrs):
    model = _onnx_lstm(**attrs)
    x = np.random.default_rng(4).normal(size=(4, 2, 3)).astype(np.float32)
    (expected,) = _session(model).run(None, {"x": x})
    got = from_onnx(model)(mx.nd.array(x))
    _close(got.asnumpy(), expected)


@pytest.mark.parametrize(
    "attrs,reason",
    [
        ({"clip": 1.0}, "clip"),
        ({"input_forget": 1}, "input_forget"),
        ({"activations": ["Sigmoid", "Relu", "Tanh"]}, "activations"),
    ],
)
def test_unsupported_onnx_attributes_are_refused_with_the_reason(attrs, reason):
    with pytest.raises(HybridError, match=reason):
        from_onnx(_onnx_lstm(**attrs))


def test_gru_without_linear_before_reset_is_refused():
    rng = np.random.default_rng(5)
    inits = [
        numpy_helper.from_array(rng.normal(size=s).astype(np.float32), n)
        for n, s in (("W", (1, 6, 3)), ("R", (1, 6, 2)))
    ]
    node = helper.make_node("GRU", ["x", "W", "R"], ["y"], hidden_size=2)
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(HybridError, match="linear_before_reset=0"):
        from_onnx(model)


def test_dropout_in_training_is_not_exported():
    from hybrid.export.builder import Builder, Call
    from hybrid.export.lowering import lower

    attrs = mx.ops.get_op("RNN").parse_attrs(
        {"mode": "lstm", "state_size": 2, "num_layers": 2, "p": 0.5}
    )
    attrs["is_train"] = True
    call = Call(
        "rnn0",
        ["x", "p", "h", "c"],
        attrs,
        [(3, 2, 4), (0,), (2, 2, 2), (2, 2, 2)],
        [np.float32] * 4,
        [(3, 2, 2)],
        [np.float32],
    )
    with pytest.raises(HybridError, match="dropout between layers in training"):
        lower(Builder(17), "RNN", call)
