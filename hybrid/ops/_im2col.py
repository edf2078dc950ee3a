"""Sliding-window helpers shared by Convolution, Deconvolution and Pooling.

Note [Convolution as GEMM]
A convolution reads, for every output pixel, a window of ``C * prod(kernel)`` input values. im2col
gathers those windows through a strided view of the padded input (no copying until the one copy
that makes them contiguous) in the layout ``(C, *kernel, N, *out)``: reshaped to
``(groups, C/groups * prod(kernel), N * prod(out))`` it is the right operand of a single batched
GEMM with the weight ``(groups, F/groups, C/groups * prod(kernel))``. Putting the batch next to
the pixels makes each group one large matrix product (BLAS does the work) instead of one product
per image. The backward of im2col, col2im, adds each kernel offset's slab back into the padded
gradient: a loop over kernel offsets only, each step vectorised over batch, channels and pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from math import prod
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..base import AttrError

__all__ = [
    "Window",
    "window_attrs",
    "conv_out_size",
    "pad_spatial",
    "crop_spatial",
    "offset_slices",
    "im2col",
    "col2im",
    "channel_major",
    "batch_major",
    "gemm",
    "correlate",
    "conv_adjoint",
]

Shape = tuple[int, ...]


class Window(NamedTuple):
    """Kernel, stride, dilation and padding of a sliding window, one entry per spatial dim."""

    kernel: Shape
    stride: Shape
    dilate: Shape
    pad: Shape


def window_attrs(
    op: str, kernel: Shape, stride: Shape, dilate: Shape = (), pad: Shape = ()
) -> Window:
    """Fill MXNet's defaults (stride 1, dilate 1, pad 0) and check lengths and signs."""
    nd = len(kernel)
    if not 1 <= nd <= 3:
        raise AttrError(f"{op}: kernel={kernel} must have 1, 2 or 3 dimensions")
    filled = []
    for name, value, default in (("stride", stride, 1), ("dilate", dilate, 1), ("pad", pad, 0)):
        value = tuple(value) or (default,) * nd
        if len(value) != nd:
            raise AttrError(f"{op}: {name}={value} has {len(value)} dims, kernel={kernel} has {nd}")
        filled.append(value)
    stride, dilate, pad = filled
    for name, value, low in (
        ("kernel", kernel, 1),
        ("stride", stride, 1),
        ("dilate", dilate, 1),
        ("pad", pad, 0),
    ):
        if min(value) < low:
            raise AttrError(f"{op}: {name}={value}, expected every entry >= {low}")
    return Window(tuple(kernel), stride, dilate, pad)


def conv_out_size(size: int, k: int, s: int, d: int, p: int) -> int:
    """Output length of a convolution window along one dim (0 stays unknown)."""
    return 0 if size == 0 else (size + 2 * p - d * (k - 1) - 1) // s + 1


def pad_spatial(x: np.ndarray, before: Shape, after: Shape, value: float = 0) -> np.ndarray:
    """``x`` with its trailing ``len(before)`` axes padded by ``value``; ``x`` itself if no pad."""
    if not any(before) and not any(after):
        return x
    lead = x.ndim - len(before)
    shape = x.shape[:lead] + tuple(n + a + b for n, a, b in zip(x.shape[lead:], before, after))
    out = np.full(shape, value, dtype=x.dtype)
    out[(Ellipsis, *(slice(a, a + n) for a, n in zip(before, x.shape[lead:])))] = x
    return out


def crop_spatial(x: np.ndarray, before: Shape, sizes: Shape) -> np.ndarray:
    """The window ``[before, before + sizes)`` of the trailing axes of ``x`` (a view)."""
    if not any(before) and x.shape[x.ndim - len(sizes) :] == tuple(sizes):
        return x
    return x[(Ellipsis, *(slice(a, a + n) for a, n in zip(before, sizes)))]


def offset_slices(
    kernel: Shape, stride: Shape, dilate: Shape, out: Shape
) -> Iterator[tuple[Shape, tuple[slice, ...]]]:
    """For each kernel offset: the offset and the spatial slices of the padded input it reads."""
    for off in np.ndindex(*kernel):
        yield (
            off,
            tuple(
                slice(o * d, o * d + s * (m - 1) + 1, s)
                for o, d, s, m in zip(off, dilate, stride, out)
            ),
        )


def _windows(xp: np.ndarray, kernel: Shape, stride: Shape, dilate: Shape, out: Shape) -> np.ndarray:
    """Read-only view ``(N, C, *kernel, *out)`` of the padded input ``xp``: no copy."""
    st = xp.strides
    strides = (
        st[0],
        st[1],
        *(a * d for a, d in zip(st[2:], dilate)),
        *(a * s for a, s in zip(st[2:], stride)),
    )
    return as_strided(xp, xp.shape[:2] + kernel + out, strides, writeable=False)


def im2col(xp: np.ndarray, kernel: Shape, stride: Shape, dilate: Shape, out: Shape) -> np.ndarray:
    """Windows of the padded ``xp`` as a contiguous ``(C, *kernel, N, *out)`` array.

    See Note [Convolution as GEMM].
    """
    nd = len(kernel)
    view = _windows(xp, kernel, stride, dilate, out)  # (N, C, *kernel, *out)
    perm = (1, *range(2, 2 + nd), 0, *range(2 + nd, 2 + 2 * nd))
    return np.ascontiguousarray(view.transpose(perm))  # (C, *kernel, N, *out)


def col2im(cols: np.ndarray, padded: Shape, stride: Shape, dilate: Shape) -> np.ndarray:
    """Inverse-accumulate of :func:`im2col`: ``(C, *kernel, N, *out)`` -> ``(N, C, *padded)``.

    Every window element is added back where it was read, so overlapping windows sum.
    """
    nd = len(padded)
    c, n = cols.shape[0], cols.shape[1 + nd]
    kernel, out = cols.shape[1 : 1 + nd], cols.shape[2 + nd :]
    gx = np.zeros((n, c, *padded), dtype=cols.dtype)
    for off, sl in offset_slices(kernel, stride, dilate, out):
        gx[(slice(None), slice(None), *sl)] += cols[(slice(None), *off)].swapaxes(0, 1)
    return gx


def channel_major(x: np.ndarray) -> np.ndarray:
    """``(N, C, *sp)`` -> contiguous ``(C, N, *sp)``: see Note [Convolution as GEMM]."""
    return np.ascontiguousarray(x.swapaxes(0, 1))


def batch_major(y: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """``(F, N, *sp)`` -> contiguous ``(N, F, *sp)``, adding ``bias`` (F,) in the same pass."""
    out = np.empty((y.shape[1], y.shape[0], *y.shape[2:]), dtype=y.dtype)
    if bias is None:
        np.copyto(out, y.swapaxes(0, 1))
    else:
        np.add(y.swapaxes(0, 1), bias.reshape((-1,) + (1,) * (y.ndim - 2)), out=out)
    return out


def gemm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` per group, ``(G, R, K) @ (G, K, M)``; one plain 2-D product when G == 1, which
    BLAS runs faster than numpy's stacked matmul loop.
    """
    return (a[0] @ b[0])[None] if a.shape[0] == 1 else np.matmul(a, b)


def correlate(
    x: np.ndarray, w3: np.ndarray, win: Window, before: Shape, after: Shape, out: Shape
) -> tuple[np.ndarray, np.ndarray]:
    """Grouped correlation of ``x`` ``(N, C, *sp)`` padded by ``before``/``after`` with ``w3``
    ``(G, F/G, C/G * K)``: returns ``y`` ``(F, N, *out)`` and the columns
    ``(G, C/G * K, N * P)`` (see Note [Convolution as GEMM]).
    """
    g, n = w3.shape[0], x.shape[0]
    xp = pad_spatial(x, before, after)
    cols = im2col(xp, win.kernel, win.stride, win.dilate, out)  # (C, *k, N, *out)
    cols = cols.reshape(g, -1, n * prod(out))  # (G, C/G * K, N * P)
    y = gemm(w3, cols)  # (G, F/G, N * P)
    return y.reshape(-1, n, *out), cols  # (F, N, *out)


def _flipped(w: np.ndarray, groups: int) -> np.ndarray:
    """``(F, C/G, *k)`` -> ``(G, C/G, F/G * K)``: channels swapped within groups, kernel flipped."""
    f, cg, kernel = w.shape[0], w.shape[1], w.shape[2:]
    wf = np.flip(w, axis=tuple(range(2, w.ndim))).reshape(groups, f // groups, cg, *kernel)
    return wf.swapaxes(1, 2).reshape(groups, cg, -1)  # (G, C/G, F/G * K)


def conv_adjoint(
    gy: np.ndarray,
    w: np.ndarray,
    groups: int,
    win: Window,
    before: Shape,
    size: Shape,
    bias: np.ndarray | None = None,
) -> np.ndarray:
    """Adjoint of the correlation ``x -> y`` with weight ``w`` ``(F, C/G, *k)``, input ``x``
    ``(N, C, *size)`` padded by ``before``: ``gy`` ``(N, F, *out)`` -> ``(N, C, *size)``.

    Convolution's data gradient and Deconvolution's forward. With stride 1 it is itself a
    correlation, of ``gy`` padded by the dilated kernel span with the flipped kernel (one im2col
    and one GEMM); otherwise, or when ``gy`` has many more channels than the result (its columns
    would dwarf the result's), one GEMM then col2im.
    """
    n, f, out = gy.shape[0], gy.shape[1], gy.shape[2:]
    span = tuple(d * (k - 1) for k, d in zip(win.kernel, win.dilate))
    left = tuple(sp - b for sp, b in zip(span, before))
    right = tuple(sz + sp - lo - o for sz, sp, lo, o in zip(size, span, left, out))
    c = w.shape[1] * groups
    # NOTE: the crossover of the two routes, measured: F <= 1.5 C favours the correlation.
    if max(win.stride) == 1 and min(left + right) >= 0 and 2 * f <= 3 * c:
        y, _ = correlate(gy, _flipped(w, groups), win, left, right, size)  # (C, N, *size)
        return batch_major(y, bias)
    w3 = w.reshape(groups, f // groups, -1)  # (G, F/G, C/G * K)
    gy3 = channel_major(gy).reshape(groups, f // groups, -1)  # (G, F/G, N * P)
    gcols = gemm(w3.transpose(0, 2, 1), gy3).reshape(c, *win.kernel, n, *out)  # (C, *k, N, *out)
    buf = tuple(
        max(b + sz, (o - 1) * s + sp + 1)
        for b, sz, o, s, sp in zip(before, size, out, win.stride, span)
    )
    gx = crop_spatial(col2im(gcols, buf, win.stride, win.dilate), before, size)  # (N, C, *size)
    if bias is None:
        return gx
    return gx + bias.reshape((-1,) + (1,) * len(size))
