"""Strided max pooling on stride phases: every window offset reads a contiguous slice.

Note [Max pooling on stride phases]
A window offset of a strided pooling reads every s-th element of the padded data, and numpy's
strided inner loops run several times slower than contiguous ones (ResNet-18's 3x3/2 max pooling
at batch 8: 41 ms forward, 94 ms backward). Cut into stride phases instead, ``xq[a, b, n, c, i,
j] = padded[n, c, s*i + a, s*j + b]`` (one copy), offset ``k`` of a dim reads phase ``k % s``
from position ``k // s`` on, contiguously. The backward accumulates in the same layout and puts
the phases back together once. Same results, ties included (offsets are visited in the same
order); on ResNet-18's pooling the forward ran 1.5x and the backward 1.8x faster.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["phase_max_pool", "phase_max_pool_grad"]


def _sizes(stride: tuple, kernel: tuple, out: tuple) -> tuple:
    """Per spatial dim, the phase length: the windows' reach rounded up to the stride."""
    return tuple(-(-((o - 1) * s + k) // s) for o, s, k in zip(out, stride, kernel))


def _offsets(kernel: tuple, stride: tuple, out: tuple) -> Iterator[tuple]:
    """Index of each kernel offset's window slice into the phases ``(*S, N, C, *M)``."""
    for off in np.ndindex(*kernel):
        phase = tuple(k % s for k, s in zip(off, stride))
        yield phase + (slice(None), slice(None)) + tuple(
            slice(k // s, k // s + o) for k, s, o in zip(off, stride, out)
        )


def _interleaved(q: np.ndarray, nd: int) -> np.ndarray:
    """View of the phases ``(*S, N, C, *M)`` as ``(N, C, M1, S1, M2, S2, ...)``."""
    perm = [nd, nd + 1]
    for i in range(nd):
        perm += [nd + 2 + i, i]
    return q.transpose(perm)


def _padded(buf: Any, key: str, lead: tuple, m: tuple, stride: tuple, dtype: Any) -> tuple:
    """A buffer in the padded layout ``(*lead, *full)`` and its view ``(*lead, M1, S1, ...)``."""
    full = tuple(a * s for a, s in zip(m, stride))
    flat = buf.scratch(key, lead + full, dtype)
    return flat, flat.reshape(lead + tuple(v for a, s in zip(m, stride) for v in (a, s)))


def _reaches(x_shape: tuple, full: tuple, before: tuple) -> tuple[tuple, tuple, bool]:
    """(slices of the data, the matching slices of the padded layout, whether the windows
    reach all the data).
    """
    n = tuple(min(x, f - b) for x, f, b in zip(x_shape[2:], full, before))
    data = (Ellipsis, *(slice(0, k) for k in n))
    padded = (Ellipsis, *(slice(b, b + k) for b, k in zip(before, n)))
    return data, padded, n == tuple(x_shape[2:])


def phase_max_pool(
    x: np.ndarray, kernel: tuple, stride: tuple, before: tuple, out: tuple, buf: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Max pooling of ``x`` ``(N, C, *sp)`` padded by ``before`` (with the lowest value):
    ``(y, phases)``; ``phases`` is what :func:`phase_max_pool_grad` needs.
    """
    nd = len(stride)
    m = _sizes(stride, kernel, out)
    padded, split = _padded(buf, "padded", x.shape[:2], m, stride, x.dtype)
    padded.fill(np.finfo(x.dtype).min)
    data, window, _ = _reaches(x.shape, padded.shape[2:], before)
    padded[window] = x[data]
    q = buf.empty("phases", (*stride, *x.shape[:2], *m), x.dtype)  # (*S, N, C, *M)
    np.copyto(_interleaved(q, nd), split)
    offsets = _offsets(kernel, stride, out)
    y = buf.empty("y", x.shape[:2] + tuple(out), x.dtype)
    np.copyto(y, q[next(offsets)])
    for sl in offsets:
        np.maximum(y, q[sl], out=y)
    return y, q


def phase_max_pool_grad(
    q: np.ndarray, y: np.ndarray, gy: np.ndarray, kernel: tuple, stride: tuple, before: tuple,
    x_shape: tuple, buf: Any,
) -> np.ndarray:
    """Data gradient of :func:`phase_max_pool`: each window's gradient goes to its first
    maximum (MXNet's rule on ties).
    """
    nd = len(stride)
    gq = buf.scratch("gphases", q.shape, gy.dtype)
    gq.fill(0)
    free = buf.scratch("free", y.shape, np.bool_)  # windows whose gradient is not routed yet
    free.fill(True)
    hit = buf.scratch("hit", y.shape, np.bool_)
    routed = buf.scratch("routed", y.shape, gy.dtype)
    for sl in _offsets(kernel, stride, y.shape[2:]):
        np.equal(q[sl], y, out=hit)
        hit &= free
        free ^= hit
        gq[sl] += np.multiply(gy, hit, out=routed)
    m = q.shape[nd + 2 :]
    padded, split = _padded(buf, "gpadded", x_shape[:2], m, stride, gy.dtype)
    np.copyto(split, _interleaved(gq, nd))
    data, window, whole = _reaches(x_shape, padded.shape[2:], before)
    gx = buf.empty("gx", x_shape, gy.dtype)
    if not whole:
        gx.fill(0)  # data no window reaches
    gx[data] = padded[window]
    return gx
