"""Write small models exported by MXNet 1.9.1 into tests/fixtures/mxnet/models/ (run once, by hand).

Run with a Python that has ``mxnet==1.9.1`` and ``numpy==1.23.5``::

    python tools/mxnet_fixtures/make_models.py [--out FOLDER]

Each model NAME gets ``NAME-symbol.json`` and ``NAME-0000.params`` (what MXNet's ``export`` or
``save_checkpoint`` writes), ``NAME-input.npz`` (the inputs, keyed by input name, in call order
under ``__order__``) and ``NAME-output.npz`` (MXNet's outputs ``0``, ``1``, ... in inference
mode). Models:

- ``lstm_states``: a Gluon LSTM layer called without states, so the exported graph makes its begin
  states with ``_zeros`` of shape ``(L, 0, H)`` (0: inferred from the data), and returns them.
- ``split_outputs``: ``SliceChannel`` (split) with three outputs, two of them graph heads.
- ``no_params``: a graph without parameters (elementwise ops, reshape with -1 and 0).
- ``softmax_head``: a symbol graph with a ``SoftmaxOutput`` head and its label variable.
- ``contrib_resize``: ``contrib.BilinearResize2D`` after a convolution.
- ``np_shape_dense``: Dense and BatchNorm exported under ``npx.set_np()``, whose ``__shape__``
  attributes mark unknown dims with -1.
- ``module_mlp``: a ``mx.mod.Module`` (FullyConnected, BatchNorm, SoftmaxOutput) saved with
  ``save_checkpoint`` before (epoch 0) and after (epoch 2) ``fit`` on ``module_mlp-train.npz``
  (SGD with momentum and weight decay, batches of 10 in order), so a replay can be compared.
"""

from __future__ import annotations

import argparse
import os
import pathlib

import mxnet as mx
import numpy as np
from mxnet import gluon, nd

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "mxnet" / "models"


def _save_io(name: str, inputs: dict, outputs: list) -> None:
    arrays = {k: v.asnumpy() if hasattr(v, "asnumpy") else v for k, v in inputs.items()}
    np.savez(OUT / f"{name}-input.npz", __order__=np.array(list(inputs)), **arrays)
    np.savez(OUT / f"{name}-output.npz", **{str(i): o.asnumpy() for i, o in enumerate(outputs)})


def _outputs(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def lstm_states(rng: np.random.Generator) -> None:
    class Net(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.lstm = gluon.rnn.LSTM(6, num_layers=2, input_size=4)

        def hybrid_forward(self, F, x):
            begin = self.lstm.begin_state(batch_size=0, func=F.zeros)
            out, states = self.lstm(x, begin)
            return out, states[0], states[1]

    net = Net(prefix="lstmnet_")
    net.initialize(mx.init.Xavier())
    net.hybridize()
    x = nd.array(rng.normal(size=(5, 3, 4)))
    outs = net(x)
    net.export(str(OUT / "lstm_states"))
    _save_io("lstm_states", {"data": x}, _outputs(outs))


def split_outputs(rng: np.random.Generator) -> None:
    data = mx.sym.var("data")
    fc = mx.sym.FullyConnected(data, num_hidden=9, name="fc")
    parts = mx.sym.split(fc, num_outputs=3, axis=1, name="split")
    out = mx.sym.Group([mx.sym.relu(parts[0], name="first"), parts[2]])
    args = {"fc_weight": nd.array(rng.normal(size=(9, 5))), "fc_bias": nd.array(rng.normal(size=9))}
    x = nd.array(rng.normal(size=(4, 5)))
    outs = out.bind(mx.cpu(), {"data": x, **args}).forward()
    _write(out, "split_outputs", args, {})
    _save_io("split_outputs", {"data": x}, outs)


def no_params(rng: np.random.Generator) -> None:
    a, b = mx.sym.var("a"), mx.sym.var("b")
    y = mx.sym.reshape(mx.sym.broadcast_mul(a, b) + 1.5, shape=(0, -1), name="flat")
    y = mx.sym.tanh(y, name="t")
    x1, x2 = nd.array(rng.normal(size=(2, 3, 4))), nd.array(rng.normal(size=(1, 3, 4)))
    outs = y.bind(mx.cpu(), {"a": x1, "b": x2}).forward()
    _write(y, "no_params", {}, {})
    _save_io("no_params", {"a": x1, "b": x2}, outs)


def softmax_head(rng: np.random.Generator) -> None:
    data = mx.sym.var("data")
    fc = mx.sym.FullyConnected(data, num_hidden=4, name="fc1")
    act = mx.sym.Activation(fc, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=3, name="fc2")
    out = mx.sym.SoftmaxOutput(fc2, name="softmax")
    args = {"fc1_weight": rng.normal(size=(4, 6)), "fc1_bias": rng.normal(size=4),
            "fc2_weight": rng.normal(size=(3, 4)), "fc2_bias": rng.normal(size=3)}
    args = {k: nd.array(v) for k, v in args.items()}
    x = nd.array(rng.normal(size=(5, 6)))
    label = nd.array([0, 2, 1, 1, 0])
    outs = out.bind(mx.cpu(), {"data": x, "softmax_label": label, **args}).forward()
    _write(out, "softmax_head", args, {})
    _save_io("softmax_head", {"data": x}, outs)


def contrib_resize(rng: np.random.Generator) -> None:
    data = mx.sym.var("data")
    conv = mx.sym.Convolution(data, num_filter=2, kernel=(3, 3), pad=(1, 1), name="conv")
    out = mx.sym.contrib.BilinearResize2D(conv, height=7, width=5, name="resize")
    args = {"conv_weight": nd.array(rng.normal(size=(2, 3, 3, 3))),
            "conv_bias": nd.array(rng.normal(size=2))}
    x = nd.array(rng.normal(size=(2, 3, 4, 4)))
    outs = out.bind(mx.cpu(), {"data": x, **args}).forward()
    _write(out, "contrib_resize", args, {})
    _save_io("contrib_resize", {"data": x}, outs)


def module_mlp(rng: np.random.Generator) -> None:
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=8, name="fc1")
    # fix_gamma=False: with the default True, MXNet's MKLDNN kernel writes 1 into gamma at every
    # forward, a side effect of that CPU kernel only, which a replay should not depend on.
    bn = mx.sym.BatchNorm(fc1, fix_gamma=False, name="bn1")
    act = mx.sym.Activation(bn, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=3, name="fc2")
    out = mx.sym.SoftmaxOutput(fc2, name="softmax")
    x = rng.normal(size=(40, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32) + (x[:, 1] > 0)
    it = mx.io.NDArrayIter(x, y, batch_size=10, label_name="softmax_label")
    mod = mx.mod.Module(out, context=mx.cpu())
    mod.bind(it.provide_data, it.provide_label)
    mod.init_params(mx.init.Xavier())
    mod.save_checkpoint(str(OUT / "module_mlp"), 0)  # the starting point, for a replay
    mod.fit(it, num_epoch=2, optimizer="sgd",
            optimizer_params={"learning_rate": 0.1, "momentum": 0.9, "wd": 1e-4})
    mod.save_checkpoint(str(OUT / "module_mlp"), 2)
    test = nd.array(x[:10])
    outs = mod.predict(mx.io.NDArrayIter(test, batch_size=10))
    _save_io("module_mlp", {"data": test}, _outputs(outs))
    np.savez(OUT / "module_mlp-train.npz", x=x, y=y)


def np_shape_dense(rng: np.random.Generator) -> None:
    """Exported under ``npx.set_np()``: parameter ``__shape__`` attributes write unknown dims as
    -1 (``(3, -1)``) instead of 0.
    """
    mx.npx.set_np()
    try:
        net = gluon.nn.HybridSequential()
        net.add(gluon.nn.Dense(3), gluon.nn.BatchNorm())
        net.initialize(mx.init.Xavier())
        net.hybridize()
        x = mx.np.array(rng.normal(size=(4, 5)), dtype="float32")
        out = net(x)
        net.export(str(OUT / "np_shape_dense"))
        _save_io("np_shape_dense", {"data": x}, [out])
    finally:
        mx.npx.reset_np()


def _write(sym, name: str, args: dict, aux: dict) -> None:
    sym.save(str(OUT / f"{name}-symbol.json"))
    saved = {f"arg:{k}": v for k, v in args.items()}
    saved.update({f"aux:{k}": v for k, v in aux.items()})
    nd.save(str(OUT / f"{name}-0000.params"), saved)


def main() -> None:
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(OUT), help="folder to write (default: %(default)s)")
    OUT = pathlib.Path(parser.parse_args().out)
    os.makedirs(OUT, exist_ok=True)
    for i, make in enumerate([lstm_states, split_outputs, no_params, softmax_head,
                              contrib_resize, module_mlp, np_shape_dense]):
        mx.random.seed(i)
        make(np.random.default_rng(i))
        print("wrote", make.__name__)


if __name__ == "__main__":
    main()
