"""Dense and convolution ops: FullyConnected and Convolution (Deconvolution: ``deconv.py``).

Each is one GEMM per group (per image and group for convolutions with large outputs) through
BLAS; convolutions gather their windows with im2col first. See Note [Convolution as GEMM] in
``_im2col.py``. float32 inputs stay float32 throughout. Large temporaries go through
``_buffers.buffers`` (Note [Planned buffers]), so a graph run with ``static_alloc`` reuses them.
float32 convolutions run their forward and data gradient on ONNX Runtime instead (Note
[Convolutions on ONNX Runtime] in ``_ort_conv.py``).
"""

from __future__ import annotations

from math import prod
from typing import Any

import numpy as np

from ..base import AttrError, HybridError, ShapeError
from . import _ort_conv
from ._buffers import buffers
from ._im2col import (
    Window,
    batch_first,
    batch_major,
    channel_major,
    conv_adjoint,
    conv_out_size,
    correlate,
    gemm,
    window_attrs,
)
from ._layout import channel_last_aware
from ._util import complete_shape, same_dtype
from .attrs import REQUIRED, Attr
from .registry import Op, Sample, register

_POSITIVE = (lambda v: v >= 1, "a positive integer")
_LAYOUTS = (None, "NCW", "NCHW", "NCDHW", "NHWC", "NDHWC")
_TUNE = (None, "off", "limited_workspace", "fastest")

__all__ = [
    "add_bias",
    "check_arity",
    "check_data",
    "complete_params",
    "conv_attrs",
    "conv_grads",
    "conv_product",
    "conv_window",
]


def check_arity(op: str, in_shapes: list, no_bias: bool) -> None:
    want = 2 if no_bias else 3
    if len(in_shapes) != want:
        names = "data, weight" if no_bias else "data, weight, bias"
        raise HybridError(
            f"{op}: with no_bias={no_bias} the inputs are ({names}), got {len(in_shapes)} inputs"
        )


def complete_params(op: str, in_shapes: list, weight: tuple, bias: int, source: str) -> list:
    """The input shapes with weight and (when present) bias completed or checked."""
    shapes = [in_shapes[0], complete_shape(op, "weight", in_shapes[1], weight, source)]
    if len(in_shapes) == 3:
        shapes.append(complete_shape(op, "bias", in_shapes[2], (bias,), source))
    return shapes


def check_data(op: str, data: tuple | None, win: Window, groups: int) -> None:
    """Data must be ``(N, C, *spatial)``, as many spatial dims as the kernel, C % groups == 0."""
    if data is None:
        return
    if len(data) != len(win.kernel) + 2:
        raise ShapeError(
            f"{op}: data has shape {tuple(data)}, expected {len(win.kernel) + 2} dims "
            f"(batch, channel, *spatial) for kernel={win.kernel}"
        )
    if data[1] and data[1] % groups:
        raise ShapeError(f"{op}: data has {data[1]} channels, not divisible by num_group={groups}")


@register
class FullyConnected(Op):
    """Dense layer: ``out = dot(data, weight.T) + bias``.

    Parameters
    ----------
    num_hidden : int
        Number of output units.
    no_bias : bool, default False
        Leave out ``bias`` (the op then takes two inputs).
    flatten : bool, default True
        Flatten ``data`` to ``(batch_size, in_units)`` first; when False the product applies to
        the last axis and every leading axis is kept.

    Inputs: ``data`` ``(batch_size, ...)``, ``weight`` ``(num_hidden, in_units)``, ``bias``
    ``(num_hidden,)``. Output: ``(batch_size, num_hidden)``, or ``data.shape[:-1] +
    (num_hidden,)`` when ``flatten=False``. The shape rule completes ``weight`` and ``bias`` from
    ``data`` and ``num_hidden``, as Gluon's deferred initialisation needs.
    """

    name = "FullyConnected"
    aliases = ("_npx_fully_connected",)
    inputs = ("data", "weight", "bias")
    attrs = (
        Attr("num_hidden", "int", REQUIRED, check=_POSITIVE),
        Attr("no_bias", "bool", False),
        Attr("flatten", "bool", True),
    )
    completes = (1, 2)

    def infer(in_shapes, in_dtypes, num_hidden, no_bias, flatten):
        check_arity("FullyConnected", in_shapes, no_bias)
        dtype = same_dtype("FullyConnected", in_dtypes)
        data = None if in_shapes[0] is None else tuple(in_shapes[0])
        if data is None:
            in_units, out = 0, None
        elif flatten:
            in_units = prod(data[1:]) if all(data[1:]) else 0
            out = (data[0], num_hidden)
        else:
            in_units, out = data[-1], data[:-1] + (num_hidden,)
        source = f"data {data} and num_hidden={num_hidden}"
        shapes = complete_params(
            "FullyConnected", in_shapes, (num_hidden, in_units), num_hidden, source
        )
        return shapes, [out], [dtype]

    def forward(ctx, x, w, b=None, *, num_hidden, no_bias, flatten):
        x2 = x.reshape(x.shape[0], -1) if flatten else x.reshape(-1, x.shape[-1])
        y = x2 @ w.T  # (rows, num_hidden)
        if b is not None:
            y += b
        ctx.x2, ctx.w, ctx.x_shape = x2, w, x.shape
        return y.reshape((x.shape[0], num_hidden) if flatten else x.shape[:-1] + (num_hidden,))

    def vjp(ctx, gy, *, num_hidden, no_bias, flatten):
        need = ctx.needs_grad
        g2 = gy.reshape(-1, num_hidden)
        grads = (
            (g2 @ ctx.w).reshape(ctx.x_shape) if need[0] else None,
            g2.T @ ctx.x2 if need[1] else None,
        )
        return grads if no_bias else grads + (g2.sum(axis=0) if need[2] else None,)

    def samples(rng):
        return [
            Sample(
                [rng.normal(size=(4, 3, 2)), rng.normal(size=(5, 6)), rng.normal(size=5)],
                {"num_hidden": 5},
            ),
            Sample(
                [rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4))],
                {"num_hidden": 3, "no_bias": True, "flatten": False},
            ),
        ]


# The window and filter attributes of every convolution, plain or deformable, in MXNet's order.
FILTER_ATTRS = (
    Attr("kernel", "shape", REQUIRED),
    Attr("stride", "shape", ()),
    Attr("dilate", "shape", ()),
    Attr("pad", "shape", ()),
    Attr("num_filter", "int", REQUIRED, check=_POSITIVE),
    Attr("num_group", "int", 1, check=_POSITIVE),
)


def conv_attrs(workspace: int, no_bias: bool) -> tuple[Attr, ...]:
    """The attributes Convolution and Deconvolution share, with their own defaults."""
    return (
        *FILTER_ATTRS,
        Attr("workspace", "int", workspace),
        Attr("no_bias", "bool", no_bias),
        Attr("cudnn_tune", "str?", None, choices=_TUNE),
        Attr("cudnn_off", "bool", False),
        Attr("layout", "str?", None, choices=_LAYOUTS),
    )


def conv_window(op: str, a: dict) -> Window:
    win = window_attrs(op, a["kernel"], a["stride"], a["dilate"], a["pad"])
    if a["num_filter"] % a["num_group"]:
        raise AttrError(
            f"{op}: num_filter={a['num_filter']} is not divisible by num_group={a['num_group']}"
        )
    return win


def _conv_out(data: tuple, win: Window) -> tuple:
    """Convolution output spatial dims; a ShapeError when the dilated kernel does not fit."""
    out = []
    for size, k, s, d, p in zip(data[2:], *win):
        if size and d * (k - 1) + 1 > size + 2 * p:
            raise ShapeError(
                f"Convolution: kernel={win.kernel} (dilate={win.dilate}) exceeds data "
                f"{tuple(data)} padded by {win.pad}"
            )
        out.append(conv_out_size(size, k, s, d, p))
    return tuple(out)


@register
@channel_last_aware
class Convolution(Op):
    """N-D convolution (1-D, 2-D, 3-D; channel-first or channel-last layouts) with groups.

    ``out[n, f] = bias[f] + sum_{c in group(f), k} weight[f, c, k] * pad(data)[n, c, s*o + d*k]``.

    Parameters
    ----------
    kernel : shape
        Window size ``(w,)``, ``(h, w)`` or ``(d, h, w)``.
    stride, dilate, pad : shape, default ()
        Per spatial dim; empty means 1, 1 and 0. Padding is zeros on both sides.
    num_filter : int
        Output channels.
    num_group : int, default 1
        Split channels into groups convolved separately (``num_group = channels``: depthwise).
    no_bias : bool, default False
    workspace, cudnn_tune, cudnn_off : accepted for MXNet compatibility and ignored.
    layout : None, 'NCW', 'NCHW', 'NCDHW', 'NHWC' or 'NDHWC'
        Channel-last layouts take data ``(batch_size, *spatial, channel)``, weight
        ``(num_filter, *kernel, channel / num_group)`` and give ``(batch_size, *out,
        num_filter)`` (see Note [Channel-last layouts] in ``_layout.py``).

    Inputs: ``data`` ``(batch_size, channel, *spatial)``, ``weight``
    ``(num_filter, channel / num_group, *kernel)``, ``bias`` ``(num_filter,)``. Output
    ``(batch_size, num_filter, *out)`` with ``out = floor((x + 2p - d(k-1) - 1) / s) + 1``.
    """

    name = "Convolution"
    aliases = ("_npx_convolution", "Convolution_v1")
    inputs = ("data", "weight", "bias")
    attrs = conv_attrs(1024, False)
    completes = (1, 2)

    def infer(in_shapes, in_dtypes, **a):
        win = conv_window("Convolution", a)
        check_arity("Convolution", in_shapes, a["no_bias"])
        dtype = same_dtype("Convolution", in_dtypes)
        f, g = a["num_filter"], a["num_group"]
        data = None if in_shapes[0] is None else tuple(in_shapes[0])
        check_data("Convolution", data, win, g)
        c = data[1] if data else 0
        weight = (f, c // g, *win.kernel)
        shapes = complete_params("Convolution", in_shapes, weight, f, f"data {data}")
        out = None if data is None else (data[0], f, *_conv_out(data, win))
        return shapes, [out], [dtype]

    def forward(ctx, x, w, b=None, **a):
        y = conv_product(ctx, x, w, **a)
        if not ctx.per_image:
            return batch_major(y, b, buffers(ctx, "fwd"))  # (N, F, *out)
        return y if b is None else add_bias(y, b, True)

    def vjp(ctx, gy, **a):
        return conv_grads(ctx, gy, None, **a)

    def samples(rng):
        def case(x, w, bias=True, **attrs):
            ins = [rng.normal(size=x), rng.normal(size=w)]
            ins += [rng.normal(size=w[0])] if bias else []
            return Sample(ins, {"kernel": w[2:], "num_filter": w[0], "no_bias": not bias, **attrs})

        return [
            case((2, 2, 6, 5), (4, 2, 3, 2), pad=(1, 0)),
            case((2, 2, 7, 7), (3, 2, 2, 3), stride=(2, 1), pad=(1, 2), dilate=(2, 1)),
            case((2, 4, 5, 5), (6, 2, 3, 3), bias=False, num_group=2, pad=(1, 1)),
            case((1, 3, 5, 4), (3, 1, 3, 3), num_group=3, stride=(2, 2)),
            case((2, 3, 9), (4, 3, 3), stride=(2,), pad=(1,), dilate=(2,)),
            case((1, 2, 4, 5, 4), (3, 2, 2, 3, 2), stride=(2, 1, 1), pad=(1, 0, 1)),
            # At least 256 output pixels per image: the per-image layout (Note [Convolution
            # as GEMM]), with the data gradient by correlation, then by GEMM and col2im.
            case((1, 4, 18, 18), (4, 2, 3, 3), num_group=2, pad=(1, 1)),
            case((2, 2, 33, 33), (4, 2, 3, 3), bias=False, stride=(2, 2)),
            Sample(  # channel-last: data (N, H, W, C), weight (F, KH, KW, C / G)
                [rng.normal(size=(2, 5, 6, 4)), rng.normal(size=(6, 3, 2, 2)), rng.normal(size=6)],
                {"kernel": (3, 2), "num_filter": 6, "num_group": 2, "pad": (1, 0),
                 "layout": "NHWC"},
            ),
            Sample(
                [rng.normal(size=(1, 3, 4, 4, 2)), rng.normal(size=(3, 2, 2, 3, 2))],
                {"kernel": (2, 2, 3), "num_filter": 3, "no_bias": True, "layout": "NDHWC"},
            ),
        ]


def conv_product(ctx: Any, x: np.ndarray, w: np.ndarray, **a: Any) -> np.ndarray:
    """Convolution without the bias, in the layout its GEMM produces: ``(N, F, *out)`` when
    ``ctx.per_image`` is set, else channel-major ``(F, N, *out)`` (see Note [Convolution as
    GEMM]). Saves on ``ctx`` what :func:`conv_grads` needs.
    """
    win = conv_window("Convolution", a)
    g, f = a["num_group"], a["num_filter"]
    out = _conv_out(x.shape, win)
    if _ort_conv.applies_conv(x, w, win, out):
        # Note [Convolutions on ONNX Runtime]: the result is batch-major, columns come later.
        ctx.per_image = ctx.ort = True
        if ctx.needs_grad:
            ctx.x = x if ctx.needs_grad[1] else None
            ctx.w, ctx.x_shape, ctx.win = w, x.shape, win
        return _ort_conv.conv_forward(x, w, win, g)
    per_image = ctx.per_image = batch_first(out)
    ctx.ort = False
    y, cols = correlate(
        x, w.reshape(g, f // g, -1), win, win.pad, win.pad, out, buffers(ctx, "fwd"), per_image
    )
    if ctx.needs_grad:
        ctx.cols = cols if ctx.needs_grad[1] else None
        ctx.w, ctx.x_shape, ctx.win = w, x.shape, win
    return y


def add_bias(y: np.ndarray, b: np.ndarray, per_image: bool) -> np.ndarray:
    """``y += b`` per channel, in place: channels are axis 1 of a per-image product and axis 0
    of a channel-major one.
    """
    lead = (1, -1) if per_image else (-1,)
    return np.add(y, b.reshape(lead + (1,) * (y.ndim - len(lead))), out=y)


def conv_grads(ctx: Any, gy: np.ndarray | None, gy_cm: np.ndarray | None, **a: Any) -> tuple:
    """Convolution's VJP from its output gradient ``gy`` ``(N, F, *out)``; a fused node that
    has it in the channel-major layout ``(F, N, *out)`` passes ``gy_cm`` instead (only when the
    product was channel-major, see :func:`conv_product`).
    """
    need, g, f = ctx.needs_grad, a["num_group"], a["num_filter"]
    buf = buffers(ctx, "bwd")
    if ctx.ort:
        grads = _ort_conv.conv_grads(
            ctx.x, ctx.x_shape[2:], ctx.w, gy, ctx.win, g, need, a["no_bias"], buf
        )
        ctx.x = None
        return grads
    per_image, n = ctx.per_image, ctx.x_shape[0]
    if per_image:
        gy3 = gy.reshape(n, g, f // g, -1)  # (N, G, F/G, P)
    else:
        if gy_cm is None and (need[1] or (not a["no_bias"] and need[2])):
            gy_cm = channel_major(gy, buf, scratch=True)
        gy3 = None if gy_cm is None else gy_cm.reshape(g, f // g, -1)  # (G, F/G, N * P)
    gx = gw = None
    if need[0]:
        gx = conv_adjoint(gy, ctx.w, g, ctx.win, ctx.win.pad, ctx.x_shape[2:], None, buf, gy_cm)
    if need[1] and per_image:
        cols_t = ctx.cols.transpose(0, 1, 3, 2)  # (N, G, P, C/G * K)
        each = buf.scratch("gw", (n, g, f // g, cols_t.shape[3]), gy3.dtype)
        # A fresh sum: parameter gradients leave the graph.
        gw = np.matmul(gy3, cols_t, out=each).sum(axis=0).reshape(ctx.w.shape)
    elif need[1]:
        gw = gemm(gy3, ctx.cols.transpose(0, 2, 1)).reshape(ctx.w.shape)  # fresh, as above
    grads = (gx, gw)
    if a["no_bias"]:
        return grads
    return grads + (gy3.sum(axis=(0, 3) if per_image else 2).reshape(f) if need[2] else None,)
