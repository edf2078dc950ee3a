"""From a folder of images to a trained, exported model: the MXNet record-file workflow.

Run from the project root::

    python samples/image_folder.py --epochs 8 --out out/image_folder

1. Writes scikit-learn's handwritten digits as 32x32 colour PNGs into ``--out/images/<digit>/``
   (each digit in a random dark colour on a random light background: colour means nothing).
2. Packs them with ``hybrid-im2rec``: an image list with a train/validation split
   (``digits_train.lst``, ``digits_val.lst``), then ``.rec``/``.idx`` record files of JPEGs
   resized to 28 pixels, with two encoding processes.
3. Trains a small CNN from ``digits_train.rec`` through ``ImageRecordDataset`` with
   augmentation (random resized crops, brightness, contrast and saturation jitter), worker
   processes in the ``DataLoader`` and a progress bar; prints validation accuracy per epoch.
4. Exports the network to ``digits_rgb.onnx`` and scores the validation set in ONNX Runtime.

Requires the ``samples`` and ``image`` extras (scikit-learn, tqdm, OpenCV).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from typing import Any

import numpy as np

import hybrid as mx
from hybrid import autograd, gluon
from hybrid.gluon import nn
from hybrid.gluon.data import DataLoader
from hybrid.gluon.data.vision import ImageRecordDataset, transforms

MEAN, STD = (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)


def make_image_folder(root: str, limit: int | None, seed: int = 0) -> int:
    """The digits as 32x32 PNGs in ``root/<digit>/``; returns how many."""
    from sklearn.datasets import load_digits

    from hybrid.image._codec import cv2

    digits = load_digits()
    rng = np.random.default_rng(seed)
    n = len(digits.target) if limit is None else limit
    for i in range(n):
        ink = digits.images[i] / 16.0  # (8, 8) in [0, 1]
        ink = cv2().resize(ink, (32, 32), interpolation=cv2().INTER_LINEAR)[..., None]
        fg, bg = rng.integers(0, 110, 3), rng.integers(140, 256, 3)
        img = (ink * fg + (1 - ink) * bg).astype(np.uint8)
        folder = os.path.join(root, str(digits.target[i]))
        os.makedirs(folder, exist_ok=True)
        cv2().imwrite(os.path.join(folder, f"{i:04d}.png"), img[..., ::-1])
    return n


def pack(prefix: str, root: str) -> None:
    """``hybrid-im2rec``: lists with a 80/20 split, then record files."""
    im2rec = [sys.executable, "-m", "hybrid.im2rec"]
    subprocess.run(im2rec + [prefix, root, "--list", "--recursive", "--train-ratio", "0.8"],
                   check=True)
    subprocess.run(im2rec + [prefix, root, "--resize", "28", "--quality", "95",
                             "--num-thread", "2"], check=True)


def build_net() -> nn.HybridSequential:
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(16, 3, padding=1, activation="relu"), nn.MaxPool2D(2),
                nn.Conv2D(32, 3, padding=1, activation="relu"), nn.MaxPool2D(2),
                nn.Flatten(), nn.Dense(64, activation="relu"), nn.Dense(10))
    return net


def loaders(prefix: str, batch_size: int, workers: int) -> tuple[DataLoader, DataLoader]:
    train_t = transforms.Compose([
        transforms.RandomResizedCrop(24, scale=(0.7, 1.0), ratio=(0.9, 1.1)),
        transforms.RandomColorJitter(brightness=0.2, contrast=0.2, saturation=0.2),
        transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    val_t = transforms.Compose([transforms.CenterCrop(24), transforms.ToTensor(),
                                transforms.Normalize(MEAN, STD)])
    train = ImageRecordDataset(prefix + "_train.rec").transform_first(train_t)
    val = ImageRecordDataset(prefix + "_val.rec").transform_first(val_t)
    return (DataLoader(train, batch_size, shuffle=True, num_workers=workers, thread_pool=False),
            DataLoader(val, 256))


def evaluate(net: gluon.Block, data: DataLoader) -> float:
    right = total = 0
    for x, y in data:
        right += int((net(x).asnumpy().argmax(1) == y.asnumpy()).sum())
        total += len(y)
    return right / total


def train(net: gluon.Block, train_data: DataLoader, val_data: DataLoader, epochs: int) -> list:
    from tqdm import tqdm

    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 3e-3})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    history = []
    for epoch in range(epochs):
        bar = tqdm(train_data, desc=f"epoch {epoch + 1}/{epochs}", leave=False, file=sys.stderr)
        for x, y in bar:
            with autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
            trainer.step(x.shape[0])
            bar.set_postfix(loss=f"{float(loss.mean().asscalar()):.3f}")
        history.append(evaluate(net, val_data))
        print(f"epoch {epoch + 1}: validation accuracy {history[-1]:.3f}")
    return history


def export(net: gluon.HybridBlock, val_data: DataLoader, out: str) -> tuple[str, float]:
    from hybrid.export import to_onnx
    from hybrid.runtime import Predictor

    x, y = next(iter(val_data))
    path = os.path.join(out, "digits_rgb.onnx")
    to_onnx(net, path, example_inputs=[x.asnumpy()[:2]])
    scores = Predictor(path).predict_batches(x.asnumpy(), batch_size=128)
    scores = scores[0] if isinstance(scores, (list, tuple)) else scores
    return path, float((scores.argmax(1) == y.asnumpy()).mean())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    p.add_argument("--limit", type=int, default=None, help="use only this many digits")
    p.add_argument("--out", default="out/image_folder")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    mx.random.seed(args.seed)
    root, prefix = os.path.join(args.out, "images"), os.path.join(args.out, "digits")
    n = make_image_folder(root, args.limit, args.seed)
    pack(prefix, root)
    print(f"{n} images packed into {prefix}_train.rec and {prefix}_val.rec")
    train_data, val_data = loaders(prefix, args.batch_size, args.workers)
    net = build_net()
    net.initialize(mx.init.Xavier())
    net.hybridize()
    history = train(net, train_data, val_data, args.epochs)
    path, onnx_accuracy = export(net, val_data, args.out)
    print(f"exported {path}; ONNX Runtime validation accuracy {onnx_accuracy:.3f}")
    return {"accuracy": history, "onnx": path, "onnx_accuracy": onnx_accuracy}


if __name__ == "__main__":
    main()
