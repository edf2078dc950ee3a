"""Write models and arrays in MXNet's formats with hybrid, for check_hybrid_written.py.

Run with hybrid installed (no MXNet needed)::

    python tools/mxnet_fixtures/write_hybrid_models.py OUT_DIR

OUT_DIR gets the files and ``manifest.json``, one entry per check: what kind of file, its names,
and an ``.npz`` with the inputs (``in_<name>``) and hybrid's outputs (``out_<i>``) or the saved
arrays. ``check_hybrid_written.py OUT_DIR``, run under MXNet 1.9.1, loads every file with MXNet's
own loaders and compares.
"""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Any

import numpy as np

import hybrid as mx
from hybrid.gluon import nn, rnn


class ConvNet(nn.HybridSequential):
    """Conv, BatchNorm (with non-trivial statistics), pooling, Dropout, Dense: also defined in
    check_hybrid_written.py with MXNet's Gluon, so that ``save_parameters`` files can be loaded.
    """

    def __init__(self) -> None:
        super().__init__()
        self.add(nn.Conv2D(4, 3, activation="relu"), nn.BatchNorm(), nn.MaxPool2D(2),
                 nn.Flatten(), nn.Dense(5, activation="tanh"), nn.Dropout(0.2), nn.Dense(3))


class LstmSplit(mx.gluon.HybridBlock):
    """An LSTM layer without given states, a Dense and a split into two outputs."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        with self.name_scope():
            self.lstm = rnn.LSTM(6, num_layers=2, input_size=4)
            self.dense = nn.Dense(3, flatten=False)

    def hybrid_forward(self, F, x):
        first, second = F.split(self.dense(self.lstm(x)), num_outputs=2, axis=0)
        return first, F.relu(second)


class LstmStates(mx.gluon.HybridBlock):
    """An LSTM layer given begin states of batch size 0 (inferred from the data) that returns
    its final states: a multi-output RNN node and ``_zeros`` with an open dim in MXNet's file.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        with self.name_scope():
            self.lstm = rnn.LSTM(5, num_layers=1, input_size=3)

    def hybrid_forward(self, F, x):
        out, (h, c) = self.lstm(x, self.lstm.begin_state(batch_size=0, func=F.zeros))
        return out, h, c


class NoParams(mx.gluon.HybridBlock):
    """Two inputs, no parameters: ``tanh(reshape(a * b + 1.5, (0, -1)))``."""

    def hybrid_forward(self, F, a, b):
        return F.tanh(F.reshape(F.broadcast_mul(a, b) + 1.5, shape=(0, -1)))


class ConvResize(mx.gluon.HybridBlock):
    """A convolution, contrib's BilinearResize2D and a SoftmaxOutput head (inference form)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        with self.name_scope():
            self.conv = nn.Conv2D(3, 3, padding=1)

    def hybrid_forward(self, F, x):
        y = F.contrib.BilinearResize2D(self.conv(x), height=7, width=5)
        return F.SoftmaxOutput(F.flatten(y), F.zeros_like(F.sum(y, axis=(1, 2, 3))))


class Loops(mx.gluon.HybridBlock):
    """contrib.foreach (an RNN whose body reads a Dense layer), while_loop (running all
    max_iterations steps: MXNet leaves the rows of unrun steps undefined) and cond.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        with self.name_scope():
            self.cell = nn.Dense(4, in_units=3, flatten=False)

    def hybrid_forward(self, F, x, h0):
        def step(xt, states):
            h = F.tanh(self.cell(xt) + states[0])
            return h * 2, [h]

        seq, states = F.contrib.foreach(step, x, [h0])
        rows, (count, h) = F.contrib.while_loop(
            lambda i, h: i < 10, lambda i, h: ([h + 1], [i + 1, F.tanh(h * 1.5)]),
            [F.sum(h0) * 0, states[0]], max_iterations=4)
        return seq, rows[0], count, F.contrib.cond(F.sum(h) > 0, lambda: h * 2, lambda: h - 1)


def _run(block, inputs: dict) -> list[np.ndarray]:
    outs = block(*[mx.nd.array(v) for v in inputs.values()])
    return [o.asnumpy() for o in (outs if isinstance(outs, (list, tuple)) else [outs])]


def _io(out: pathlib.Path, name: str, inputs: dict, outputs: list) -> str:
    arrays = {f"in_{k}": v for k, v in inputs.items()}
    arrays.update({f"out_{i}": o for i, o in enumerate(outputs)})
    np.savez(out / f"{name}-io.npz", **arrays)
    return f"{name}-io.npz"


def conv(out: pathlib.Path, rng: np.random.Generator) -> list[dict]:
    net = ConvNet()
    net.initialize(mx.init.Xavier())
    bn = net[1]
    bn.running_mean.set_data(mx.nd.array(rng.normal(size=4)))
    bn.running_var.set_data(mx.nd.array(rng.uniform(0.5, 2, size=4)))
    net.hybridize()
    inputs = {"data": rng.normal(size=(2, 3, 8, 8)).astype(np.float32)}
    outputs = _run(net, inputs)
    net.export(str(out / "conv"), 3, format="mxnet")
    net.save_parameters(str(out / "conv-gluon.params"), format="mxnet")
    io = _io(out, "conv", inputs, outputs)
    return [
        {"kind": "imports", "symbol": "conv-symbol.json", "params": "conv-0003.params",
         "inputs": list(inputs), "io": io},
        {"kind": "gluon_params", "net": "ConvNet", "params": "conv-gluon.params", "io": io},
    ]


def _exported(out: pathlib.Path, name: str, net: Any, inputs: dict) -> dict:
    """Initialize and hybridize ``net``, run it on ``inputs``, export it in MXNet's format as
    ``name`` (epoch 0) and describe the files for the checker."""
    net.initialize(mx.init.Xavier())
    net.hybridize()
    outputs = _run(net, inputs)
    net.export(str(out / name), 0, format="mxnet")
    return {"kind": "imports", "symbol": f"{name}-symbol.json", "params": f"{name}-0000.params",
            "inputs": list(inputs), "io": _io(out, name, inputs, outputs)}


def conv_resize(out: pathlib.Path, rng: np.random.Generator) -> list[dict]:
    inputs = {"data": rng.normal(size=(2, 2, 4, 4)).astype(np.float32)}
    return [_exported(out, "conv_resize", ConvResize(prefix="convresize_"), inputs)]


def lstm_split(out: pathlib.Path, rng: np.random.Generator) -> list[dict]:
    inputs = {"data": rng.normal(size=(4, 3, 4)).astype(np.float32)}
    return [_exported(out, "lstm_split", LstmSplit(prefix="lstmsplit_"), inputs)]


def states_and_no_params(out: pathlib.Path, rng: np.random.Generator) -> list[dict]:
    return [
        _exported(out, "lstm_states", LstmStates(prefix="lstmstates_"),
                  {"data": rng.normal(size=(4, 3, 3)).astype(np.float32)}),
        _exported(out, "no_params", NoParams(prefix="noparams_"),
                  {"data0": rng.normal(size=(2, 3, 4)).astype(np.float32),
                   "data1": rng.normal(size=(1, 3, 4)).astype(np.float32)}),
    ]


def loops(out: pathlib.Path, rng: np.random.Generator) -> list[dict]:
    inputs = {"data0": rng.normal(size=(5, 2, 3)).astype(np.float32),
              "data1": rng.normal(size=(2, 4)).astype(np.float32)}
    return [_exported(out, "loops", Loops(prefix="loops_"), inputs)]


def model_zoo(out: pathlib.Path, rng: np.random.Generator) -> list[dict]:
    """Model-zoo networks (MXNet's architectures and parameter names) exported for MXNet."""
    from hybrid.gluon.model_zoo import vision

    return [_exported(out, name, vision.get_model(name, classes=10),
                      {"data": rng.normal(size=(2, 3, 32, 32)).astype(np.float32)})
            for name in ("resnet18_v1", "mobilenet0.25")]


def module_checkpoint(out: pathlib.Path, rng: np.random.Generator) -> list[dict]:
    """A symbol graph trained with ``mx.mod.Module`` and saved with ``format='mxnet'``."""
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=8, name="fc1")
    bn = mx.sym.BatchNorm(fc1, fix_gamma=False, name="bn1")
    act = mx.sym.Activation(bn, act_type="relu", name="relu1")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(act, num_hidden=3, name="fc2"),
                               name="softmax")
    x = rng.normal(size=(40, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32) + (x[:, 1] > 0)
    mod = mx.mod.Module(net)
    mod.fit(mx.io.NDArrayIter(x, y, batch_size=10), num_epoch=2, initializer=mx.init.Xavier(),
            optimizer_params={"learning_rate": 0.1})
    mod.save_checkpoint(str(out / "module"), 2, format="mxnet")
    inputs = {"data": x[:10]}
    outputs = [mod.predict(mx.io.NDArrayIter(x[:10], batch_size=10)).asnumpy()]
    return [{"kind": "checkpoint", "prefix": "module", "epoch": 2, "params": "module-0002.params",
             "inputs": ["data"], "io": _io(out, "module", inputs, outputs)}]


def arrays(out: pathlib.Path, rng: np.random.Generator) -> list[dict]:
    values = {"f32": rng.normal(size=(2, 3)).astype(np.float32),
              "f64": rng.normal(size=4), "i64": np.arange(5, dtype=np.int64),
              "u8": np.arange(6, dtype=np.uint8).reshape(2, 3),
              "f16": rng.normal(size=3).astype(np.float16)}
    mx.nd.save(str(out / "dict.params"), {k: mx.nd.array(v, dtype=v.dtype)
                                          for k, v in values.items()}, format="mxnet")
    mx.nd.save(str(out / "list.params"), [mx.nd.array(v, dtype=v.dtype)
                                          for v in values.values()], format="mxnet")
    np.savez(out / "arrays.npz", **values)
    return [{"kind": "nd_dict", "params": "dict.params", "io": "arrays.npz"},
            {"kind": "nd_list", "params": "list.params", "io": "arrays.npz"}]


def main(argv: list[str]) -> int:
    out = pathlib.Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for i, make in enumerate([conv, conv_resize, lstm_split, model_zoo, module_checkpoint,
                              arrays, loops, states_and_no_params]):
        mx.random.seed(i)
        manifest += make(out, np.random.default_rng(i))
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    print(f"wrote {len(manifest)} checks into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
