"""im2col and col2im: the sliding windows of an image as columns, and their sum back into an
image, with the window helpers convolution uses (``_im2col.py``).
"""

from __future__ import annotations

from math import prod

import numpy as np

from ..base import ShapeError
from ._im2col import col2im, conv_out_size, crop_spatial, im2col, pad_spatial, window_attrs
from .attrs import Attr
from .registry import Op, Sample, register

_WINDOW = (
    Attr("kernel", "shape"),
    Attr("stride", "shape", ()),
    Attr("dilate", "shape", ()),
    Attr("pad", "shape", ()),
)


def _out(op: str, spatial, w) -> tuple:
    return tuple(conv_out_size(n, *a) for n, a in zip(spatial, zip(*w)))


@register
class Im2col(Op):
    """``(N, C, *spatial) -> (N, C * prod(kernel), L)``: every window of the padded input as a
    column (rows ordered channel, then kernel offset; ``L`` windows in row-major order), the
    layout a convolution multiplies by its weight.
    """

    name = "im2col"
    attrs = _WINDOW

    def infer(in_shapes, in_dtypes, kernel, stride, dilate, pad):
        x = in_shapes[0]
        w = window_attrs("im2col", kernel, stride, dilate, pad)
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        if len(x) != 2 + len(kernel):
            raise ShapeError(f"im2col: data has shape {tuple(x)}, expected {2 + len(kernel)} "
                             f"dims for kernel {kernel}")
        out = _out("im2col", x[2:], w)
        return in_shapes, [(x[0], x[1] * prod(kernel), prod(out))], [in_dtypes[0]]

    def forward(ctx, x, kernel, stride, dilate, pad):
        w = window_attrs("im2col", kernel, stride, dilate, pad)
        out = _out("im2col", x.shape[2:], w)
        ctx.shape = x.shape
        xp = pad_spatial(x, w.pad, w.pad)
        cols = im2col(xp, w.kernel, w.stride, w.dilate, out, per_image=True)
        return cols.reshape(x.shape[0], x.shape[1] * prod(kernel), prod(out))

    def vjp(ctx, gy, kernel, stride, dilate, pad):
        size = ctx.shape[2:]
        return (Col2im.forward(ctx, gy, size, kernel, stride, dilate, pad),)

    def samples(rng):
        x = rng.normal(size=(2, 2, 5, 4))
        return [Sample([x], {"kernel": (2, 2)}),
                Sample([x], {"kernel": (3, 3), "stride": (2, 1), "pad": (1, 1)}),
                Sample([rng.normal(size=(1, 2, 7))], {"kernel": (3,), "dilate": (2,)})]


@register
class Col2im(Op):
    """The inverse-accumulate of ``im2col``: columns ``(N, C * prod(kernel), L)`` summed back
    into images ``(N, C, *output_size)`` (overlapping windows add up).
    """

    name = "col2im"
    attrs = (Attr("output_size", "shape"),) + _WINDOW

    def infer(in_shapes, in_dtypes, output_size, kernel, stride, dilate, pad):
        x = in_shapes[0]
        w = window_attrs("col2im", kernel, stride, dilate, pad)
        if x is None:
            return in_shapes, [None], [in_dtypes[0]]
        k, windows = prod(kernel), prod(_out("col2im", output_size, w))
        if len(x) != 3 or x[1] % k or x[2] != windows:
            raise ShapeError(f"col2im: data has shape {tuple(x)}, expected (N, C * {k}, "
                             f"{windows}) for output_size {output_size}")
        return in_shapes, [(x[0], x[1] // k) + tuple(output_size)], [in_dtypes[0]]

    def forward(ctx, cols, output_size, kernel, stride, dilate, pad):
        w = window_attrs("col2im", kernel, stride, dilate, pad)
        out = _out("col2im", output_size, w)
        n, c = cols.shape[0], cols.shape[1] // prod(kernel)
        padded = tuple(s + 2 * p for s, p in zip(output_size, w.pad))
        acc = col2im(cols.reshape((n, c) + w.kernel + out), padded, w.stride, w.dilate,
                     per_image=True)
        return np.ascontiguousarray(crop_spatial(acc, w.pad, tuple(output_size)))

    def vjp(ctx, gy, output_size, kernel, stride, dilate, pad):
        return (Im2col.forward(ctx, gy, kernel, stride, dilate, pad),)

    def samples(rng):
        return [Sample([rng.normal(size=(2, 8, 12))], {"output_size": (5, 4), "kernel": (2, 2)}),
                Sample([rng.normal(size=(2, 18, 12))],
                       {"output_size": (5, 4), "kernel": (3, 3), "stride": (2, 1),
                        "pad": (1, 1)})]
