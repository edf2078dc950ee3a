"""Runs the MXNet edition of the d2l package's training helpers on hybrid, started by
``test_d2l.py`` as ``python -m hybrid.mxnet d2l_programs.py DATA_DIR CHAPTER...``.

Local stand-ins for the data sets: Fashion-MNIST-format files of synthetic 28x28 images (ten
classes, each a bright bar at its own place under noise) where ``FashionMNIST`` looks
(``$MXNET_HOME/datasets/fashion-mnist``), and a short text as the time machine book, registered
in ``d2l.DATA_HUB`` with its own SHA-1 so ``d2l.download`` finds it instead of fetching. Prints one
``RESULT <chapter> <json>`` line per chapter.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import pathlib
import struct
import sys

import numpy as onp
from d2l import mxnet as d2l
from mxnet import gluon, init, npx
from mxnet import random as mx_random
from mxnet.gluon import nn, rnn

npx.set_np()
# d2l 0.17.0's plots switch Jupyter to SVG through IPython.display.set_matplotlib_formats, which
# IPython 9 removed; the figures are drawn (Agg backend) but not shown, so the format is moot.
d2l.use_svg_display = lambda: None


def write_fashion_mnist(root: pathlib.Path, seed: int = 0) -> None:
    rng = onp.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", 1200), ("t10k", 300)):
        labels = rng.integers(0, 10, size=n).astype(onp.uint8)
        images = rng.integers(0, 60, size=(n, 28, 28)).astype(onp.uint8)
        for i, label in enumerate(labels):
            row = 2 + 2 * int(label)
            images[i, row : row + 3, 4:24] = 250
        with gzip.open(root / f"{prefix}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(struct.pack(">II", 2049, n) + labels.tobytes())
        with gzip.open(root / f"{prefix}-images-idx3-ubyte.gz", "wb") as f:
            f.write(struct.pack(">IIII", 2051, n, 28, 28) + images.tobytes())


def write_time_machine(data_dir: pathlib.Path) -> None:
    sentences = [
        "the time traveller held up a small machine of glittering metal",
        "the medical man looked into the fire and the psychologist smiled",
        "we sat and watched the little lever move across the brass rail",
    ]
    text = "\n".join(sentences[i % 3] for i in range(60)) + "\n"
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "timemachine.txt"
    path.write_text(text)
    url = d2l.DATA_HUB["time_machine"][0]
    d2l.DATA_HUB["time_machine"] = (url, hashlib.sha1(path.read_bytes()).hexdigest())


def chapter3() -> dict:
    """Softmax regression with gluon layers through ``d2l.train_ch3`` (which itself asserts
    loss < 0.5 and accuracies > 0.7)."""
    train_iter, test_iter = d2l.load_data_fashion_mnist(64)
    net = nn.Sequential()
    net.add(nn.Dense(10))
    net.initialize(init.Normal(sigma=0.01))
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    d2l.train_ch3(net, train_iter, test_iter, loss, 3, trainer)
    return {"test_acc": d2l.evaluate_accuracy(net, test_iter),
            "param_type": type(net[0].weight.data()).__module__}


def chapter6() -> dict:
    """A LeNet through ``d2l.train_ch6`` on the device ``d2l.try_gpu()`` picks (the CPU)."""
    train_iter, test_iter = d2l.load_data_fashion_mnist(128)
    net = nn.HybridSequential()
    net.add(nn.Conv2D(6, kernel_size=5, padding=2, activation="relu"),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Conv2D(16, kernel_size=5, activation="relu"),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Dense(64, activation="relu"), nn.Dense(10))
    net.hybridize()
    d2l.train_ch6(net, train_iter, test_iter, 2, 0.3, d2l.try_gpu())
    return {"test_acc": d2l.evaluate_accuracy_gpu(net, test_iter)}


def chapter8() -> dict:
    """A GRU language model through ``d2l.train_ch8`` (``d2l.RNNModel`` over ``rnn.GRU``)."""
    train_iter, vocab = d2l.load_data_time_machine(8, 12)
    net = d2l.RNNModel(rnn.GRU(48), len(vocab))
    d2l.train_ch8(net, train_iter, vocab, 1.0, 20, d2l.try_gpu())
    state = net.begin_state(batch_size=1, ctx=d2l.try_gpu())
    return {"state_type": type(state[0]).__module__,
            "prediction": d2l.predict_ch8("the time", 10, net, vocab, d2l.try_gpu())}


def main() -> None:
    # Seeded: the initial weights and the shuffling decide how far two epochs of LeNet get.
    mx_random.seed(0)
    onp.random.seed(0)
    data = pathlib.Path(sys.argv[1])
    write_fashion_mnist(pathlib.Path(os.environ["MXNET_HOME"]) / "datasets" / "fashion-mnist")
    write_time_machine(data)
    for chapter in sys.argv[2:]:
        result = {"3": chapter3, "6": chapter6, "8": chapter8}[chapter]()
        print("RESULT", chapter, json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
