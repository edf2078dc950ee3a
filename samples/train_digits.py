"""Train a small CNN on scikit-learn's bundled 8x8 handwritten digits (no download needed).

Run from the project root::

    python samples/train_digits.py --epochs 12 --out out/digits

It prints the test accuracy (about 98%) and writes, in ``--out``: the training curve
(``digits_curve.png``: loss and accuracy per epoch), the trained parameters (``digits.params``),
the exported model (``digits.onnx``), whose predictions by ONNX Runtime it also scores, and a few
raw test images (``digits_test.json``) for the Node.js and browser samples in ``samples/deploy_*``.
``--epochs 1 --limit 200`` is a quick mode for smoke tests.

Requires the ``samples`` extra (scikit-learn, matplotlib, tqdm).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import numpy as np

import hybrid as mx
from hybrid import autograd, gluon, initializer, metric
from hybrid.gluon import nn
from hybrid.gluon.data import ArrayDataset, DataLoader

NUM_CLASSES = 10


# How raw 8x8 digit images (pixel values 0..16) become the network's input:
# ``(raw - input_mean) * input_scale`` as ``input_dtype`` in ``input_layout``; ``input_range`` is
# the raw pixels' range, for programs that make their own images. Recorded in the ONNX model's
# metadata so that other runtimes (samples/deploy_node, samples/deploy_web) read it from the model
# instead of repeating it.
PREPROCESSING = {
    "input_layout": "NCHW",
    "input_dtype": "float32",
    "input_scale": "0.0625",
    "input_mean": "0",
    "input_range": "0,16",
    "input_description": "8x8 grayscale digit, 1 channel",
}
TEST_IMAGES = "digits_test.json"


def preprocess(raw: np.ndarray) -> np.ndarray:
    """Raw pixels (0..16) to network input by ``PREPROCESSING``: ``(raw - mean) * scale``."""
    mean, scale = float(PREPROCESSING["input_mean"]), float(PREPROCESSING["input_scale"])
    return ((raw - mean) * scale).astype(PREPROCESSING["input_dtype"])


def raw_pixels(images: np.ndarray) -> np.ndarray:
    """The inverse of :func:`preprocess`; exact, since the raw pixels are small integers."""
    mean, scale = float(PREPROCESSING["input_mean"]), float(PREPROCESSING["input_scale"])
    return np.rint(images / scale + mean).astype(np.int64)


def load_data(limit: int | None = None, test_fraction: float = 0.2, seed: int = 0) -> tuple:
    """The digits as ``(train, test)`` ArrayDatasets of ``(1, 8, 8)`` float32 images in
    ``[0, 1]`` and int32 labels; a fixed shuffled split. ``limit`` caps both sets' sizes.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = preprocess(digits.images)[:, None]  # (N, 1, 8, 8)
    labels = digits.target.astype(np.int32)
    order = np.random.default_rng(seed).permutation(len(labels))
    n_test = int(len(labels) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    if limit is not None:
        train, test = train[:limit], test[:limit]
    return (
        ArrayDataset(images[train], labels[train]),
        ArrayDataset(images[test], labels[test]),
    )


def build_net() -> nn.HybridSequential:
    """Two 3x3 convolutions with max pooling, then two dense layers: ``(N, 1, 8, 8) -> (N, 10)``."""
    net = nn.HybridSequential(prefix="digits_")
    with net.name_scope():
        net.add(
            nn.Conv2D(32, kernel_size=3, padding=1, activation="relu"),
            nn.MaxPool2D(pool_size=2),  # (N, 32, 4, 4)
            nn.Conv2D(64, kernel_size=3, padding=1, activation="relu"),
            nn.MaxPool2D(pool_size=2),  # (N, 64, 2, 2)
            nn.Dense(128, activation="relu"),
            nn.Dense(NUM_CLASSES),
        )
    return net


def evaluate(net: gluon.Block, data: DataLoader) -> float:
    """Classification accuracy of ``net`` over ``data``."""
    accuracy = metric.Accuracy()
    for x, y in data:
        accuracy.update(y, net(x))
    return accuracy.get()[1]


def train_epoch(
    net: gluon.Block, trainer: gluon.Trainer, data: Any, accuracy: metric.EvalMetric
) -> tuple[float, int]:
    """One pass over ``data`` with softmax cross-entropy; updates ``accuracy`` and returns the
    summed loss and the number of samples.
    """
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    total, count = 0.0, 0
    for x, y in data:
        with autograd.record():
            out = net(x)
            loss = loss_fn(out, y)
        loss.backward()
        trainer.step(x.shape[0])
        accuracy.update(y, out)
        total += float(loss.sum().asscalar())
        count += x.shape[0]
    return total, count


def train(
    net: gluon.Block, train_data: DataLoader, epochs: int, learning_rate: float = 2e-3
) -> dict[str, list[float]]:
    """Train with Adam and softmax cross-entropy; returns the per-epoch mean loss and training
    accuracy.
    """
    from tqdm import tqdm

    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": learning_rate})
    accuracy = metric.Accuracy()
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    for epoch in range(epochs):
        # Decaying the step size settles the last epochs (steadier test accuracy across seeds).
        trainer.set_learning_rate(learning_rate * 0.8**epoch)
        accuracy.reset()
        bar = tqdm(train_data, desc=f"epoch {epoch + 1}/{epochs}", leave=False, file=sys.stderr)
        total, count = train_epoch(net, trainer, bar, accuracy)
        history["loss"].append(total / count)
        history["accuracy"].append(accuracy.get()[1])
        print(
            f"epoch {epoch + 1}: loss {history['loss'][-1]:.4f}, "
            f"train accuracy {history['accuracy'][-1]:.4f}"
        )
    return history


def plot_curve(history: dict[str, list[float]], path: str) -> None:
    """Save the loss and accuracy per epoch side by side as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax_loss.plot(epochs, history["loss"], marker="o")
    ax_loss.set(title="training loss", xlabel="epoch", ylabel="softmax cross-entropy")
    ax_acc.plot(epochs, history["accuracy"], marker="o", color="tab:green")
    ax_acc.set(title="training accuracy", xlabel="epoch", ylabel="accuracy")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_test_images(test_set: ArrayDataset, out: str, count: int = 32) -> str:
    """Write the first ``count`` test images as raw 8x8 pixels (0..16, before preprocessing: the
    deploy samples apply the model's own recorded preprocessing) with their labels to
    ``out/digits_test.json``; returns the path.
    """
    count = min(count, len(test_set))
    images = np.stack([test_set[i][0] for i in range(count)])[:, 0]  # (count, 8, 8)
    labels = [int(test_set[i][1]) for i in range(count)]
    path = os.path.join(out, TEST_IMAGES)
    with open(path, "w") as f:
        json.dump({"images": raw_pixels(images).tolist(), "labels": labels}, f)
    return path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=12, help="training epochs")
    parser.add_argument("--batch-size", type=int, default=32, help="samples per batch")
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam learning rate")
    parser.add_argument("--limit", type=int, default=None, help="use at most N samples per set")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--out", default="out/digits", help="folder for the PNG and parameters")
    return parser.parse_args(argv)


def export_and_predict(net: nn.HybridSequential, test_set: ArrayDataset, out: str) -> tuple:
    """Export ``net`` to ``out/digits.onnx`` (checked against the eager net), then predict the
    test images with ONNX Runtime; returns the file and its accuracy.
    """
    from hybrid.export import to_onnx, verify
    from hybrid.runtime import Predictor

    images = np.stack([test_set[i][0] for i in range(len(test_set))])
    labels = np.array([test_set[i][1] for i in range(len(test_set))])
    path = os.path.join(out, "digits.onnx")
    model = to_onnx(
        net,
        path,
        example_inputs=[images[:2]],
        metadata=PREPROCESSING,
        doc_string="hybrid digits CNN: (N, 1, 8, 8) images -> (N, 10) class scores",
    )
    verify(net, model, [images[:16]])
    scores = Predictor(path).predict_batches(images, batch_size=128)
    scores = scores[0] if isinstance(scores, (list, tuple)) else scores
    return path, float((scores.argmax(axis=1) == labels).mean())


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train, evaluate and save; returns what later steps (export, prediction) build on."""
    args = parse_args(argv)
    mx.random.seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    train_set, test_set = load_data(args.limit)
    train_data = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_data = DataLoader(test_set, batch_size=256)
    net = build_net()
    net.initialize(initializer.Xavier())
    start = time.perf_counter()
    history = train(net, train_data, args.epochs, args.lr)
    seconds = time.perf_counter() - start
    accuracy = evaluate(net, test_data)
    print(f"test accuracy: {accuracy:.4f} ({len(test_set)} images, trained in {seconds:.1f} s)")
    curve = os.path.join(args.out, "digits_curve.png")
    plot_curve(history, curve)
    params = os.path.join(args.out, "digits.params")
    net.save_parameters(params)
    print(f"wrote {curve} and {params}")
    onnx_path, onnx_accuracy = export_and_predict(net, test_set, args.out)
    print(f"exported {onnx_path}: ONNX Runtime accuracy {onnx_accuracy:.4f} (eager {accuracy:.4f})")
    test_images = write_test_images(test_set, args.out)
    print(f"wrote {test_images} for the deploy samples")
    return {
        "args": args,
        "net": net,
        "test_data": test_data,
        "accuracy": accuracy,
        "history": history,
        "params": params,
        "onnx": onnx_path,
        "onnx_accuracy": onnx_accuracy,
        "test_images": test_images,
    }


if __name__ == "__main__":
    main()
