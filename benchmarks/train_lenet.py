"""Training throughput (samples/s) of the seed example's LeNet at batch 64.

Each mode runs full training steps (forward under ``autograd.record()``, softmax cross-entropy,
backward, ``Trainer.step``) on random 32x32 inputs, after warm-up steps, and reports the best of
several timed rounds. Run: ``python benchmarks/train_lenet.py [--steps 20 --rounds 3]``.

Modes are rows of ``MODES`` (name -> function preparing a fresh net), so another execution mode
is one more row.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

import hybrid as mx
import hybrid.ndarray as F
from hybrid import autograd, gluon, initializer
from hybrid.gluon import nn

BATCH = 64


class Net(gluon.Block):
    """The seed example's LeNet (``/work/shared/seed_example.py``), re-declared."""

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
        x = self.pool1(F.relu(self.conv1(x)))
        x = self.pool2(F.relu(self.conv2(x)))
        x = x.reshape((0, -1))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def eager_net() -> gluon.Block:
    net = Net()
    net.initialize(initializer.Xavier())
    return net


# name -> function returning an initialised net ready to train in that mode.
MODES: dict[str, Callable[[], gluon.Block]] = {"eager": eager_net}


def samples_per_second(net: gluon.Block, steps: int, rounds: int, warmup: int = 3) -> float:
    """Best-of-``rounds`` training throughput over ``steps`` steps each."""
    rng = np.random.default_rng(0)
    x = mx.nd.array(rng.normal(size=(BATCH, 1, 32, 32)))
    y = mx.nd.array(rng.integers(0, 10, BATCH))
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.01})

    def step() -> None:
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(BATCH)

    for _ in range(warmup):
        step()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, time.perf_counter() - start)
    return steps * BATCH / best


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="training steps per round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (best is kept)")
    args = parser.parse_args(argv)
    results = {}
    print(f"LeNet training, batch {BATCH}")
    print(f"{'mode':12s} {'samples/s':>10s}")
    for name, make in MODES.items():
        results[name] = samples_per_second(make(), args.steps, args.rounds)
        print(f"{name:12s} {results[name]:10.1f}")
    return results


if __name__ == "__main__":
    main()
