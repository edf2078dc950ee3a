"""Sliding-window helpers shared by Convolution, Deconvolution and Pooling.

Note [Convolution as GEMM]
A convolution reads, for every output pixel, a window of ``C * prod(kernel)`` input values. im2col
gathers those windows through a strided view of the padded input (no copying until the one copy
that makes them contiguous) in the layout ``(C, *kernel, N, *out)``: reshaped to
``(groups, C/groups * prod(kernel), N * prod(out))`` it is the right operand of a single batched
GEMM with the weight ``(groups, F/groups, C/groups * prod(kernel))``. Putting the batch next to
the pixels makes each group one large matrix product (BLAS does the work) instead of one product
per image; the result comes out channel-major, ``(F, N, *out)``. When each image has many output
pixels (``batch_first(out)``), the per-image layout wins instead: columns ``(N, C, *kernel,
*out)`` (the window view's own order, so the copy runs along memory), one stacked product per
image whose operands stay in cache, and a batch-major result ``(N, F, *out)`` that needs no
transpose. The backward of im2col, col2im, adds each kernel offset's slab back into the padded
gradient: a loop over kernel offsets only, each step vectorised over batch, channels and pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from math import prod
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..base import AttrError
from ._buffers import FRESH

__all__ = [
    "Window",
    "window_attrs",
    "conv_out_size",
    "pad_spatial",
    "crop_spatial",
    "offset_slices",
    "batch_first",
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


@lru_cache(maxsize=1024)
def window_attrs(
    op: str, kernel: Shape, stride: Shape, dilate: Shape = (), pad: Shape = ()
) -> Window:
    """Fill MXNet's defaults (stride 1, dilate 1, pad 0) and check lengths and signs. Cached:
    every op call asks, and batch-1 inference feels the checks.
    """
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


def pad_spatial(
    x: np.ndarray, before: Shape, after: Shape, value: float = 0, buf: Any = FRESH
) -> np.ndarray:
    """``x`` with its trailing ``len(before)`` axes padded by ``value``; ``x`` itself if no pad.

    ``buf`` allocates the result (see Note [Planned buffers] in ``_buffers.py``), as in every
    helper below that takes it.
    """
    if not any(before) and not any(after):
        return x
    lead = x.ndim - len(before)
    shape = x.shape[:lead] + tuple(n + a + b for n, a, b in zip(x.shape[lead:], before, after))
    out = buf.empty("pad", shape, x.dtype)
    out.fill(value)
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


# NOTE: measured on LeNet's convolutions at batch 64: with 784 output pixels per image the
# per-image products run about 3x faster than one large product; with 100 they are even.
_PER_IMAGE_PIXELS = 256


def batch_first(out: Shape) -> bool:
    """Whether a convolution with output spatial dims ``out`` uses the per-image layout (see
    Note [Convolution as GEMM]).
    """
    return prod(out) >= _PER_IMAGE_PIXELS


def im2col(
    xp: np.ndarray,
    kernel: Shape,
    stride: Shape,
    dilate: Shape,
    out: Shape,
    buf: Any = FRESH,
    per_image: bool = False,
) -> np.ndarray:
    """Windows of the padded ``xp`` as a contiguous ``(C, *kernel, N, *out)`` array, or
    ``(N, C, *kernel, *out)`` with ``per_image``. See Note [Convolution as GEMM].
    """
    nd = len(kernel)
    view = _windows(xp, kernel, stride, dilate, out)  # (N, C, *kernel, *out)
    if not per_image:
        perm = (1, *range(2, 2 + nd), 0, *range(2 + nd, 2 + 2 * nd))
        view = view.transpose(perm)  # (C, *kernel, N, *out)
    if view.flags.c_contiguous:
        return view
    cols = buf.empty("cols", view.shape, xp.dtype)
    np.copyto(cols, view)
    return cols


def col2im(
    cols: np.ndarray,
    padded: Shape,
    stride: Shape,
    dilate: Shape,
    buf: Any = FRESH,
    per_image: bool = False,
) -> np.ndarray:
    """Inverse-accumulate of :func:`im2col`: ``(C, *kernel, N, *out)`` -> ``(C, N, *padded)``,
    or with ``per_image`` ``(N, C, *kernel, *out)`` -> ``(N, C, *padded)``: the leading axes
    stay in the columns' order, so every slab adds along memory. Channel-major results are
    scratch (the caller transposes them).

    Every window element is added back where it was read, so overlapping windows sum.
    """
    nd = len(padded)
    out = cols.shape[2 + nd :]
    if per_image:
        lead, kernel = cols.shape[:2], cols.shape[2 : 2 + nd]
    else:
        lead, kernel = (cols.shape[0], cols.shape[1 + nd]), cols.shape[1 : 1 + nd]
    acc = (buf.empty if per_image else buf.scratch)("col2im", (*lead, *padded), cols.dtype)
    acc.fill(0)
    for off, sl in offset_slices(kernel, stride, dilate, out):
        if per_image:
            slab = cols[(slice(None), slice(None), *off)]  # (N, C, *out)
        else:
            slab = cols[(slice(None), *off)]  # (C, N, *out)
        acc[(slice(None), slice(None), *sl)] += slab
    return acc


def channel_major(x: np.ndarray, buf: Any = FRESH, scratch: bool = False) -> np.ndarray:
    """``(N, C, *sp)`` -> contiguous ``(C, N, *sp)``: see Note [Convolution as GEMM]. With
    ``scratch`` the result is a scratch buffer (it must die before the caller returns).
    """
    view = x.swapaxes(0, 1)
    if view.flags.c_contiguous:
        return view
    out = (buf.scratch if scratch else buf.empty)("channel_major", view.shape, x.dtype)
    np.copyto(out, view)
    return out


def batch_major(
    y: np.ndarray, bias: np.ndarray | None = None, buf: Any = FRESH, key: str = "batch_major"
) -> np.ndarray:
    """``(F, N, *sp)`` -> contiguous ``(N, F, *sp)``, adding ``bias`` (F,) in the same pass."""
    out = buf.empty(key, (y.shape[1], y.shape[0], *y.shape[2:]), y.dtype)
    if bias is None:
        np.copyto(out, y.swapaxes(0, 1))
    else:
        np.add(y.swapaxes(0, 1), bias.reshape((-1,) + (1,) * (y.ndim - 2)), out=out)
    return out


def gemm(
    a: np.ndarray, b: np.ndarray, buf: Any = FRESH, key: str = "gemm", scratch: bool = False
) -> np.ndarray:
    """``a @ b`` per group, ``(G, R, K) @ (G, K, M)``; one plain 2-D product when G == 1, which
    BLAS runs faster than numpy's stacked matmul loop.
    """
    alloc = buf.scratch if scratch else buf.empty
    out = alloc(key, (a.shape[0], a.shape[1], b.shape[2]), np.result_type(a, b))
    if a.shape[0] == 1:
        np.matmul(a[0], b[0], out=out[0])
    else:
        np.matmul(a, b, out=out)
    return out


def correlate(
    x: np.ndarray,
    w3: np.ndarray,
    win: Window,
    before: Shape,
    after: Shape,
    out: Shape,
    buf: Any = FRESH,
    per_image: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Grouped correlation of ``x`` ``(N, C, *sp)`` padded by ``before``/``after`` with ``w3``
    ``(G, F/G, C/G * K)``: returns ``y`` ``(F, N, *out)`` and the columns
    ``(G, C/G * K, N * P)``, or with ``per_image`` ``y`` ``(N, F, *out)`` and the columns
    ``(N, G, C/G * K, P)`` (see Note [Convolution as GEMM]).
    """
    g, n, p = w3.shape[0], x.shape[0], prod(out)
    xp = pad_spatial(x, before, after, buf=buf)
    cols = im2col(xp, win.kernel, win.stride, win.dilate, out, buf, per_image)
    if not per_image:
        cols = cols.reshape(g, -1, n * p)  # (G, C/G * K, N * P)
        y = gemm(w3, cols, buf)  # (G, F/G, N * P)
        return y.reshape(-1, n, *out), cols  # (F, N, *out)
    cols = cols.reshape(n, g, -1, p)  # (N, G, C/G * K, P)
    y = buf.empty("gemm", (n, g, w3.shape[1], p), np.result_type(w3, cols))
    np.matmul(w3, cols, out=y)  # (N, G, F/G, P)
    return y.reshape(n, -1, *out), cols  # (N, F, *out)


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
    buf: Any = FRESH,
    gy_cm: np.ndarray | None = None,
) -> np.ndarray:
    """Adjoint of the correlation ``x -> y`` with weight ``w`` ``(F, C/G, *k)``, input ``x``
    ``(N, C, *size)`` padded by ``before``: ``gy`` ``(N, F, *out)`` -> ``(N, C, *size)``.

    Convolution's data gradient and Deconvolution's forward. With stride 1 it is itself a
    correlation, of ``gy`` padded by the dilated kernel span with the flipped kernel (one im2col
    and one GEMM); otherwise, or when ``gy`` has many more channels than the result (its columns
    would dwarf the result's), one GEMM then col2im. ``gy_cm``, when the caller has it, is
    ``gy`` in the channel-major layout ``(F, N, *out)``; ``gy`` may then be None.
    """
    if gy is None:
        f, n, out = gy_cm.shape[0], gy_cm.shape[1], gy_cm.shape[2:]
    else:
        n, f, out = gy.shape[0], gy.shape[1], gy.shape[2:]
    span = tuple(d * (k - 1) for k, d in zip(win.kernel, win.dilate))
    left = tuple(sp - b for sp, b in zip(span, before))
    right = tuple(sz + sp - lo - o for sz, sp, lo, o in zip(size, span, left, out))
    c = w.shape[1] * groups
    # NOTE: the crossover of the two routes, measured: F <= 1.5 C favours the correlation.
    if max(win.stride) == 1 and min(left + right) >= 0 and 2 * f <= 3 * c:
        gy = batch_major(gy_cm, None, buf, "gy") if gy is None else gy
        per_image = batch_first(size)
        y, _ = correlate(gy, _flipped(w, groups), win, left, right, size, buf, per_image)
        if not per_image:
            return batch_major(y, bias, buf)  # y was (C, N, *size)
        return y if bias is None else np.add(y, bias.reshape((-1,) + (1,) * len(size)), out=y)
    w3t = w.reshape(groups, f // groups, -1).transpose(0, 2, 1)  # (G, C/G * K, F/G)
    per_image = gy is not None and batch_first(out)
    if per_image:
        gy4 = gy.reshape(n, groups, f // groups, -1)  # (N, G, F/G, P)
        gcols = buf.scratch("gcols", (n, groups, w3t.shape[1], gy4.shape[3]), gy.dtype)
        gcols = np.matmul(w3t, gy4, out=gcols).reshape(n, c, *win.kernel, *out)
    else:
        gy_cm = channel_major(gy, buf, scratch=True) if gy_cm is None else gy_cm
        gy3 = gy_cm.reshape(groups, f // groups, -1)  # (G, F/G, N * P)
        gcols = gemm(w3t, gy3, buf, "gcols", scratch=True)
        gcols = gcols.reshape(c, *win.kernel, n, *out)  # (C, *k, N, *out)
    full = tuple(
        max(b + sz, (o - 1) * s + sp + 1)
        for b, sz, o, s, sp in zip(before, size, out, win.stride, span)
    )
    gx = crop_spatial(col2im(gcols, full, win.stride, win.dilate, buf, per_image), before, size)
    if not per_image:
        return batch_major(gx, bias, buf, "gx")  # gx was (C, N, *size)
    if bias is None:
        return gx  # (N, C, *size)
    return gx + bias.reshape((-1,) + (1,) * len(size))
