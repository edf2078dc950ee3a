"""Forward and forward+backward time of the dense, convolution, pooling and BatchNorm ops.

Shapes are LeNet's from the seed example (batch 64, 1x32x32) and a ResNet block (batch 32,
64 channels, 56x56, 3x3 pad 1). GEMM-bound ops are reported in GFLOP/s next to numpy's own
float32 GEMM rate measured in the same run, so the ratio is meaningful on any machine.

Run from the project root: ``python benchmarks/ops.py`` (``--repeat N`` for more samples).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

import hybrid
from hybrid import autograd

GEMM_N = 2048


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time in seconds over ``repeat`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def gemm_rate(repeat: int) -> float:
    """numpy's float32 matmul rate in GFLOP/s on ``GEMM_N``-cubed matrices."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((GEMM_N, GEMM_N), dtype=np.float32)
    b = rng.standard_normal((GEMM_N, GEMM_N), dtype=np.float32)
    return 2 * GEMM_N**3 / best_time(lambda: a @ b, repeat) / 1e9


def _arrays(rng: np.random.Generator, shapes: list) -> list:
    return [hybrid.nd.array(rng.standard_normal(s, dtype=np.float32)) for s in shapes]


def _runners(fn: Callable, arrays: list) -> tuple[Callable, Callable]:
    """(forward only, forward + backward through every input) for ``fn(*arrays)``."""
    for a in arrays:
        a.attach_grad()

    def forward() -> object:
        return fn(*arrays)

    def forward_backward() -> object:
        with autograd.record():
            y = fn(*arrays)
        y.backward()
        return y

    return forward, forward_backward


def conv_case(x: tuple, f: int, k: int, pad: int = 0) -> tuple:
    """(callable, input shapes, fwd+bwd FLOPs) of a stride-1 square convolution."""
    n, c, h, w = x
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1

    def fn(xa, wa, ba):
        return hybrid.nd.Convolution(xa, wa, ba, kernel=(k, k), pad=(pad, pad), num_filter=f)

    return fn, [x, (f, c, k, k), (f,)], 3 * 2 * n * f * c * k * k * oh * ow


def fc_case(n: int, units: int, hidden: int) -> tuple:
    def fn(xa, wa, ba):
        return hybrid.nd.FullyConnected(xa, wa, ba, num_hidden=hidden)

    return fn, [(n, units), (hidden, units), (hidden,)], 3 * 2 * n * units * hidden


def pool_case(x: tuple, k: int, s: int, pad: int = 0) -> tuple:
    def fn(xa):
        return hybrid.nd.Pooling(xa, kernel=(k, k), stride=(s, s), pad=(pad, pad), pool_type="max")

    return fn, [x], None


def batchnorm_case(x: tuple) -> tuple | None:
    """None while no op named BatchNorm is registered (it lives in hybrid/ops/norm.py)."""
    if not hasattr(hybrid.nd, "BatchNorm"):
        return None
    c = x[1]

    def fn(xa, gamma, beta):
        mean = hybrid.nd.array(np.zeros(c, np.float32))
        var = hybrid.nd.array(np.ones(c, np.float32))
        return hybrid.nd.BatchNorm(xa, gamma, beta, mean, var, fix_gamma=False)

    return fn, [x, (c,), (c,)], None


CASES = [
    ("lenet conv1 1->6 5x5", lambda: conv_case((64, 1, 32, 32), 6, 5)),
    ("lenet pool1 2x2", lambda: pool_case((64, 6, 28, 28), 2, 2)),
    ("lenet conv2 6->16 5x5", lambda: conv_case((64, 6, 14, 14), 16, 5)),
    ("lenet pool2 2x2", lambda: pool_case((64, 16, 10, 10), 2, 2)),
    ("lenet fc1 400->120", lambda: fc_case(64, 400, 120)),
    ("lenet fc2 120->84", lambda: fc_case(64, 120, 84)),
    ("lenet fc3 84->10", lambda: fc_case(64, 84, 10)),
    ("lenet batchnorm 6x28x28", lambda: batchnorm_case((64, 6, 28, 28))),
    ("resnet conv 64->64 3x3", lambda: conv_case((32, 64, 56, 56), 64, 3, pad=1)),
    ("resnet batchnorm 64x56x56", lambda: batchnorm_case((32, 64, 56, 56))),
    ("resnet pool 3x3 s2", lambda: pool_case((32, 64, 56, 56), 3, 2, pad=1)),
    ("resnet fc 512->1000", lambda: fc_case(32, 512, 1000)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case (best kept)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    # The GEMM rate is taken before and after the cases and the better one kept, so a machine
    # that is busy for part of the run does not flatter the ratios.
    gemm_before = gemm_rate(args.repeat)
    rows = []
    for label, make in CASES:
        case = make()
        if case is None:
            rows.append((label, None, None, None))
            continue
        fn, shapes, flops = case
        forward, forward_backward = _runners(fn, _arrays(rng, shapes))
        rows.append(
            (
                label,
                best_time(forward, args.repeat),
                best_time(forward_backward, args.repeat),
                flops,
            )
        )
    gemm = max(gemm_before, gemm_rate(args.repeat))
    print(f"numpy float32 GEMM {GEMM_N}^3: {gemm:.1f} GFLOP/s")
    print(f"{'case':28s} {'fwd ms':>9s} {'fwd+bwd ms':>11s} {'GFLOP/s':>8s} {'of GEMM':>8s}")
    for label, t_fwd, t_all, flops in rows:
        if t_fwd is None:
            print(f"{label:28s} not registered yet")
            continue
        rate = (
            "" if flops is None else f"{flops / t_all / 1e9:8.1f} {flops / t_all / 1e9 / gemm:8.0%}"
        )
        print(f"{label:28s} {t_fwd * 1e3:9.2f} {t_all * 1e3:11.2f} {rate}")


if __name__ == "__main__":
    main()
