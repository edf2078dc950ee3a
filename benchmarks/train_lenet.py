"""The seed example's LeNet, eager versus hybridized: training throughput and inference latency.

Training: samples/s of full steps at batch 64 (forward under ``autograd.record()``, softmax
cross-entropy, backward, ``Trainer.step``) on random 32x32 inputs, eager versus ``hybridize()``
and ``hybridize(static_alloc=True)`` on the net and the loss. Inference: latency of one sample,
eager versus hybridized (the numpy executor) versus ``hybridize(backend="onnxruntime")``.

Each column is a row of ``TRAIN_MODES`` / ``INFER_MODES`` (name -> hybridize flags, None for
eager). The modes of a table run in alternating timed rounds after warm-up, so a load change on a
shared machine hits every column alike; each number is the best round, each ratio is against
eager. Run: ``python benchmarks/train_lenet.py [--steps 20 --rounds 5]``. On a shared machine,
``OPENBLAS_NUM_THREADS=1`` keeps BLAS threads from stalling on busy cores and steadies the ratios.
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


class Net(gluon.HybridBlock):
    """The seed example's LeNet (``/work/shared/seed_example.py``), as a HybridBlock."""

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


# name -> flags for hybridize() on the net and the loss (None: eager).
TRAIN_MODES: dict[str, dict | None] = {
    "eager": None,
    "hybridize()": {},
    "static_alloc": {"static_alloc": True},
}
INFER_MODES: dict[str, dict | None] = {
    "eager": None,
    "hybridized": {"static_alloc": True},
    "onnxruntime": {"backend": "onnxruntime"},
}


def _net(flags: dict | None, loss: gluon.HybridBlock | None = None) -> Net:
    mx.random.seed(0)
    net = Net()
    net.initialize(initializer.Xavier())
    if flags is not None:
        net.hybridize(**flags)
        if loss is not None:
            loss.hybridize(**flags)
    return net


def train_step(flags: dict | None) -> Callable[[], None]:
    """One training step of a fresh LeNet in the mode ``flags``, as a function."""
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    net = _net(flags, loss_fn)
    rng = np.random.default_rng(0)
    x = mx.nd.array(rng.normal(size=(BATCH, 1, 32, 32)))
    y = mx.nd.array(rng.integers(0, 10, BATCH))
    net(x)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.01})

    def step() -> None:
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(BATCH)

    return step


def predict(flags: dict | None) -> Callable[[], None]:
    """Inference on one sample with a fresh LeNet in the mode ``flags``, as a function."""
    net = _net(flags)
    x = mx.nd.array(np.random.default_rng(0).normal(size=(1, 1, 32, 32)))
    net(x)
    return lambda: net(x).wait_to_read()


def best_interleaved(fns: list[Callable[[], None]], calls: int, rounds: int) -> list[float]:
    """Best seconds per call of each function over ``rounds`` alternating rounds of ``calls``
    calls, after two warm-up calls each.
    """
    for fn in fns:
        fn()
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            best[i] = min(best[i], (time.perf_counter() - start) / calls)
    return best


def _row(label: str, values: list[str]) -> str:
    return f"{label:30s}" + "".join(f"{v:>14s}" for v in values)


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="training steps per round")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (best is kept)")
    args = parser.parse_args(argv)
    train = best_interleaved([train_step(f) for f in TRAIN_MODES.values()], args.steps,
                             args.rounds)
    infer = best_interleaved([predict(f) for f in INFER_MODES.values()], args.steps * 10,
                             args.rounds)
    results = {
        "train samples/s": {m: BATCH / t for m, t in zip(TRAIN_MODES, train)},
        "inference ms": {m: t * 1e3 for m, t in zip(INFER_MODES, infer)},
    }
    print(f"LeNet, best of {args.rounds} alternating rounds")
    print(_row("", list(TRAIN_MODES)))
    print(_row(f"train samples/s (batch {BATCH})",
               [f"{v:.0f}" for v in results["train samples/s"].values()]))
    print(_row("  speed-up vs eager", [f"{train[0] / t:.2f}x" for t in train]))
    print()
    print(_row("", list(INFER_MODES)))
    print(_row("inference ms (batch 1)", [f"{v:.3f}" for v in results["inference ms"].values()]))
    print(_row("  speed-up vs eager", [f"{infer[0] / t:.2f}x" for t in infer]))
    return results


if __name__ == "__main__":
    main()
