"""The fused recurrent layers: equal to unrolled cells with shared weights (every mode,
bidirectional, two layers), eager vs hybridized outputs and gradients, sequence lengths, dropout,
deferred shapes, parameter names and files, and errors naming the layer and the shapes.
"""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid import autograd
from hybrid.base import HybridError, ShapeError
from hybrid.gluon import rnn

MODES = ["rnn_relu", "rnn_tanh", "lstm", "gru"]


def make_layer(mode: str, hidden: int = 4, layers: int = 2, **kwargs) -> rnn.RNN:
    if mode.startswith("rnn"):
        return rnn.RNN(hidden, layers, activation=mode[4:], **kwargs)
    return {"lstm": rnn.LSTM, "gru": rnn.GRU}[mode](hidden, layers, **kwargs)


def make_cell(mode: str, hidden: int, prefix: str) -> rnn.HybridRecurrentCell:
    if mode.startswith("rnn"):
        return rnn.RNNCell(hidden, activation=mode[4:], prefix=prefix)
    return {"lstm": rnn.LSTMCell, "gru": rnn.GRUCell}[mode](hidden, prefix=prefix)


def make_stack(mode: str, hidden: int, layers: int, bidirectional: bool, prefix: str):
    """The unfused equivalent of a fused layer: MXNet's cell names ``l0_``, ``r0_``, ..."""
    stack = rnn.SequentialRNNCell(prefix=prefix)
    with stack.name_scope():
        for i in range(layers):
            if bidirectional:
                stack.add(
                    rnn.BidirectionalCell(
                        make_cell(mode, hidden, f"l{i}_"), make_cell(mode, hidden, f"r{i}_")
                    )
                )
            else:
                stack.add(make_cell(mode, hidden, f"l{i}_"))
    return stack


def random_states(layer, batch: int, rng) -> list:
    return [
        mx.nd.array(rng.normal(size=s["shape"]).astype(np.float32)) for s in layer.state_info(batch)
    ]


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("mode", MODES)
def test_layer_equals_unrolled_cells_with_shared_weights(mode, bidirectional):
    rng = np.random.default_rng(0)
    layer = make_layer(mode, layout="NTC", bidirectional=bidirectional, prefix="m_")
    layer.initialize(mx.init.Uniform(0.5))
    x = mx.nd.array(rng.normal(size=(3, 5, 6)).astype(np.float32))
    states = random_states(layer, 3, rng)
    out, new_states = layer(x, states)

    stack = make_stack(mode, 4, 2, bidirectional, "m_")
    stack.initialize()
    stack.unroll(5, x, layout="NTC")  # settles the deferred input sizes
    fused = layer.collect_params()
    for name, p in stack.collect_params().items():
        p.set_data(fused[name].data())
    dirs = 2 if bidirectional else 1
    # Cells take per (layer, direction) [h, c]; the layer stacks them on axis 0.
    cell_states = [s[k] for k in range(2 * dirs) for s in states]
    c_out, c_states = stack.unroll(5, x, begin_state=cell_states, layout="NTC", merge_outputs=True)
    np.testing.assert_allclose(c_out.asnumpy(), out.asnumpy(), rtol=1e-5, atol=1e-6)
    for i, s in enumerate(new_states):
        per_cell = np.stack([c_states[k * len(states) + i].asnumpy() for k in range(2 * dirs)])
        np.testing.assert_allclose(per_cell, s.asnumpy(), rtol=1e-5, atol=1e-6)


def _run(layer, x, states):
    x = x.copy()
    x.attach_grad()
    for s in states:
        s.attach_grad()
    with autograd.record():
        out, new_states = layer(x, [s for s in states])
        loss = (out * out).sum() + sum((s * 0.5).sum() for s in new_states)
    loss.backward()
    grads = {k: p.grad().asnumpy().copy() for k, p in layer.collect_params().items()}
    return (
        out.asnumpy(),
        [s.asnumpy() for s in new_states],
        x.grad.asnumpy(),
        grads,
        [s.grad.asnumpy() for s in states],
    )


@pytest.mark.parametrize("layout", ["TNC", "NTC"])
@pytest.mark.parametrize("mode", MODES)
def test_hybridized_layer_equals_eager_outputs_and_gradients(mode, layout):
    rng = np.random.default_rng(1)
    layer = make_layer(mode, bidirectional=True, layout=layout)
    layer.initialize(mx.init.Uniform(0.3))
    shape = (5, 3, 6) if layout == "TNC" else (3, 5, 6)
    x = mx.nd.array(rng.normal(size=shape).astype(np.float32))
    states = random_states(layer, 3, rng)
    eager = _run(layer, x, [s.copy() for s in states])
    layer.hybridize()
    graph = _run(layer, x, [s.copy() for s in states])
    assert layer._cached_op.stats["traces"] >= 1
    np.testing.assert_allclose(graph[0], eager[0], rtol=1e-6, atol=1e-7)
    for e, g in zip(eager[1], graph[1]):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(graph[2], eager[2], rtol=1e-5, atol=1e-6)
    for key in eager[3]:
        np.testing.assert_allclose(graph[3][key], eager[3][key], rtol=1e-5, atol=1e-6)
    for e, g in zip(eager[4], graph[4]):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_default_states_are_zeros_and_output_only():
    layer = rnn.LSTM(4, input_size=3)
    layer.initialize()
    x = mx.nd.ones((2, 5, 3))
    out = layer(x)
    zeros = [mx.nd.zeros((1, 5, 4)), mx.nd.zeros((1, 5, 4))]
    out_with, _ = layer(x, zeros)
    np.testing.assert_array_equal(out.asnumpy(), out_with.asnumpy())
    layer.hybridize()
    np.testing.assert_allclose(layer(x).asnumpy(), out.asnumpy(), rtol=1e-6)


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_sequence_length_matches_bidirectional_cells_with_valid_length(mode):
    rng = np.random.default_rng(2)
    layer = make_layer(mode, layers=1, bidirectional=True, use_sequence_length=True, prefix="s_")
    layer.initialize(mx.init.Uniform(0.5))
    x = mx.nd.array(rng.normal(size=(5, 3, 2)).astype(np.float32))
    lengths = mx.nd.array(np.array([5, 2, 3], np.float32))
    states = random_states(layer, 3, rng)
    out, new_states = layer(x, states, lengths)
    assert np.all(out.asnumpy()[2:, 1] == 0) and np.all(out.asnumpy()[3:, 2] == 0)

    stack = make_stack(mode, 4, 1, True, "s_")
    stack.initialize()
    stack.unroll(5, x, layout="TNC")
    for name, p in stack.collect_params().items():
        p.set_data(layer.collect_params()[name].data())
    cell_states = [s[k] for k in range(2) for s in states]
    c_out, c_states = stack.unroll(
        5, x, cell_states, layout="TNC", merge_outputs=True, valid_length=lengths
    )
    np.testing.assert_allclose(c_out.asnumpy(), out.asnumpy(), rtol=1e-5, atol=1e-6)
    h_cells = np.stack([c_states[k * len(states)].asnumpy() for k in range(2)])
    np.testing.assert_allclose(h_cells, new_states[0].asnumpy(), rtol=1e-5, atol=1e-6)


def test_dropout_between_layers_only_in_training():
    layer = rnn.GRU(8, 3, dropout=0.5, input_size=4)
    plain = rnn.GRU(8, 3, input_size=4, params=layer.collect_params())
    layer.initialize()
    x = mx.nd.array(np.random.default_rng(3).normal(size=(6, 2, 4)).astype(np.float32))
    np.testing.assert_array_equal(layer(x).asnumpy(), plain(x).asnumpy())
    mx.random.seed(0)
    with autograd.train_mode():
        a = layer(x).asnumpy()
    assert not np.allclose(a, plain(x).asnumpy())


def test_parameter_names_shapes_and_deferred_input_size():
    layer = rnn.LSTM(5, 2, bidirectional=True, prefix="lstm0_")
    names = list(layer.collect_params().keys())
    assert names[:4] == [
        "lstm0_l0_i2h_weight",
        "lstm0_l0_h2h_weight",
        "lstm0_l0_i2h_bias",
        "lstm0_l0_h2h_bias",
    ]
    assert "lstm0_r1_h2h_bias" in names and len(names) == 16
    layer.initialize()
    layer(mx.nd.ones((3, 2, 7)))
    assert layer.l0_i2h_weight.shape == (20, 7)
    assert layer.r0_i2h_weight.shape == (20, 7)
    assert layer.l1_i2h_weight.shape == (20, 10)
    assert repr(layer) == "LSTM(7 -> 5, TNC, num_layers=2, bidirectional)"


def test_deferred_input_size_inside_a_hybridized_parent():
    net = mx.gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(rnn.GRU(4), mx.gluon.nn.Dense(2, flatten=False))
    net.initialize()
    net.hybridize()
    assert net(mx.nd.ones((3, 2, 5))).shape == (3, 2, 2)
    assert net[0].l0_i2h_weight.shape == (12, 5)


def test_save_parameters_uses_mxnet_unfused_names(tmp_path):
    layer = rnn.LSTM(3, 2, bidirectional=True, input_size=2)
    layer.initialize()
    keys = set(layer._collect_params_with_prefix())
    assert "_unfused.0.l_cell.i2h_weight" in keys and "_unfused.1.r_cell.h2h_bias" in keys
    path = str(tmp_path / "lstm.params")
    layer.save_parameters(path)
    other = rnn.LSTM(3, 2, bidirectional=True, input_size=2)
    other.load_parameters(path)
    np.testing.assert_array_equal(
        other.r1_h2h_weight.data().asnumpy(), layer.r1_h2h_weight.data().asnumpy()
    )
    single = rnn.GRU(3, input_size=2)
    assert set(single._collect_params_with_prefix()) == {
        "_unfused.0.i2h_weight",
        "_unfused.0.h2h_weight",
        "_unfused.0.i2h_bias",
        "_unfused.0.h2h_bias",
    }


def test_bad_inputs_name_the_layer_and_the_shapes():
    layer = rnn.LSTM(4, input_size=3, prefix="enc_")
    layer.initialize()
    with pytest.raises(ShapeError, match=r"enc: input has 5 features \(shape \(2, 3, 5\)"):
        layer(mx.nd.ones((2, 3, 5)))
    with pytest.raises(ShapeError, match=r"enc: input must be 3-D \(TNC\), got shape \(2, 3\)"):
        layer(mx.nd.ones((2, 3)))
    bad = [mx.nd.zeros((1, 4, 4)), mx.nd.zeros((1, 3, 4))]
    with pytest.raises(
        ShapeError,
        match=r"enc: invalid recurrent state shape. Expecting "
        r"\(1, 3, 4\), got \(1, 4, 4\)",
    ):
        layer(mx.nd.ones((2, 3, 3)), bad)
    with pytest.raises(ShapeError, match="enc: expected 2 recurrent states, got 1"):
        layer(mx.nd.ones((2, 3, 3)), [mx.nd.zeros((1, 3, 4))])
    with pytest.raises(HybridError, match="invalid layout 'CTN'"):
        rnn.GRU(4, layout="CTN")
    with pytest.raises(HybridError, match="projection_size"):
        rnn.LSTM(4, projection_size=2)
