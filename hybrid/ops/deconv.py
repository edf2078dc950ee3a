"""Transposed convolution: the Deconvolution op, the adjoint of ``Convolution``.

One GEMM per group scatters every input pixel's weighted kernel into a column buffer that col2im
sums into the output (see Note [Convolution as GEMM] in ``_im2col.py``); the attributes, weight
checks and window geometry are the convolution's (``conv.py``). float32 deconvolutions run their
forward and data gradient on ONNX Runtime where it wins (Note [Convolutions on ONNX Runtime] in
``_ort_conv.py``).
"""

from __future__ import annotations

from math import prod

from ..base import AttrError, ShapeError
from . import _ort_conv
from ._im2col import (
    Window,
    batch_major,
    channel_major,
    conv_adjoint,
    correlate,
    gemm,
    im2col,
    pad_spatial,
)
from ._layout import channel_last_aware
from ._util import same_dtype
from .attrs import Attr
from .conv import add_bias, check_arity, check_data, complete_params, conv_attrs, conv_window
from .registry import Op, Sample, register

__all__ = ["deconv_geometry", "deconv_extra"]


def deconv_geometry(in_sp: tuple, win: Window, adj: tuple, target: tuple) -> tuple:
    """(pad before, output spatial dims, size of the col2im buffer) of a Deconvolution.

    The buffer holds the full scatter ``s * (x - 1) + d * (k - 1) + 1``, extended when ``adj``
    asks for more rows than the padding removes. A ``target_shape`` sets pad and adj as MXNet
    does: the excess is split with the odd element at the end.
    """
    full = tuple(
        s * (x - 1) + d * (k - 1) + 1
        for x, k, s, d in zip(in_sp, win.kernel, win.stride, win.dilate)
    )
    if target:
        if any(t > f for t, f in zip(target, full)):
            raise ShapeError(
                f"Deconvolution: target_shape={target} is larger than the full "
                f"output {full} of data with spatial dims {in_sp}"
            )
        pad = tuple((f - t + 1) // 2 for f, t in zip(full, target))
        out = tuple(target)
    else:
        pad = win.pad
        out = tuple(f - 2 * p + j for f, p, j in zip(full, pad, adj))
    return pad, out, tuple(max(f, p + o) for f, p, o in zip(full, pad, out))


def deconv_extra(op: str, a: dict, nd: int) -> tuple[tuple, tuple]:
    adj, target = a["adj"] or (0,) * nd, a["target_shape"]
    if len(adj) != nd or (target and len(target) != nd):
        raise AttrError(f"{op}: adj={a['adj']} and target_shape={target} need {nd} dims")
    if min(adj) < 0 or (target and min(target) < 1):
        raise AttrError(f"{op}: adj must be >= 0 and target_shape > 0, got {adj} and {target}")
    return adj, target


@register
@channel_last_aware
class Deconvolution(Op):
    """Transposed convolution: the gradient of :func:`Convolution` with respect to its data.

    ``out = crop(col2im(weight^T @ data)) + bias``: every input pixel scatters ``weight[c]``
    times its value into the output, strided by ``stride`` and spread by ``dilate``.

    Parameters
    ----------
    kernel, stride, dilate, pad : shape
        As in Convolution; ``pad`` crops the output on both sides.
    adj : shape, default ()
        Extra rows/columns added at the end of the output.
    target_shape : shape, default ()
        Output spatial size; when set, pad and adj are derived from it (MXNet's rule).
    num_filter : int
        Output channels.
    num_group : int, default 1
    no_bias : bool, default True
    workspace, cudnn_tune, cudnn_off : accepted and ignored.
    layout : None, 'NCW', 'NCHW', 'NCDHW', 'NHWC' or 'NDHWC'
        Channel-last layouts take data ``(batch_size, *spatial, channel)``, weight
        ``(channel, *kernel, num_filter / num_group)`` (see Note [Channel-last layouts]).

    Inputs: ``data`` ``(batch_size, channel, *spatial)``, ``weight``
    ``(channel, num_filter / num_group, *kernel)``, ``bias`` ``(num_filter,)``. Output
    ``(batch_size, num_filter, *out)`` with ``out = s(x - 1) + d(k - 1) + 1 - 2p + adj``.
    """

    name = "Deconvolution"
    aliases = ("_npx_deconvolution",)
    inputs = ("data", "weight", "bias")
    attrs = (
        *conv_attrs(512, True)[:4],
        Attr("adj", "shape", ()),
        Attr("target_shape", "shape", ()),
        *conv_attrs(512, True)[4:],
    )
    completes = (1, 2)

    def infer(in_shapes, in_dtypes, **a):
        win = conv_window("Deconvolution", a)
        adj, target = deconv_extra("Deconvolution", a, len(win.kernel))
        check_arity("Deconvolution", in_shapes, a["no_bias"])
        dtype = same_dtype("Deconvolution", in_dtypes)
        f, g = a["num_filter"], a["num_group"]
        data = None if in_shapes[0] is None else tuple(in_shapes[0])
        check_data("Deconvolution", data, win, g)
        weight = (data[1] if data else 0, f // g, *win.kernel)
        shapes = complete_params("Deconvolution", in_shapes, weight, f, f"data {data}")
        if data is None:
            return shapes, [None], [dtype]
        _, out, _ = deconv_geometry(data[2:], win, adj, target)
        out = tuple(o if x else 0 for o, x in zip(out, data[2:]))
        if min(out) < 0:
            raise ShapeError(f"Deconvolution: pad={win.pad} crops data {data} to output {out}")
        return shapes, [(data[0], f, *out)], [dtype]

    def forward(ctx, x, w, b=None, **a):
        win = conv_window("Deconvolution", a)
        adj, target = deconv_extra("Deconvolution", a, len(win.kernel))
        pad, out, buf = deconv_geometry(x.shape[2:], win, adj, target)
        win = win._replace(pad=pad)  # the padding before; after it: buf - pad - out
        ctx.ort = _ort_conv.applies_transposed(x, w, win, out)
        if ctx.needs_grad:
            ctx.x, ctx.w, ctx.geometry = x, w, (win, out, buf)
        if not ctx.ort:
            return conv_adjoint(x, w, a["num_group"], win, pad, out, b)
        # Note [Convolutions on ONNX Runtime]
        y = _ort_conv.conv_data_grad(x, w, win, a["num_group"], out)
        return y if b is None else add_bias(y, b, True)

    def vjp(ctx, gy, **a):
        need, g, (x, w) = ctx.needs_grad, a["num_group"], (ctx.x, ctx.w)
        win, out, buf = ctx.geometry
        after = tuple(s - p - o for s, p, o in zip(buf, win.pad, out))
        gx = gw = cols = None
        if ctx.ort and need[0]:
            gx = _ort_conv.conv_forward(gy, w, win, g, after)  # (N, C, *in)
        elif need[0] or need[1]:
            w3 = w.reshape(g, w.shape[0] // g, -1)  # (G, C/G, F/G * K)
            gx3, cols = correlate(gy, w3, win, win.pad, after, x.shape[2:])  # (C, N, *in)
            gx = batch_major(gx3) if need[0] else None
        if need[1]:
            if cols is None:
                gyp = pad_spatial(gy, win.pad, after)
                cols = im2col(gyp, win.kernel, win.stride, win.dilate, x.shape[2:])
                cols = cols.reshape(g, -1, x.shape[0] * prod(x.shape[2:]))  # (G, F/G * K, N * P)
            x3 = channel_major(x).reshape(g, x.shape[1] // g, -1)  # (G, C/G, N * P)
            gw = gemm(x3, cols.transpose(0, 2, 1)).reshape(w.shape)
        grads = (gx, gw)
        if a["no_bias"]:
            return grads
        return grads + (gy.sum(axis=(0, *range(2, gy.ndim))) if need[2] else None,)

    def samples(rng):
        def case(x, w, f, bias=False, **attrs):
            ins = [rng.normal(size=x), rng.normal(size=w)] + ([rng.normal(size=f)] if bias else [])
            return Sample(ins, {"kernel": w[2:], "num_filter": f, "no_bias": not bias, **attrs})

        return [
            case((2, 3, 3, 4), (3, 2, 3, 2), 2, bias=True, stride=(2, 2), pad=(1, 0), adj=(1, 1)),
            case((2, 4, 5), (4, 3, 2), 6, num_group=2, dilate=(2,), pad=(1,)),
            case((1, 2, 3, 3), (2, 2, 3, 3), 2, stride=(2, 2), target_shape=(6, 7)),
            case((1, 2, 2, 3), (2, 3, 2, 2), 3, bias=True, stride=(1, 2), pad=(0, 1), adj=(0, 1)),
            case((1, 2, 16, 16), (2, 3, 3, 3), 3, bias=True),  # per-image layout
            Sample(  # channel-last: data (N, H, W, C), weight (C, KH, KW, F / G)
                [rng.normal(size=(2, 3, 4, 4)), rng.normal(size=(4, 2, 3, 3)), rng.normal(size=6)],
                {"kernel": (2, 3), "num_filter": 6, "num_group": 2, "no_bias": False,
                 "stride": (2, 1), "layout": "NHWC"},
            ),
        ]
