"""The framework's own cost per op call on tiny arrays, next to the bare numpy call, in one run.

Targets (issue "Core engine"): at most 5 us above numpy outside ``autograd.record()``, at most 12 us
inside. The numpy-mode rows (issue "mx.np") put each ``mx.np``/``mx.npx`` call next to its ``nd``
equivalent: at most 1 us apart. Run: ``python benchmarks/overhead.py``.
"""

from __future__ import annotations

import timeit
from functools import partial

import numpy as np

import hybrid as mx


def per_call_us(fn, number: int = 100_000, repeat: int = 5) -> float:
    """Best-of-``repeat`` mean time of one call, in microseconds."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def main() -> None:
    cases = [
        ("nd.relu (1,)", (1,), lambda xn: np.maximum(xn, 0), lambda x: mx.nd.relu(x)),
        (
            "nd.broadcast_add (2, 2)",
            (2, 2),
            lambda xn: np.add(xn, xn),
            lambda x: mx.nd.broadcast_add(x, x),
        ),
        ("x + y (2, 2)", (2, 2), lambda xn: np.add(xn, xn), lambda x: x + x),
    ]
    header = ("op", "numpy us", "eager us", "+over", "record us", "+over")
    print("{:26s} {:>9s} {:>9s} {:>7s} {:>10s} {:>7s}".format(*header))
    for label, shape, bare, ours in cases:
        x = mx.nd.ones(shape)
        xn = x.asnumpy()
        t_np = per_call_us(partial(bare, xn))
        t_eager = per_call_us(partial(ours, x))
        tracked = mx.nd.ones(shape)
        tracked.attach_grad()
        with mx.autograd.record():
            t_rec = per_call_us(partial(ours, tracked), number=20_000)
        print(
            f"{label:26s} {t_np:9.2f} {t_eager:9.2f} {t_eager - t_np:7.2f} "
            f"{t_rec:10.2f} {t_rec - t_np:7.2f}"
        )
    print("targets: +over <= 5 us eager, <= 12 us recording")
    numpy_mode_rows()


def numpy_mode_rows() -> None:
    """``mx.np`` calls against the ``nd`` calls running the same ops, eager."""
    np = mx.np
    cases = [
        ("x + y (2, 2)", lambda x: x + x, lambda x: x + x),
        ("x * 2 (2, 2)", lambda x: x * 2, lambda x: x * 2),
        ("exp (2, 2)", lambda x: mx.nd.exp(x), lambda x: np.exp(x)),
        ("maximum(x, y) (2, 2)", lambda x: mx.nd.maximum(x, x), lambda x: np.maximum(x, x)),
        ("sum axis=0 (2, 2)", lambda x: mx.nd.sum(x, axis=0), lambda x: np.sum(x, axis=0)),
        ("x[1] (2, 2)", lambda x: x[1], lambda x: x[1]),
        ("npx.relu (2, 2)", lambda x: mx.nd.relu(x), lambda x: mx.npx.relu(x)),
        ("npx.softmax (2, 2)", lambda x: mx.nd.softmax(x), lambda x: mx.npx.softmax(x)),
        # The eager ``F`` of numpy-mode layers: nd's ops without nd's np.ndarray check.
        ("F.relu (2, 2)", lambda x: mx.nd.relu(x), lambda x: mx.nd.unchecked.relu(x)),
    ]
    print("{:26s} {:>9s} {:>9s} {:>7s}".format("numpy mode", "nd us", "np us", "+np"))
    for label, nd_fn, np_fn in cases:
        t_nd = per_call_us(partial(nd_fn, mx.nd.ones((2, 2))))
        t_np = per_call_us(partial(np_fn, np.ones((2, 2))))
        print(f"{label:26s} {t_nd:9.2f} {t_np:9.2f} {t_np - t_nd:7.2f}")
    print("target: +np <= 1 us")


if __name__ == "__main__":
    main()
