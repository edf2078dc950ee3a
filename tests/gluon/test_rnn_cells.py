"""Recurrent cells: one step against closed-form numpy, ``unroll`` forms and layouts, hybridized
steps, and the wrapper cells (stacks, dropout, zoneout, residual, bidirectional).
"""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid import autograd
from hybrid.base import HybridError
from hybrid.gluon import rnn


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _params(cell) -> dict:
    return {
        k: cell.params.get(k).data().asnumpy()
        for k in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")
    }


def _reference_step(kind: str, x, states, p):
    """One step in plain numpy from the MXNet formulas (gate orders i, f, g, o and r, z, n)."""
    i2h = x @ p["i2h_weight"].T + p["i2h_bias"]
    h2h = states[0] @ p["h2h_weight"].T + p["h2h_bias"]
    if kind == "rnn":
        h = np.tanh(i2h + h2h)
        return h, [h]
    if kind == "lstm":
        i, f, g, o = np.split(i2h + h2h, 4, axis=1)
        c = _sigmoid(f) * states[1] + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        return h, [h, c]
    (xr, xz, xn), (hr, hz, hn) = np.split(i2h, 3, axis=1), np.split(h2h, 3, axis=1)
    r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    h = (1 - z) * n + z * states[0]
    return h, [h]


CELLS = {"rnn": rnn.RNNCell, "lstm": rnn.LSTMCell, "gru": rnn.GRUCell}


@pytest.mark.parametrize("kind", list(CELLS))
def test_step_matches_numpy_reference(kind):
    rng = np.random.default_rng(0)
    cell = CELLS[kind](4)
    cell.initialize(mx.init.Uniform(0.5))
    x = rng.normal(size=(2, 3)).astype(np.float32)
    states = [rng.normal(size=(2, 4)).astype(np.float32) for _ in cell.state_info()]
    out, new = cell(mx.nd.array(x), [mx.nd.array(s) for s in states])
    ref_out, ref_new = _reference_step(kind, x, states, _params(cell))
    np.testing.assert_allclose(out.asnumpy(), ref_out, rtol=1e-5, atol=1e-6)
    for a, b in zip(new, ref_new):
        np.testing.assert_allclose(a.asnumpy(), b, rtol=1e-5, atol=1e-6)
    assert cell.i2h_weight.shape == ({"rnn": 1, "lstm": 4, "gru": 3}[kind] * 4, 3)


@pytest.mark.parametrize("layout", ["NTC", "TNC"])
def test_unroll_forms_and_layouts_agree(layout):
    rng = np.random.default_rng(1)
    cell = rnn.LSTMCell(3, input_size=2)
    cell.initialize()
    seq = rng.normal(size=(4, 5, 2)).astype(np.float32)  # (N, T, C)
    data = seq if layout == "NTC" else seq.transpose(1, 0, 2)
    merged, states = cell.unroll(5, mx.nd.array(data), layout=layout, merge_outputs=True)
    steps, states2 = cell.unroll(
        5, [mx.nd.array(seq[:, t]) for t in range(5)], layout=layout, merge_outputs=False
    )
    assert isinstance(steps, list) and len(steps) == 5
    time_axis = layout.find("T")
    np.testing.assert_allclose(
        np.stack([s.asnumpy() for s in steps], axis=time_axis), merged.asnumpy(), rtol=1e-6
    )
    h = np.zeros((4, 3), np.float32)
    c = np.zeros((4, 3), np.float32)
    for t in range(5):
        h, (h, c) = _reference_step("lstm", seq[:, t], [h, c], _params(cell))
    np.testing.assert_allclose(states[0].asnumpy(), h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states2[1].asnumpy(), c, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", list(CELLS))
def test_hybridized_cell_step_equals_eager_with_gradients(kind):
    rng = np.random.default_rng(2)
    cell = CELLS[kind](4, input_size=3)
    cell.initialize(mx.init.Uniform(0.5))
    x = mx.nd.array(rng.normal(size=(2, 3)).astype(np.float32))
    states = [mx.nd.array(rng.normal(size=(2, 4)).astype(np.float32)) for _ in cell.state_info()]

    def run():
        xx = x.copy()
        xx.attach_grad()
        with autograd.record():
            out, new = cell(xx, states)
            loss = (out * out).sum() + sum(s.sum() for s in new)
        loss.backward()
        return out.asnumpy(), xx.grad.asnumpy(), cell.i2h_weight.grad().asnumpy().copy()

    eager = run()
    cell.hybridize()
    graph = run()
    for e, g in zip(eager, graph):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_hybrid_sequential_cell_hybridizes_and_matches_eager():
    stack = rnn.HybridSequentialRNNCell()
    with stack.name_scope():
        stack.add(rnn.GRUCell(4, input_size=3))
        stack.add(rnn.ResidualCell(rnn.GRUCell(4, input_size=4)))
    stack.initialize()
    x = mx.nd.ones((2, 3))
    states = stack.begin_state(batch_size=2)
    assert [s.shape for s in states] == [(2, 4), (2, 4)]
    out, new = stack(x, states)
    stack.hybridize()
    out2, new2 = stack(x, states)
    np.testing.assert_allclose(out2.asnumpy(), out.asnumpy(), rtol=1e-6)
    np.testing.assert_allclose(new2[1].asnumpy(), new[1].asnumpy(), rtol=1e-6)
    assert len(stack) == 2 and isinstance(stack[1], rnn.ResidualCell)


def test_dropout_cell_identity_in_inference_drops_in_training():
    cell = rnn.DropoutCell(0.5)
    x = mx.nd.ones((4, 6, 8))
    out, states = cell.unroll(6, x, merge_outputs=True)
    np.testing.assert_array_equal(out.asnumpy(), x.asnumpy())
    assert states == [] and cell.state_info() == []
    mx.random.seed(0)
    with autograd.train_mode():
        dropped, _ = cell.unroll(6, x, merge_outputs=True)
    values = set(np.unique(dropped.asnumpy()))
    assert values == {0.0, 2.0}


def test_residual_cell_adds_its_input():
    base = rnn.RNNCell(3, input_size=3)
    res = rnn.ResidualCell(base)
    res.initialize()
    x = mx.nd.array(np.random.default_rng(3).normal(size=(2, 4, 3)).astype(np.float32))
    out, _ = res.unroll(4, x, merge_outputs=True)
    base._modified = False
    plain, _ = base.unroll(4, x, merge_outputs=True)
    np.testing.assert_allclose(out.asnumpy(), plain.asnumpy() + x.asnumpy(), rtol=1e-6)


def test_modified_cell_must_be_used_through_its_modifier():
    base = rnn.LSTMCell(3)
    zone = rnn.ZoneoutCell(base, zoneout_outputs=0.5, zoneout_states=0.5)
    with pytest.raises(HybridError, match="modifier"):
        base.begin_state(2)
    with pytest.raises(HybridError, match="already modified"):
        rnn.ResidualCell(base)
    assert len(zone.begin_state(batch_size=2)) == 2


def test_zoneout_keeps_previous_values_only_in_training():
    base = rnn.GRUCell(5, input_size=2)
    zone = rnn.ZoneoutCell(base, zoneout_outputs=0.5, zoneout_states=0.5)
    zone.initialize(mx.init.Uniform(1.0))
    x = mx.nd.array(np.random.default_rng(4).normal(size=(3, 6, 2)).astype(np.float32))
    out, _ = zone.unroll(6, x, merge_outputs=True)
    base._modified = False
    plain, _ = base.unroll(6, x, merge_outputs=True)
    base._modified = True
    np.testing.assert_allclose(out.asnumpy(), plain.asnumpy(), rtol=1e-6)
    mx.random.seed(1)
    with autograd.train_mode():
        zoned, _ = zone.unroll(6, x, merge_outputs=True)
    z = zoned.asnumpy()
    # A unit that zoned out repeats its previous output (0 at the first step).
    kept = np.isclose(z[:, 1:], z[:, :-1])
    assert kept.any() and not kept.all()


def test_bidirectional_cell_unrolls_and_cannot_step():
    bi = rnn.BidirectionalCell(rnn.LSTMCell(3, prefix="l_"), rnn.LSTMCell(3, prefix="r_"))
    bi.initialize()
    x = mx.nd.ones((2, 5, 4))
    out, states = bi.unroll(5, x, merge_outputs=True)
    assert out.shape == (2, 5, 6) and len(states) == 4
    steps, _ = bi.unroll(5, x, merge_outputs=False)
    assert len(steps) == 5 and steps[0].shape == (2, 6)
    with pytest.raises(HybridError, match="cannot be stepped"):
        bi(x[:, 0], bi.begin_state(batch_size=2))
    stack = rnn.SequentialRNNCell()
    stack.add(bi)
    with pytest.raises(HybridError, match="cannot be stepped"):
        stack(x[:, 0], stack.begin_state(batch_size=2))


def test_unroll_with_wrong_length_names_the_shapes():
    cell = rnn.RNNCell(3)
    cell.initialize()
    with pytest.raises(HybridError, match=r"inputs have shape \(2, 4, 3\) with 4 steps"):
        cell.unroll(5, mx.nd.ones((2, 4, 3)))
