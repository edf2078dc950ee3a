"""Allreduce of a ResNet-18-sized gradient set on 2 MPI processes: hybrid's bucketed ``pushpull``
versus one call per parameter, next to MPI's own Allreduce of one flat buffer of the same size.

::

    python benchmarks/allreduce.py            # starts itself on 2 workers with hybrid-run
    hybrid-run -np 2 python benchmarks/allreduce.py --rounds 20

The gradients have the shapes of ``resnet18_v1``'s trainable parameters (62 arrays, 11.7 M
float32). Each round times every method once, in turn (rotating which goes first), after a
barrier; a method's time is the slowest worker's, and the report gives the median over the rounds
and its ratio to the flat buffer's. Target: bucketed within 1.2x of flat. On a busy machine every
extra collective call waits for both processes to be scheduled, so run it on an idle one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

import numpy as np


def resnet18_v1_grad_shapes(classes: int = 1000) -> list[tuple[int, ...]]:
    """Shapes of resnet18_v1's parameters that get gradients (BatchNorm's running statistics
    do not), in the order the network declares them.
    """
    shapes: list[tuple[int, ...]] = [(64, 3, 7, 7), (64,), (64,)]  # conv0, batchnorm0
    in_channels = 64
    for stage, channels in enumerate((64, 128, 256, 512)):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            shapes += [(channels, in_channels, 3, 3), (channels,), (channels,)]
            shapes += [(channels, channels, 3, 3), (channels,), (channels,)]
            if stride != 1 or in_channels != channels:
                shapes += [(channels, in_channels, 1, 1), (channels,), (channels,)]
            in_channels = channels
    return shapes + [(classes, 512), (classes,)]


def _time_once(fn: Callable[[], None], comm, times: list[float]) -> None:
    """Append the slowest worker's time for one call of ``fn``, started after a barrier."""
    from mpi4py import MPI

    comm.Barrier()
    start = time.perf_counter()
    fn()
    times.append(comm.allreduce(time.perf_counter() - start, op=MPI.MAX))


def _bucketed(kv, keys: list[int], grads: list, bucket_bytes: int) -> Callable[[], None]:
    def call() -> None:
        kv.bucket_bytes = bucket_bytes
        kv.pushpull(keys, grads)

    return call


def run(rounds: int, bucket_mb: list[float]) -> None:
    from mpi4py import MPI

    from hybrid import kvstore, nd

    kv = kvstore.create("dist_sync")
    comm = MPI.COMM_WORLD.Dup()
    rng = np.random.default_rng(kv.rank)
    shapes = resnet18_v1_grad_shapes()
    grads = [nd.array(rng.standard_normal(s).astype(np.float32)) for s in shapes]
    keys = list(range(len(grads)))
    flat = np.concatenate([g.asnumpy().ravel() for g in grads])

    def per_parameter() -> None:
        for k, g in zip(keys, grads):
            kv.pushpull(k, g)

    methods = {
        f"bucketed pushpull ({mb:g} MiB buckets)": _bucketed(kv, keys, grads, int(mb * 2**20))
        for mb in bucket_mb
    }
    methods.update(
        {
            "one pushpull per parameter": per_parameter,
            "MPI Allreduce of one flat buffer": lambda: comm.Allreduce(MPI.IN_PLACE, flat),
        }
    )
    times: dict[str, list[float]] = {name: [] for name in methods}
    for fn in methods.values():  # warm-up: buffers, MPI connections
        fn()
    order = list(methods.items())
    for r in range(rounds):  # a different method goes first in each round
        for name, fn in order[r % len(order) :] + order[: r % len(order)]:
            _time_once(fn, comm, times[name])
    if kv.rank == 0:
        report(times, len(shapes), flat.size, kv.num_workers, rounds)


def report(times: dict[str, list[float]], arrays: int, floats: int, workers: int, rounds: int):
    medians = {name: float(np.median(t)) for name, t in times.items()}
    flat = medians["MPI Allreduce of one flat buffer"]
    print(
        f"allreduce of {arrays} arrays, {floats / 1e6:.2f} M float32 ({floats * 4 / 2**20:.1f} "
        f"MiB), {workers} processes, median of {rounds} rounds"
    )
    for name, seconds in medians.items():
        print(f"  {name:44s} {seconds * 1e3:8.2f} ms   {seconds / flat:5.2f}x flat")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds per method")
    parser.add_argument(
        "--bucket-mb", type=float, nargs="+", default=[4.0], help="bucket sizes in MiB to time"
    )
    parser.add_argument("-np", type=int, default=2, help="workers when started without MPI")
    args = parser.parse_args(argv)
    from hybrid.kvstore.mpi import launcher_rank_size

    if launcher_rank_size() is None:
        from hybrid.kvstore import launch

        rest = ["--rounds", str(args.rounds), "--bucket-mb", *map(str, args.bucket_mb)]
        launch.main(["-np", str(args.np), sys.executable, os.path.abspath(__file__), *rest])
    run(args.rounds, args.bucket_mb)


if __name__ == "__main__":
    main()
