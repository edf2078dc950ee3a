"""gluon.contrib.rnn: each cell against MXNet 1.9.1's outputs for the same parameters and inputs
(tests/fixtures/mxnet/contrib_rnn.npz, tools/mxnet_fixtures/make_contrib_rnn.py), eager and
hybridized; VariationalDropoutCell's masks.
"""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from hybrid import autograd, nd
from hybrid.base import HybridError
from hybrid.gluon import rnn
from hybrid.gluon.contrib import rnn as crnn

FIXTURE = np.load(pathlib.Path(__file__).parents[1] / "fixtures" / "mxnet" / "contrib_rnn.npz")
SPATIAL = {1: (7,), 2: (5, 6), 3: (3, 4, 5)}


def _cells() -> dict:
    made = {}
    for dims in (1, 2, 3):
        for kind in ("RNN", "LSTM", "GRU"):
            klass = getattr(crnn, f"Conv{dims}D{kind}Cell")
            made[f"conv{dims}d_{kind.lower()}"] = lambda k=klass, d=dims: k(
                (2,) + SPATIAL[d], 3, i2h_kernel=3, h2h_kernel=3, i2h_pad=1, prefix="cell_"
            )
    made["conv2d_lstm_dilated"] = lambda: crnn.Conv2DLSTMCell(
        (2, 6, 6), 2, (3, 1), 3, i2h_dilate=(2, 1), h2h_dilate=2, activation="relu", prefix="cell_"
    )
    made["lstmp"] = lambda: crnn.LSTMPCell(5, 3, input_size=4, prefix="cell_")
    return made


CELLS = _cells()


@pytest.mark.parametrize("hybridize", [False, True], ids=["eager", "hybridized"])
@pytest.mark.parametrize("case", sorted(CELLS))
def test_cell_matches_mxnet(case, hybridize):
    cell = CELLS[case]()
    cell.initialize()
    params = cell.collect_params()
    recorded = {
        k.split("/param/")[1]: FIXTURE[k] for k in FIXTURE if k.startswith(case + "/param/")
    }
    assert {k: p.shape for k, p in params.items()} == {k: v.shape for k, v in recorded.items()}
    for name, value in recorded.items():
        params[name].set_data(nd.array(value))
    if hybridize:
        cell.hybridize()
    outputs, states = cell.unroll(3, nd.array(FIXTURE[case + "/inputs"]), merge_outputs=True)
    np.testing.assert_allclose(outputs.asnumpy(), FIXTURE[case + "/outputs"], rtol=1e-4, atol=1e-5)
    for i, state in enumerate(states):
        np.testing.assert_allclose(
            state.asnumpy(), FIXTURE[f"{case}/state{i}"], rtol=1e-4, atol=1e-5
        )


def test_conv_cell_state_info_and_errors():
    cell = crnn.Conv2DGRUCell((3, 8, 8), 4, i2h_kernel=3, h2h_kernel=5, prefix="g_")
    assert cell.state_info(2) == [{"shape": (2, 4, 6, 6), "__layout__": "NCHW"}]
    assert cell.h2h_weight.shape == (12, 4, 5, 5)
    assert repr(cell) == "Conv2DGRUCell(3 -> 12, tanh, NCHW)"
    with pytest.raises(HybridError, match="h2h_kernel must be odd"):
        crnn.Conv1DRNNCell((2, 5), 3, 3, 2)
    with pytest.raises(HybridError, match="i2h_kernel must be an int or 3 ints"):
        crnn.Conv3DLSTMCell((2, 4, 4, 4), 3, (3, 3), 3)


def test_lstmp_defers_input_size():
    cell = crnn.LSTMPCell(6, 2)
    cell.initialize()
    out, states = cell(nd.ones((4, 5)), cell.begin_state(4))
    assert out.shape == (4, 2) and [s.shape for s in states] == [(4, 2), (4, 6)]
    assert cell.i2h_weight.shape == (24, 5) and cell.h2r_weight.shape == (2, 6)


def _masked_run(cell, x, states):
    with autograd.train_mode():
        return cell.unroll(x.shape[1], x, states, merge_outputs=True)


@pytest.mark.parametrize("hybridize", [False, True], ids=["eager", "hybridized"])
def test_variational_dropout_keeps_one_mask_per_sequence(hybridize):
    base = rnn.RNNCell(8, activation="relu", prefix="r_")
    cell = crnn.VariationalDropoutCell(base, drop_inputs=0.5, drop_states=0.5, drop_outputs=0.5)
    cell.initialize()
    if hybridize:
        cell.hybridize()
    x = nd.ones((3, 6, 4))
    outputs, _ = _masked_run(cell, x, cell.begin_state(3))
    dropped = outputs.asnumpy() == 0  # (batch, time, units)
    # output units dropped at one step are dropped at every step of the sequence
    assert dropped.any() and (dropped == dropped[:, :1]).all()
    assert cell.drop_outputs_mask is not None and cell.drop_states_mask is not None
    # outside training the masks are ones: the wrapped cell's own result
    plain = base.unroll(6, x, cell.begin_state(3), merge_outputs=True)[0]
    wrapped = cell.unroll(6, x, cell.begin_state(3), merge_outputs=True)[0]
    np.testing.assert_allclose(wrapped.asnumpy(), plain.asnumpy(), rtol=1e-6)


def test_variational_dropout_sequence_path_masks_over_time():
    cell = crnn.VariationalDropoutCell(
        rnn.LSTMCell(5, prefix="l_"), drop_inputs=0.5, drop_outputs=0.5
    )
    cell.initialize()
    outputs, states = _masked_run(cell, nd.ones((4, 7, 3)), None)
    dropped = outputs.asnumpy() == 0
    assert dropped.any() and (dropped == dropped[:, :1]).all()
    assert len(states) == 2 and repr(cell) == "VariationalDropoutCell(p_out = 0.5, p_state = 0.0)"
    with pytest.raises(HybridError, match="bidirectional"):
        crnn.VariationalDropoutCell(
            rnn.BidirectionalCell(rnn.RNNCell(2), rnn.RNNCell(2)), drop_states=0.5
        )
