"""Forward + backward of a 2-layer LSTM (hidden 256, input 256, seq 35, batch 32), eager and
hybridized, against numpy's own float32 GEMM rate measured in the same run.

::

    python benchmarks/lstm.py
    python benchmarks/lstm.py --rounds 20 --hidden 512

The matrix products of one forward + backward pass are counted exactly (about 7.0 GFLOP at the
default sizes): per layer the input projection ``2*T*N*I*4H`` and the recurrent products
``2*T*N*H*4H`` forward, and twice that backward (input, weight and state gradients). Each round
times the GEMM reference, the eager pass and the hybridized pass once, in turn, so the machine's
load affects all three alike; the report gives the median over rounds, the GFLOP/s of the LSTM's
matrix products and their ratio to the GEMM rate. Target: at least 0.4x (MXNet 1.9.1 reaches
about 0.33x on CPU, PyTorch about 0.75x).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np


def lstm_gemm_flops(seq: int, batch: int, inputs: int, hidden: int, layers: int) -> float:
    """FLOPs of the matrix products of one forward + backward pass."""
    forward, width = 0.0, inputs
    for _ in range(layers):
        forward += 2.0 * seq * batch * 4 * hidden * (width + hidden)
        width = hidden
    return 3.0 * forward  # backward: dX, dW_ih, dW_hh and dh cost twice the forward products


def gemm_rate(size: int = 1024) -> Callable[[], float]:
    """A timed float32 ``size x size`` GEMM; the closure returns GFLOP/s of one product."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    out = np.empty_like(a)

    def run() -> float:
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        return 2.0 * size**3 / (time.perf_counter() - start) / 1e9

    return run


def lstm_pass(hybridize: bool, args: argparse.Namespace) -> Callable[[], float]:
    """A timed forward + backward of the LSTM; the closure returns seconds."""
    import hybrid as mx
    from hybrid import autograd
    from hybrid.gluon import rnn

    mx.random.seed(0)
    layer = rnn.LSTM(args.hidden, args.layers, input_size=args.inputs)
    layer.initialize(mx.init.Uniform(0.1))
    if hybridize:
        layer.hybridize()
    rng = np.random.default_rng(1)
    x = mx.nd.array(rng.standard_normal((args.seq, args.batch, args.inputs), dtype=np.float32))
    x.attach_grad()

    def run() -> float:
        start = time.perf_counter()
        with autograd.record():
            out = layer(x)
        out.backward()
        layer.l0_i2h_weight.grad().wait_to_read()
        return time.perf_counter() - start

    run()  # trace (hybridized) and warm caches
    return run


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seq", type=int, default=35)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--inputs", type=int, default=256)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    args = parser.parse_args(argv)
    flops = lstm_gemm_flops(args.seq, args.batch, args.inputs, args.hidden, args.layers)
    gemm, eager, hybrid = gemm_rate(), lstm_pass(False, args), lstm_pass(True, args)
    rates: list[float] = []
    times: dict[str, list[float]] = {"eager": [], "hybridized": []}
    for _ in range(args.rounds):
        rates.append(max(gemm() for _ in range(3)))
        times["eager"].append(eager())
        times["hybridized"].append(hybrid())
    gemm_gflops = statistics.median(rates)
    print(
        f"2-layer LSTM fwd+bwd: seq {args.seq}, batch {args.batch}, input {args.inputs}, "
        f"hidden {args.hidden}, layers {args.layers}; {flops / 1e9:.2f} GFLOP of GEMMs"
    )
    print(f"numpy float32 GEMM (1024^3): {gemm_gflops:.1f} GFLOP/s")
    result = {"gemm_gflops": gemm_gflops}
    for kind, ts in times.items():
        t = statistics.median(ts)
        gflops = flops / t / 1e9
        result[kind] = gflops / gemm_gflops
        print(
            f"{kind:>10}: {t * 1e3:7.1f} ms  {gflops:6.1f} GFLOP/s  "
            f"ratio to GEMM {gflops / gemm_gflops:.2f}x"
        )
    return result


if __name__ == "__main__":
    main()
