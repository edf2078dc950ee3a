"""Eager vs hybridized: LeNet training samples/s at batch 64 and inference latency at batch 1.

The seed example's LeNet as a HybridBlock; training steps are forward under ``autograd.record()``,
softmax cross-entropy, backward and ``Trainer.step``. The hybridized column calls
``hybridize(static_alloc=True)`` on the net and on the loss. Each number is the best of several
timed rounds after warm-up, eager and hybridized rounds alternating.
Run: ``python benchmarks/hybridize.py [--steps 20 --rounds 3]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import hybrid as mx
from hybrid import autograd, gluon, initializer
from hybrid.gluon import nn


class LeNet(gluon.HybridBlock):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.conv1 = nn.Conv2D(6, kernel_size=5)
            self.pool1 = nn.MaxPool2D(pool_size=(2, 2))
            self.conv2 = nn.Conv2D(16, kernel_size=5)
            self.pool2 = nn.MaxPool2D(pool_size=(2, 2))
            self.fc1 = nn.Dense(120)
            self.fc2 = nn.Dense(84)
            self.fc3 = nn.Dense(10)

    def forward(self, x):
        x = self.pool1(mx.nd.relu(self.conv1(x)))
        x = self.pool2(mx.nd.relu(self.conv2(x)))
        x = x.reshape((0, -1))
        x = mx.nd.relu(self.fc1(x))
        x = mx.nd.relu(self.fc2(x))
        return self.fc3(x)


def _setup(hybrid: bool) -> tuple:
    mx.random.seed(0)
    net = LeNet()
    net.initialize(initializer.Xavier())
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    if hybrid:
        net.hybridize(static_alloc=True)
        loss.hybridize(static_alloc=True)
    return net, loss


def _best_interleaved(fns: list, steps: int, rounds: int) -> list[float]:
    """Best seconds per call of each function, timing them in alternating rounds after warm-up
    (the machine is shared, so alternating keeps load changes from favouring one column).
    """
    for fn in fns:
        fn()
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            for _ in range(steps):
                fn()
            best[i] = min(best[i], (time.perf_counter() - start) / steps)
    return best


def train_step(hybrid: bool, batch: int = 64):
    """A function running one training step of a fresh LeNet."""
    net, loss_fn = _setup(hybrid)
    rng = np.random.default_rng(0)
    x = mx.nd.array(rng.normal(size=(batch, 1, 32, 32)))
    y = mx.nd.array(rng.integers(0, 10, batch))
    net(x)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.01})

    def step() -> None:
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(batch)

    return step


def predict(hybrid: bool):
    """A function running LeNet inference on one sample."""
    net, _ = _setup(hybrid)
    x = mx.nd.array(np.random.default_rng(0).normal(size=(1, 1, 32, 32)))
    net(x)
    return lambda: net(x).wait_to_read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    train = _best_interleaved([train_step(h) for h in (False, True)], args.steps, args.rounds)
    infer = _best_interleaved([predict(h) for h in (False, True)], args.steps * 10, args.rounds)
    print(f"{'':28}{'eager':>12}{'hybridized':>14}{'ratio':>9}")
    print(f"{'train samples/s (batch 64)':28}{64 / train[0]:12.0f}{64 / train[1]:14.0f}"
          f"{train[0] / train[1]:8.2f}x")
    print(f"{'inference ms (batch 1)':28}{infer[0] * 1e3:12.3f}{infer[1] * 1e3:14.3f}"
          f"{infer[0] / infer[1]:8.2f}x")


if __name__ == "__main__":
    main()
