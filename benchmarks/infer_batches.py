"""Inference speed by batch size: eager, hybridized and ``backend='onnxruntime'``, side by side.

The issue "Speed" asks that hybridized inference is never slower than eager at any batch size.
For ResNet-20 (CIFAR) and LeNet at batches 1 to 256, one process, one thread, the three modes
are timed in alternation (best of three short rounds each) and their ratios printed.
Run: ``OMP_NUM_THREADS=1 python benchmarks/infer_batches.py``.
"""

from __future__ import annotations

import time

import numpy as np
from suite_gluon import ORT_ONE_THREAD, LeNet, resnet20

import hybrid as mx

BATCHES = (1, 4, 16, 64, 256)
MODES = {
    "eager": None,
    "hybridized": {"static_alloc": True},
    "onnxruntime": ORT_ONE_THREAD,
}


def _rate(net, x, seconds: float) -> float:
    """Best items per second over three rounds of ``seconds / 3``."""
    best = 0.0
    for _ in range(3):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 3:
            net(x).wait_to_read()
            n += x.shape[0]
        best = max(best, n / (time.perf_counter() - start))
    return best


def main(seconds: float = 1.0) -> None:
    print(f"{'net':9s} {'batch':>5s}" + "".join(f" {m + ' /s':>14s}" for m in MODES)
          + f" {'hybrid/eager':>13s}")
    for name, make, shape in (("resnet20", resnet20, (3, 32, 32)), ("lenet", LeNet, (1, 32, 32))):
        for batch in BATCHES:
            x = mx.nd.array(np.random.default_rng(0).normal(size=(batch, *shape)))
            nets = {}
            for mode, flags in MODES.items():
                mx.random.seed(0)
                net = make()
                net.initialize(mx.init.Xavier())
                net(x)
                if flags is not None:
                    net.hybridize(**flags)
                    net(x)
                nets[mode] = net
            rates = {mode: _rate(net, x, seconds) for mode, net in nets.items()}
            print(f"{name:9s} {batch:5d}" + "".join(f" {r:14.0f}" for r in rates.values())
                  + f" {rates['hybridized'] / rates['eager']:12.2f}x", flush=True)


if __name__ == "__main__":
    main()
