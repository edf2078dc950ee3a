"""Deformable convolutions: contrib's DeformableConvolution (DCNv1) and
ModulatedDeformableConvolution (DCNv2), 2-D and channel-first as in MXNet.

Each kernel tap of each output pixel samples the input bilinearly at its regular position plus a
learned ``offset`` ``(dy, dx)``; DCNv2 also scales the sample by a learned ``mask``. The samples
form the column matrix of an ordinary convolution (see Note [Deformable im2col]), which one
batched GEMM with the weight turns into the output.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..base import AttrError, ShapeError
from ._im2col import Window, window_attrs
from ._util import complete_shape, same_dtype
from .attrs import Attr
from .conv import FILTER_ATTRS
from .registry import Op, Sample, register

__all__: list[str] = []

_POSITIVE = (lambda v: v >= 1, "a positive integer")


def _attrs(*extra: Attr) -> tuple[Attr, ...]:
    return (
        *FILTER_ATTRS,
        Attr("num_deformable_group", "int", 1, check=_POSITIVE),
        Attr("workspace", "int", 1024, check=(lambda v: v >= 0, "non-negative")),
        Attr("no_bias", "bool", False),
        *extra,
        Attr("layout", "str?", None, choices=(None, "NCW", "NCHW", "NCDHW")),
    )


def _window(op: str, a: dict) -> Window:
    if len(a["kernel"]) != 2:
        raise AttrError(f"{op}: kernel={a['kernel']}, expected 2 dims (MXNet implements only "
                        "the 2-D NCHW case)")
    if a["layout"] not in (None, "NCHW"):
        raise AttrError(f"{op}: layout={a['layout']!r}, expected 'NCHW' for a 2-D kernel")
    if a["num_filter"] % a["num_group"]:
        raise AttrError(f"{op}: num_filter={a['num_filter']} is not divisible by "
                        f"num_group={a['num_group']}")
    return window_attrs(op, a["kernel"], a["stride"], a["dilate"], a["pad"])


def _out_size(op: str, data: tuple, win: Window) -> tuple[int, int]:
    """Output height and width; a ShapeError when the dilated kernel does not fit."""
    out = []
    for size, k, s, d, p in zip(data[2:], *win):
        if d * (k - 1) + 1 > size + 2 * p:
            raise ShapeError(f"{op}: kernel={win.kernel} (dilate={win.dilate}) exceeds data "
                             f"{data} padded by {win.pad}")
        out.append((size + 2 * p - d * (k - 1) - 1) // s + 1)
    return out[0], out[1]


def _infer(op: str, in_shapes: list, in_dtypes: list, maps: tuple, a: dict):
    """Shape rule of both ops: ``maps`` names the per-pixel inputs after ``data`` with their
    channels per deformable group per kernel tap (offset 2, mask 1).
    """
    win = _window(op, a)
    want = 3 + len(maps) - a["no_bias"]
    if len(in_shapes) != want:
        raise ShapeError(f"{op}: with no_bias={a['no_bias']} expected {want} inputs, got "
                         f"{len(in_shapes)}")
    dtype = same_dtype(op, in_dtypes)
    f, g, dg = a["num_filter"], a["num_group"], a["num_deformable_group"]
    data = in_shapes[0]
    if data is None:
        return in_shapes, [None], [dtype]
    if len(data) != 4:
        raise ShapeError(f"{op}: data has shape {tuple(data)}, expected (N, C, H, W)")
    n, c, h, w = data
    for name, div in (("num_group", g), ("num_deformable_group", dg)):
        if c % div:
            raise ShapeError(f"{op}: data has {c} channels, not divisible by {name}={div}")
    out = _out_size(op, tuple(data), win)
    taps = win.kernel[0] * win.kernel[1]
    source = f"data {tuple(data)} and the attributes"
    shapes = [tuple(data)]
    for i, (name, per_tap) in enumerate(maps, 1):
        shapes.append(complete_shape(op, name, in_shapes[i], (n, dg * per_tap * taps, *out),
                                     source))
    shapes.append(complete_shape(op, "weight", in_shapes[len(maps) + 1],
                                 (f, c // g, *win.kernel), source))
    if not a["no_bias"]:
        shapes.append(complete_shape(op, "bias", in_shapes[-1], (f,), source))
    return shapes, [(n, f, *out)], [dtype]


class _Sampling(NamedTuple):
    """Bilinear sampling of every tap: per corner (axis 0, four corners) the flat pixel index,
    the weight and the weight's derivatives along rows and columns, each
    ``(4, N, out_pixels, deformable_groups, taps)``.
    """

    index: np.ndarray
    weight: np.ndarray
    d_row: np.ndarray
    d_col: np.ndarray


# Note [Deformable im2col]
# Tap k = (i, j) of output pixel (y, x) samples row y*s0 - p0 + i*d0 + offset[2k] and column
# x*s1 - p1 + j*d1 + offset[2k+1] of every channel of its deformable group. Bilinear weights
# (and their derivatives, for the offset gradient) depend on the group but not the channel, so
# they are computed once per group, and each corner is gathered as whole rows of a channel-last
# copy of the input: the columns come out (N, pixels, group, tap, channel), which is the layout
# of one GEMM with the weight rearranged to (group, tap, channel) x filters (block-diagonal
# over num_group). The two ops sample differently, as MXNet's CPU code does: DCNv1 reads
# positions in [0, H) and clamps the high neighbour at the last row (no slope there); DCNv2
# reads (-1, H) and treats pixels outside the image as zeros.
def regular_positions(a: dict, oh: int, ow: int) -> np.ndarray:
    """Where each kernel tap of each output pixel samples before its offset: ``(taps, 2,
    OH * OW)`` rows and columns (integers).
    """
    (kh, kw), (sh, sw), (dh, dw), (ph, pw) = window_attrs(
        "", a["kernel"], a["stride"], a["dilate"], a["pad"])
    i, j = np.divmod(np.arange(kh * kw), kw)
    rows = (np.arange(oh) * sh - ph)[None, :, None] + (i * dh)[:, None, None]
    cols = (np.arange(ow) * sw - pw)[None, None, :] + (j * dw)[:, None, None]
    return np.stack(np.broadcast_arrays(rows, cols), axis=1).reshape(kh * kw, 2, oh * ow)


def _sampling(offset, x_shape, a: dict, zero_outside: bool) -> _Sampling:
    n, _, h, w = x_shape
    dg = a["num_deformable_group"]
    base = regular_positions(a, *offset.shape[2:]).astype(offset.dtype)
    pos = (offset.reshape(n, dg, *base.shape) + base).transpose(3, 0, 4, 1, 2)
    r, c = pos  # (N, P, dg, taps) each
    if zero_outside:
        inside = (r > -1) & (c > -1) & (r < h) & (c < w)
    else:
        inside = (r >= 0) & (c >= 0) & (r < h) & (c < w)
    r0, c0 = np.floor(r), np.floor(c)
    fr, fc = r - r0, c - c0
    free_r, free_c = np.ones_like(inside), np.ones_like(inside)
    if not zero_outside:
        free_r, free_c = r0 < h - 1, c0 < w - 1
        fr, fc = fr * free_r, fc * free_c
    r0, c0 = r0.astype(np.int64), c0.astype(np.int64)
    r1 = r0 + 1 if zero_outside else np.where(free_r, r0 + 1, h - 1)
    c1 = c0 + 1 if zero_outside else np.where(free_c, c0 + 1, w - 1)
    one = offset.dtype.type(1)
    corners = ((r0, c0, (one - fr) * (one - fc), -(one - fc), -(one - fr)),
               (r0, c1, (one - fr) * fc, -fc, one - fr),
               (r1, c0, fr * (one - fc), one - fc, -fr),
               (r1, c1, fr * fc, fc, fr))
    index, weight, d_row, d_col = [], [], [], []
    for rr, cc, wt, slope_r, slope_c in corners:
        ok = inside & (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
        index.append(np.clip(rr, 0, h - 1) * w + np.clip(cc, 0, w - 1))
        weight.append(wt * ok)
        d_row.append(slope_r * (ok & free_r))
        d_col.append(slope_c * (ok & free_c))
    return _Sampling(*(np.stack(v) for v in (index, weight, d_row, d_col)))


def _channel_last(x: np.ndarray, dg: int) -> np.ndarray:
    """``(N, dg, H * W, C / dg)``: each pixel's channels of a deformable group contiguous."""
    n, c, h, w = x.shape
    return np.ascontiguousarray(x.reshape(n, dg, c // dg, h * w).transpose(0, 1, 3, 2))


def _corner(rows: np.ndarray, s: _Sampling, q: int) -> np.ndarray:
    """Corner ``q`` of every sample, all channels: ``(N, P, dg, taps, C / dg)``."""
    n, dg = rows.shape[:2]
    return rows[np.arange(n)[:, None, None, None], np.arange(dg)[:, None], s.index[q]]


def _dense_weight(weight: np.ndarray, g: int, dg: int) -> np.ndarray:
    """The weight as ``(dg * taps * C / dg, num_filter)`` rows in the columns' order, zero
    between filters and channels of different groups.
    """
    f, cg = weight.shape[:2]
    full = np.zeros((g, f // g, g, cg, weight.shape[2] * weight.shape[3]), weight.dtype)
    full[np.arange(g), :, np.arange(g)] = weight.reshape(g, f // g, cg, -1)
    full = full.reshape(f, dg, g * cg // dg, -1)  # (F, dg, C/dg, taps)
    return full.transpose(1, 3, 2, 0).reshape(-1, f)


def _deform_forward(op: str, ctx, x, offset, mask, weight, bias, a, zero_outside: bool):
    n = x.shape[0]
    f, g, dg = a["num_filter"], a["num_group"], a["num_deformable_group"]
    _window(op, a)
    s = _sampling(offset, x.shape, a, zero_outside)
    rows = _channel_last(x, dg)
    sampled = _corner(rows, s, 0) * s.weight[0][..., None]
    for q in range(1, 4):
        sampled += _corner(rows, s, q) * s.weight[q][..., None]
    gate = None
    if mask is not None:
        gate = mask.reshape(n, dg, -1, sampled.shape[1]).transpose(0, 3, 1, 2)[..., None]
    cols = (sampled if gate is None else sampled * gate).reshape(n * sampled.shape[1], -1)
    dense = _dense_weight(weight, g, dg)
    y = (cols @ dense).reshape(n, *offset.shape[2:], f).transpose(0, 3, 1, 2)
    if bias is not None:
        y = y + bias.reshape(1, f, 1, 1)
    ctx.saved = (x.shape, rows, offset.shape, gate, weight.shape, s, sampled, cols, dense,
                 bias is not None)
    return np.ascontiguousarray(y)


def _deform_vjp(ctx, gy, a):
    x_shape, rows, offset_shape, gate, weight_shape, s, sampled, cols, dense, has_bias = (
        ctx.saved)
    n, c, h, w = x_shape
    f, g, dg = a["num_filter"], a["num_group"], a["num_deformable_group"]
    gy_rows = gy.reshape(n, f, -1).transpose(0, 2, 1).reshape(-1, f)
    d_dense = (cols.T @ gy_rows).reshape(dg, -1, c // dg, f).transpose(3, 0, 2, 1)
    d_weight = d_dense.reshape(g, f // g, g, c // g, -1)[np.arange(g), :, np.arange(g)]
    d_cols = (gy_rows @ dense.T).reshape(sampled.shape)  # (N, P, dg, taps, C/dg)
    d_mask = None
    if gate is not None:
        d_mask = (d_cols * sampled).sum(axis=-1).transpose(0, 2, 3, 1).reshape(
            n, -1, *offset_shape[2:])
        d_cols *= gate
    batch = np.arange(n)[:, None, None, None]
    plane = (batch * dg + np.arange(dg)[:, None]) * (h * w)
    d_rows = np.zeros(n * dg * h * w * (c // dg))
    d_row = d_col = 0
    for q in range(4):
        at = ((plane + s.index[q])[..., None] * (c // dg) + np.arange(c // dg)).ravel()
        d_rows += np.bincount(at, (d_cols * s.weight[q][..., None]).ravel(),
                              minlength=d_rows.size)
        along = (d_cols * _corner(rows, s, q)).sum(axis=-1)  # (N, P, dg, taps)
        d_row = d_row + s.d_row[q] * along
        d_col = d_col + s.d_col[q] * along
    d_x = d_rows.reshape(n, dg, h * w, c // dg).transpose(0, 1, 3, 2).reshape(x_shape)
    d_offset = np.stack([d_row, d_col], axis=-1).transpose(0, 2, 3, 4, 1).reshape(offset_shape)
    d_bias = (gy.sum(axis=(0, 2, 3)),) if has_bias else ()
    return (d_x.astype(gy.dtype), d_offset, d_mask, d_weight.reshape(weight_shape).astype(
        gy.dtype, copy=False), *d_bias)


@register
class DeformableConvolution(Op):
    """Deformable convolution (DCNv1): ``out[n, f, y, x] = bias[f] + sum_{c, k} weight[f, c, k]
    * bilinear(data[n, c], p(y, x, k) + offset[n, group(c), k, y, x])``, where ``p`` is the
    regular convolution position of tap ``k``. Samples outside ``[0, H) x [0, W)`` are 0.

    Inputs ``data`` ``(N, C, H, W)``, ``offset`` ``(N, num_deformable_group * 2 * kh * kw, OH,
    OW)`` as ``(dy, dx)`` pairs per tap, ``weight`` ``(num_filter, C / num_group, kh, kw)``,
    ``bias`` ``(num_filter,)``. ``workspace`` is accepted and ignored.
    """

    name = "_contrib_DeformableConvolution"
    inputs = ("data", "offset", "weight", "bias")
    attrs = _attrs()
    completes = (2, 3)

    def infer(in_shapes, in_dtypes, **a):
        return _infer(DeformableConvolution.name, in_shapes, in_dtypes, (("offset", 2),), a)

    def forward(ctx, x, offset, weight, bias=None, **a):
        return _deform_forward(DeformableConvolution.name, ctx, x, offset, None, weight, bias, a,
                               zero_outside=False)

    def vjp(ctx, gy, **a):
        d_x, d_offset, _, *rest = _deform_vjp(ctx, gy, a)
        return (d_x, d_offset, *rest)

    def samples(rng):
        return _samples(rng, modulated=False)


@register
class ModulatedDeformableConvolution(Op):
    """Modulated deformable convolution (DCNv2): DeformableConvolution whose samples are also
    scaled by ``mask`` ``(N, num_deformable_group * kh * kw, OH, OW)``, and whose bilinear
    sampling reads pixels outside the image as zeros (positions in ``(-1, H) x (-1, W)``).
    ``im2col_step`` only checks the batch size, as in MXNet (it must divide a larger batch).
    MXNet 1.9.1 computes the gradient on GPUs only; here the CPU computes the same gradient.
    """

    name = "_contrib_ModulatedDeformableConvolution"
    inputs = ("data", "offset", "mask", "weight", "bias")
    attrs = _attrs(Attr("im2col_step", "int", 64, check=_POSITIVE))
    completes = (3, 4)

    def infer(in_shapes, in_dtypes, **a):
        n = None if in_shapes[0] is None else in_shapes[0][0]
        step = a["im2col_step"]
        if n and n > step and n % step:
            raise ShapeError(f"{ModulatedDeformableConvolution.name}: batch size {n} is larger "
                             f"than im2col_step={step} but not a multiple of it")
        return _infer(ModulatedDeformableConvolution.name, in_shapes, in_dtypes,
                      (("offset", 2), ("mask", 1)), a)

    def forward(ctx, x, offset, mask, weight, bias=None, **a):
        return _deform_forward(ModulatedDeformableConvolution.name, ctx, x, offset, mask, weight,
                               bias, a, zero_outside=True)

    def vjp(ctx, gy, **a):
        return _deform_vjp(ctx, gy, a)

    def samples(rng):
        return _samples(rng, modulated=True)


def _samples(rng, modulated: bool) -> list:
    def case(x, w, dg=1, bias=True, **attrs):
        a = {"kernel": w[2:], "num_filter": w[0], "num_deformable_group": dg,
             "no_bias": not bias, **attrs}
        win = window_attrs("", w[2:], *(attrs.get(k, ()) for k in ("stride", "dilate", "pad")))
        out = _out_size("", x, win)
        taps = w[2] * w[3]
        # Offsets keep samples off integer pixels (kinks), some outside the image.
        offset = rng.uniform(-1.9, 1.9, (x[0], dg * 2 * taps, *out))
        offset = np.round(offset * 4) / 4 + 0.13
        ins = [rng.normal(size=x), offset]
        if modulated:
            ins.append(rng.uniform(0.1, 1.0, (x[0], dg * taps, *out)))
        ins += [rng.normal(size=w)] + ([rng.normal(size=w[0])] if bias else [])
        return Sample(ins, a)

    return [
        case((2, 4, 5, 6), (3, 4, 3, 3), pad=(1, 1)),
        case((1, 4, 6, 5), (4, 2, 2, 3), dg=2, bias=False, num_group=2, stride=(2, 1),
             dilate=(1, 2)),
    ]
