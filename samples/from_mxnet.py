"""Bring a model trained with MXNet 1.x over to hybrid: predict, fine-tune, export to ONNX.

Run from the project root::

    python samples/from_mxnet.py \\
        --symbol tests/fixtures/mxnet/lenet-symbol.json \\
        --params tests/fixtures/mxnet/lenet-0000.params \\
        --input tests/fixtures/mxnet/lenet-input.npy --out out/from_mxnet

(those are the defaults). The two files are what MXNet 1.9.1's ``HybridBlock.export`` wrote (made
by ``tools/mxnet_fixtures/make_gluon.py``, kept once, with the tests); the input is a ``.npy``
batch. The
program prints the imported model's predictions, fine-tunes it for ``--steps`` SGD steps on
synthetic labelled data (printing the loss), and writes ``model.onnx`` in ``--out`` when the ONNX
exporter supports every op of the network (otherwise it prints why not).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

import hybrid as mx
from hybrid import autograd, gluon
from hybrid.base import HybridError

_FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                         "mxnet")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbol", default=os.path.join(_FIXTURES, "lenet-symbol.json"))
    parser.add_argument("--params", default=os.path.join(_FIXTURES, "lenet-0000.params"))
    parser.add_argument("--input", default=os.path.join(_FIXTURES, "lenet-input.npy"))
    parser.add_argument("--input-name", default="data", help="the graph's data variable")
    parser.add_argument("--steps", type=int, default=5, help="fine-tuning steps")
    parser.add_argument("--out", default="out/from_mxnet", help="where model.onnx goes")
    return parser.parse_args(argv)


def fine_tune(net: gluon.HybridBlock, x: np.ndarray, steps: int, seed: int = 0) -> list[float]:
    """SGD steps on ``x``-shaped Gaussian inputs with random class labels; the losses."""
    rng = np.random.default_rng(seed)
    data = mx.nd.array(rng.normal(size=x.shape).astype(np.float32))
    n_classes = net(data).shape[-1]
    labels = mx.nd.array(rng.integers(0, n_classes, size=x.shape[0]))
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.05})
    losses = []
    for _ in range(steps):
        with autograd.record():
            loss = loss_fn(net(data), labels)
        loss.backward()
        trainer.step(x.shape[0])
        losses.append(float(loss.mean().asscalar()))
    return losses


def export_onnx(net: gluon.HybridBlock, x: np.ndarray, path: str) -> str:
    """Write ``path`` and say so, or say why the exporter cannot convert the network."""
    try:
        from hybrid.export import to_onnx

        to_onnx(net, path, example_inputs=[x])
    except (ImportError, HybridError) as e:
        return f"no ONNX model written: {e}"
    return f"wrote {path}"


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    net = gluon.SymbolBlock.imports(args.symbol, [args.input_name], args.params)
    x = np.load(args.input).astype(np.float32)
    scores = net(mx.nd.array(x)).asnumpy()
    print(f"imported {os.path.basename(args.symbol)}: {len(net.collect_params())} parameters")
    print("predictions:", scores.argmax(axis=-1).tolist())
    print("scores:\n", np.array2string(scores, precision=4))
    losses = fine_tune(net, x, args.steps)
    print("fine-tuning loss:", " ".join(f"{v:.4f}" for v in losses))
    os.makedirs(args.out, exist_ok=True)
    print(export_onnx(net, x, os.path.join(args.out, "model.onnx")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
