"""Where ops put their large temporaries: fresh arrays in eager calls, planned buffers in a graph.

Note [Planned buffers]
A training step of a convolutional net allocates tens of megabytes of short-lived arrays (im2col
columns, GEMM results, pooling masks, their gradients). Fresh allocations of that size come from
the kernel and page-fault on first touch, which costs about a third of a LeNet step. In the
recorded runs of a hybridized block the executor gives each step an :class:`Arena` (on
``ctx.arena``) whose buffers are kept from run to run, so only the first run faults. Ops ask for
their temporaries through :func:`buffers` with a key naming what the buffer holds; without an arena
(eager calls) they get fresh arrays and behave exactly as before. ``empty``/``zeros`` give a buffer
of the step that may outlive the call (an output, something saved for backward, a returned
gradient); ``scratch`` gives one that dies before the call returns, carved from one buffer that
every step of a run starts over (:class:`Scratch`), so the run's scratch costs the largest step's
total rather than the sum over steps. Inference runs use no arena:
their intermediates die step by step, and arenas would keep them all. The executor owns the
lifetimes: a run's arenas stay leased until its saved contexts are freed (after backward), and
arrays it hands back to the caller never alias an arena (see ``hybrid.graph.executor``).
"""

from __future__ import annotations

import ctypes
import sys
import threading
from math import prod
from typing import Any

import numpy as np

__all__ = [
    "Arena",
    "Scratch",
    "FRESH",
    "buffers",
    "loop_scratch",
    "keep_freed_memory",
]

Shape = tuple[int, ...]


class _Fresh:
    """Eager allocation: a new array per request."""

    def empty(self, key: str, shape: Shape, dtype: Any) -> np.ndarray:
        return np.empty(shape, dtype)

    def zeros(self, key: str, shape: Shape, dtype: Any) -> np.ndarray:
        return np.zeros(shape, dtype)

    scratch = empty


FRESH = _Fresh()


class Scratch:
    """Buffers that die within one op call, shared by the steps of a run: carved in turn from one
    flat buffer, from its start again at each step (:meth:`release` to 0), so the steps' scratch
    costs the largest step's total rather than the sum over steps.
    """

    __slots__ = ("_flat", "_used", "owned")

    _ALIGN = 64  # bytes: each buffer starts on a cache line

    def __init__(self, owned: set[int]):
        self._flat = np.empty(0, np.uint8)
        self._used = 0
        self.owned = owned

    def get(self, shape: Shape, dtype: Any) -> np.ndarray:
        dtype = np.dtype(dtype)
        nbytes = prod(shape) * dtype.itemsize
        start = self._used
        self._used = -(-(start + nbytes) // self._ALIGN) * self._ALIGN
        if self._used > self._flat.nbytes:
            # A larger buffer from here on; what this call carved before keeps the old one
            # alive until it is dropped.
            self.owned.discard(id(self._flat))
            self._flat = np.empty(self._used, np.uint8)
            self.owned.add(id(self._flat))
        return self._flat[start : start + nbytes].view(dtype).reshape(shape)

    def mark(self) -> int:
        """Where the next buffer starts: :meth:`release` to it frees every buffer after it."""
        return self._used

    def release(self, mark: int) -> None:
        self._used = mark


class _Scope:
    """The buffers of one arena under one key prefix (an op's forward or backward)."""

    __slots__ = ("arena", "prefix")

    def __init__(self, arena: Arena, prefix: str):
        self.arena, self.prefix = arena, prefix

    def empty(self, key: str, shape: Shape, dtype: Any) -> np.ndarray:
        return self.arena.get((self.prefix, key), shape, dtype)

    def zeros(self, key: str, shape: Shape, dtype: Any) -> np.ndarray:
        buf = self.arena.get((self.prefix, key), shape, dtype)
        buf.fill(0)
        return buf

    def scratch(self, key: str, shape: Shape, dtype: Any) -> np.ndarray:
        return self.arena.scratch.get(shape, dtype)


class Arena:
    """Buffers of one graph step, kept across runs: see Note [Planned buffers].

    ``scratch`` is the run's shared :class:`Scratch`; ``owned`` (shared by the arenas of one
    executor) collects the ids of every buffer handed out, so the executor can tell when an array
    it returns is one of them.
    """

    __slots__ = ("_bufs", "_scopes", "_children", "scratch", "owned")

    def __init__(self, scratch: Scratch):
        self._bufs: dict[tuple, np.ndarray] = {}
        self._scopes: dict[str, _Scope] = {}
        self._children: dict[str, Arena] = {}
        self.scratch, self.owned = scratch, scratch.owned

    def get(self, key: tuple, shape: Shape, dtype: Any) -> np.ndarray:
        """The buffer stored under ``key``, (re)allocated when its shape or dtype differ."""
        buf = self._bufs.get(key)
        if buf is None or buf.shape != shape or buf.dtype != dtype:
            buf = self._bufs[key] = np.empty(shape, dtype)
            self.owned.add(id(buf))
        return buf

    def scope(self, prefix: str) -> _Scope:
        s = self._scopes.get(prefix)
        if s is None:
            s = self._scopes[prefix] = _Scope(self, prefix)
        return s

    def child(self, name: str) -> Arena:
        """A separate arena for an op run inside this step's op (a fused node's parts)."""
        c = self._children.get(name)
        if c is None:
            c = self._children[name] = Arena(self.scratch)
        return c


def buffers(ctx: Any, prefix: str) -> _Fresh | _Scope:
    """The allocator for the call saved in ``ctx``: fresh arrays, or its arena's buffers under
    ``prefix`` (distinct prefixes keep, say, a forward's saved columns apart from the backward's
    temporaries).
    """
    arena = getattr(ctx, "arena", None)
    return FRESH if arena is None else arena.scope(prefix)


class _LoopScratch:
    """Scratch for the passes of a loop, as a context (see :func:`loop_scratch`)."""

    __slots__ = ("_scratch", "_mark")

    def __init__(self, scratch: Scratch):
        self._scratch = scratch

    def __enter__(self) -> _LoopScratch:
        self._mark = self._scratch.mark()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._scratch.release(self._mark)

    def scratch(self, key: str, shape: Shape, dtype: Any) -> np.ndarray:
        return self._scratch.get(shape, dtype)

    empty = scratch

    def next_pass(self) -> None:
        """Free the buffers of the pass that ended (its arrays must be dropped)."""
        self._scratch.release(self._mark)


_eager = threading.local()  # each thread's scratch for the loops of eager calls


def loop_scratch(buf: Any) -> _LoopScratch:
    """Scratch for a loop whose every pass drops its buffers before the next (``next_pass``
    between passes), used as ``with loop_scratch(buf) as tmp``. In a graph step it is the run's
    scratch; eager calls (``buf`` is FRESH) share one scratch per thread, kept from call to call:
    fresh buffers per call page-faulted, and slowed eager LeNet training by half.
    """
    if buf is not FRESH:
        return _LoopScratch(buf.arena.scratch)
    scratch = getattr(_eager, "scratch", None)
    if scratch is None:
        scratch = _eager.scratch = Scratch(set())
    return _LoopScratch(scratch)


# Note [Keeping freed memory]
# The arrays a training step makes outside the arenas (BatchNorm's and activations' outputs and
# saved values, gradients) are freed by the end of the step. glibc hands large blocks back to the
# kernel (blocks over the mmap threshold are unmapped at once; the heap's top is trimmed past
# 128 KiB free), so the next step page-faults every one of them in again: ResNet-20 at batch 32
# took 18,000 minor faults and about 50 ms of system time per step, 15-20% of its CPU time.
# Like MXNet's ``static_alloc``, a process that runs recorded graph steps keeps that memory for
# reuse instead: blocks up to 32 MiB come from the heap and the heap is trimmed only past
# 512 MiB free. Peak RSS does not change (the step reaches the same peak either way); only the
# memory stays mapped between steps. Other C libraries (musl, macOS) are left as they are.
_MMAP_THRESHOLD, _TRIM_THRESHOLD = -3, -1  # glibc's mallopt parameters
_kept: list[bool] = []


def keep_freed_memory() -> bool:
    """Tell glibc's malloc to keep freed blocks for reuse (once per process; see Note [Keeping
    freed memory]). Whether it is in effect: False without glibc.
    """
    if not _kept:
        try:
            mallopt = ctypes.CDLL("libc.so.6").mallopt if sys.platform == "linux" else None
        except (OSError, AttributeError):
            mallopt = None
        _kept.append(
            mallopt is not None
            and bool(mallopt(_MMAP_THRESHOLD, 32 << 20))
            and bool(mallopt(_TRIM_THRESHOLD, 512 << 20))
        )
    return _kept[0]
