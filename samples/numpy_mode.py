"""MXNet's numpy interface end to end: after ``npx.set_np()`` five models of growing size train on
small synthetic data, all with ``mx.np`` arrays: linear regression, softmax regression, a
multilayer perceptron, LeNet and a GRU language model. The LeNet is hybridized and exported to
ONNX, and the exported file's predictions are compared with the network's.

Run: ``python samples/numpy_mode.py`` (about half a minute on one CPU core).
"""

from __future__ import annotations

import argparse
import math
import pathlib
import tempfile
import time

import numpy as onp

import hybrid as mx
from hybrid import autograd, gluon, np, npx
from hybrid.gluon import nn, rnn

RNG = onp.random.default_rng(0)


def _loader(features: onp.ndarray, labels: onp.ndarray, batch_size: int, shuffle: bool = True):
    dataset = gluon.data.ArrayDataset(features, labels)
    return gluon.data.DataLoader(dataset, batch_size, shuffle=shuffle)


def _fit(net, loader, loss_fn, trainer, epochs: int) -> list[float]:
    """Plain training loop; returns the mean loss of each epoch."""
    history = []
    for _ in range(epochs):
        total, count = 0.0, 0
        for x, y in loader:
            with autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
            trainer.step(x.shape[0])
            total += float(loss.sum())
            count += x.shape[0]
        history.append(total / count)
    return history


def _accuracy(net, loader) -> float:
    metric = mx.metric.Accuracy()
    for x, y in loader:
        metric.update(y, net(x))
    return metric.get()[1]


def linear_regression(epochs: int) -> dict:
    """``y = X w + b`` plus noise; the learned ``w`` and ``b`` approach the true ones."""
    true_w, true_b = onp.array([2.0, -3.4], onp.float32), 4.2
    x = RNG.normal(size=(1000, 2)).astype(onp.float32)
    y = (x @ true_w + true_b + RNG.normal(scale=0.01, size=1000)).astype(onp.float32)
    net = nn.Dense(1)
    net.initialize(mx.init.Normal(0.01))
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.03})
    losses = _fit(net, _loader(x, y.reshape(-1, 1), 10), gluon.loss.L2Loss(), trainer, epochs)
    w, b = net.weight.data(), net.bias.data()
    assert isinstance(w, np.ndarray), type(w)
    return {"loss": losses, "w_error": float(np.abs(w.reshape(-1) - np.array(true_w)).max()),
            "b_error": abs(float(b[0]) - true_b)}


def _blobs(n: int, classes: int, dim: int, spread: float) -> tuple[onp.ndarray, onp.ndarray]:
    """``n`` points around ``classes`` random centres in ``dim`` dimensions."""
    centres = RNG.normal(scale=3.0, size=(classes, dim))
    labels = RNG.integers(0, classes, size=n)
    points = centres[labels] + RNG.normal(scale=spread, size=(n, dim))
    return points.astype(onp.float32), labels.astype(onp.float32)


def _classify(net, features, labels, epochs: int, lr: float, optimizer: str = "sgd") -> dict:
    split = len(features) * 4 // 5
    train = _loader(features[:split], labels[:split], 64)
    test = _loader(features[split:], labels[split:], 256, shuffle=False)
    trainer = gluon.Trainer(net.collect_params(), optimizer, {"learning_rate": lr})
    losses = _fit(net, train, gluon.loss.SoftmaxCrossEntropyLoss(), trainer, epochs)
    return {"loss": losses, "accuracy": _accuracy(net, test)}


def softmax_regression(epochs: int) -> dict:
    features, labels = _blobs(1500, 5, 20, 2.0)
    net = nn.Dense(5)
    net.initialize(mx.init.Normal(0.01))
    return _classify(net, features, labels, epochs, 0.1)


def mlp(epochs: int) -> dict:
    # Labels from a nonlinear rule (the quadrant of two of the coordinates): a linear model
    # cannot separate them, one hidden layer can.
    features = RNG.normal(size=(2000, 10)).astype(onp.float32)
    labels = ((features[:, 0] > 0) * 2 + (features[:, 1] * features[:, 2] > 0)).astype(onp.float32)
    net = nn.Sequential()
    net.add(nn.Dense(64, activation="relu"), nn.Dense(4))
    net.initialize(mx.init.Xavier())
    return _classify(net, features, labels, epochs, 0.5)


def _pattern_images(n: int) -> tuple[onp.ndarray, onp.ndarray]:
    """28x28 images of one of four strokes (horizontal, vertical, two diagonals) under noise."""
    labels = RNG.integers(0, 4, size=n)
    images = RNG.normal(scale=0.3, size=(n, 1, 28, 28)).astype(onp.float32)
    offsets = RNG.integers(6, 22, size=n)
    idx = onp.arange(4, 24)
    for i, (label, k) in enumerate(zip(labels, offsets)):
        rows, cols = [(k, idx), (idx, k), (idx, idx), (idx, 27 - idx)][label]
        images[i, 0, rows, cols] += 1.5
    return images, labels.astype(onp.float32)


def lenet(epochs: int, out_dir: pathlib.Path) -> dict:
    net = nn.HybridSequential()
    net.add(
        nn.Conv2D(6, kernel_size=5, padding=2, activation="relu"),
        nn.MaxPool2D(pool_size=2, strides=2),
        nn.Conv2D(16, kernel_size=5, activation="relu"),
        nn.MaxPool2D(pool_size=2, strides=2),
        nn.Dense(120, activation="relu"),
        nn.Dense(84, activation="relu"),
        nn.Dense(4),
    )
    net.initialize(mx.init.Xavier())
    net.hybridize()
    features, labels = _pattern_images(400)
    result = _classify(net, features, labels, epochs, 0.01, optimizer="adam")
    from hybrid.export import to_onnx

    probe = np.array(features[:8])
    path = out_dir / "lenet_np.onnx"
    path.write_bytes(to_onnx(net, example_inputs=[probe]).SerializeToString())
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    onnx_out = session.run(None, {session.get_inputs()[0].name: probe.asnumpy()})[0]
    result["onnx_max_diff"] = float(onp.abs(onnx_out - net(probe).asnumpy()).max())
    return result


class GRULanguageModel(nn.HybridBlock):
    """Embedding -> GRU -> Dense over the vocabulary, one prediction per time step."""

    def __init__(self, vocab_size: int, hidden: int, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.embedding = nn.Embedding(vocab_size, 32)
            self.gru = rnn.GRU(hidden, layout="NTC")
            self.output = nn.Dense(vocab_size, flatten=False)

    def hybrid_forward(self, F, tokens):
        return self.output(self.gru(self.embedding(tokens)))


def gru_language_model(epochs: int) -> dict:
    """A character model of a small made-up text; the perplexity falls towards 1."""
    words = ["time", "machine", "travel", "future", "past", "river", "light", "clock"]
    text = " ".join(words[i] for i in RNG.integers(0, len(words), size=600))
    vocab = sorted(set(text))
    ids = onp.array([vocab.index(c) for c in text], onp.float32)
    steps = 24
    n = (len(ids) - 1) // steps
    x = ids[: n * steps].reshape(n, steps)
    y = ids[1 : n * steps + 1].reshape(n, steps)
    net = GRULanguageModel(len(vocab), 64)
    net.initialize(mx.init.Xavier())
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 0.01})
    losses = _fit(net, _loader(x, y, 16), gluon.loss.SoftmaxCrossEntropyLoss(), trainer, epochs)
    return {"loss": losses, "perplexity": [math.exp(v) for v in losses]}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs per model")
    parser.add_argument("--out", type=pathlib.Path, default=None, help="where the ONNX file goes")
    args = parser.parse_args(argv)
    out_dir = args.out or pathlib.Path(tempfile.mkdtemp(prefix="numpy_mode_"))
    npx.set_np()
    try:
        results = {}
        for name, run in [
            ("linear regression", lambda: linear_regression(args.epochs)),
            ("softmax regression", lambda: softmax_regression(args.epochs)),
            ("mlp", lambda: mlp(args.epochs)),
            ("lenet", lambda: lenet(args.epochs, out_dir)),
            ("gru language model", lambda: gru_language_model(args.epochs)),
        ]:
            start = time.perf_counter()
            results[name] = run()
            shown = {k: [round(x, 4) for x in v] if isinstance(v, list) else round(v, 4)
                     for k, v in results[name].items()}
            print(f"{name} ({time.perf_counter() - start:.1f} s): {shown}")
    finally:
        npx.reset_np()
    return results


if __name__ == "__main__":
    main()
