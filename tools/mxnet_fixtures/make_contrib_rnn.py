"""Write tests/fixtures/mxnet/contrib_rnn.npz with real MXNet 1.9.1: for each
``gluon.contrib.rnn`` cell (the convolutional RNN, LSTM and GRU cells in 1, 2 and 3 dimensions,
LSTMPCell), seeded parameters under MXNet's names, a seeded input sequence, and the outputs and
final states of a 3-step ``unroll``.

    /path/to/mxnet-venv/bin/python tools/mxnet_fixtures/make_contrib_rnn.py

Keys: ``<case>/param/<name>``, ``<case>/inputs``, ``<case>/outputs``, ``<case>/state<i>``.
"""

from __future__ import annotations

import argparse
import os

import mxnet as mx
import numpy as np
from mxnet.gluon.contrib import rnn as crnn

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "mxnet")
STEPS, BATCH = 3, 2
SPATIAL = {1: (7,), 2: (5, 6), 3: (3, 4, 5)}


def cases() -> dict:
    made = {}
    for dims in (1, 2, 3):
        for kind in ("RNN", "LSTM", "GRU"):
            klass = getattr(crnn, f"Conv{dims}D{kind}Cell")
            shape = (2,) + SPATIAL[dims]
            made[f"conv{dims}d_{kind.lower()}"] = (
                klass(shape, 3, i2h_kernel=3, h2h_kernel=3, i2h_pad=1, prefix="cell_"),
                shape,
            )
    made["conv2d_lstm_dilated"] = (
        crnn.Conv2DLSTMCell((2, 6, 6), 2, (3, 1), 3, i2h_dilate=(2, 1), h2h_dilate=2,
                            activation="relu", prefix="cell_"),
        (2, 6, 6),
    )
    made["lstmp"] = (crnn.LSTMPCell(5, 3, input_size=4, prefix="cell_"), (4,))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=OUT)
    out = parser.parse_args().out
    rng = np.random.default_rng(0)
    arrays = {}
    for name, (cell, shape) in cases().items():
        cell.initialize()
        for pname, param in cell.collect_params().items():
            value = rng.normal(scale=0.4, size=param.shape).astype(np.float32)
            param.set_data(mx.nd.array(value))
            arrays[f"{name}/param/{pname}"] = value
        inputs = rng.normal(size=(BATCH, STEPS) + shape).astype(np.float32)
        outputs, states = cell.unroll(STEPS, mx.nd.array(inputs), merge_outputs=True)
        arrays[f"{name}/inputs"] = inputs
        arrays[f"{name}/outputs"] = outputs.asnumpy()
        for i, state in enumerate(states):
            arrays[f"{name}/state{i}"] = state.asnumpy()
    os.makedirs(out, exist_ok=True)
    np.savez(os.path.join(out, "contrib_rnn.npz"), **arrays)


if __name__ == "__main__":
    main()
