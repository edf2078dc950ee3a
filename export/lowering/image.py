"""Lowerings of the image ops (``hybrid/ops/image.py`` and ``hybrid/ops/image_color.py``).

Layout ops are Transpose/Slice/arithmetic. ``_image_resize`` is ONNX Resize on an NCHW view
(ONNX Runtime's linear mode wants the resized axes last): nearest with the ``asymmetric`` transform
and ``floor`` rounding, bilinear with ``half_pixel``, both OpenCV's conventions; integer images are
resized in float32, rounded and saturated back. Random augmentations have no ONNX form: they
prepare training data and are not part of an exported network.
"""

from __future__ import annotations

import numpy as np

from hybrid.base import HybridError
from hybrid.ops.image_color import _EIG
from hybrid.ops.registry import REGISTRY

from ..builder import Builder, Call, onnx_type
from . import lowering
from .nn import scalar
from .shape import INT_MAX


@lowering("_image_to_tensor")
def _to_tensor(ctx: Builder, n: Call) -> str:
    rank = len(n.in_shapes[0])
    perm = [0, 3, 1, 2] if rank == 4 else [2, 0, 1]
    x = ctx.node("Cast", [n.inputs[0]], to=onnx_type(np.float32))
    y = ctx.node("Transpose", [x], perm=perm)
    return ctx.node("Div", [y, ctx.const(scalar(255.0, np.float32))])


@lowering("_image_normalize")
def _normalize(ctx: Builder, n: Call) -> str:
    c, dtype = n.in_shapes[0][-3], n.in_dtypes[0]
    a = n.attrs
    mean = np.resize(np.asarray(a["mean"], dtype), c).reshape(c, 1, 1)
    std = np.resize(np.asarray(a["std"], dtype), c).reshape(c, 1, 1)
    centred = ctx.node("Sub", [n.inputs[0], ctx.const(mean)])
    return ctx.node("Div", [centred, ctx.const(std)])


def _saturate_back(ctx: Builder, y: str, dtype: np.dtype, rounded: bool) -> str:
    """A float32 result back to ``dtype``: integers rounded (or truncated) and clipped first."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if rounded:
            y = ctx.node("Round", [y])
        lo, hi = (ctx.const(scalar(v, np.float32)) for v in (info.min, info.max))
        y = ctx.node("Clip", [y, lo, hi])
    return y if dtype == np.float32 else ctx.node("Cast", [y], to=onnx_type(dtype))


@lowering("_image_resize", since=13)
def _resize(ctx: Builder, n: Call) -> str:
    x, shape, dtype = n.inputs[0], n.in_shapes[0], n.in_dtypes[0]
    out_h, out_w = n.out_shapes[0][-3:-1]
    batched = len(shape) == 4
    if not batched:
        x = ctx.node("Unsqueeze", [x, ctx.ints([0])])
    x = ctx.node("Transpose", [ctx.node("Cast", [x], to=onnx_type(np.float32))],
                 perm=[0, 3, 1, 2])
    nc = ctx.node("Slice", [ctx.node("Shape", [x]), ctx.ints([0]), ctx.ints([2])])
    sizes = ctx.node("Concat", [nc, ctx.ints([out_h, out_w])], axis=0)
    if n.attrs["interp"] == 0:
        mode = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                "nearest_mode": "floor"}
    else:
        mode = {"mode": "linear", "coordinate_transformation_mode": "half_pixel"}
    y = ctx.node("Resize", [x, "", "", sizes], **mode)
    y = ctx.node("Transpose", [y], perm=[0, 2, 3, 1])
    if not batched:
        y = ctx.node("Squeeze", [y, ctx.ints([0])])
    return _saturate_back(ctx, y, np.dtype(dtype), rounded=True)


@lowering("_image_crop")
def _crop(ctx: Builder, n: Call) -> str:
    a = n.attrs
    starts = ctx.ints([a["y"], a["x"]])
    ends = ctx.ints([a["y"] + a["height"], a["x"] + a["width"]])
    return ctx.node("Slice", [n.inputs[0], starts, ends, ctx.ints([-3, -2])])


def _flip(axis: int):
    def rule(ctx: Builder, n: Call) -> str:
        return ctx.node("Slice", [n.inputs[0], ctx.ints([-1]), ctx.ints([-INT_MAX]),
                                  ctx.ints([axis]), ctx.ints([-1])])
    return rule


lowering("_image_flip_left_right")(_flip(-2))
lowering("_image_flip_top_bottom")(_flip(-3))


@lowering("_image_adjust_lighting")
def _adjust_lighting(ctx: Builder, n: Call) -> str:
    x, shape, dtype = n.inputs[0], n.in_shapes[0], np.dtype(n.in_dtypes[0])
    if shape[-1] == 1:
        return ctx.node("Identity", [x])
    shift = (_EIG @ np.asarray(n.attrs["alpha"][:3], np.float32)).astype(np.float32)
    y = ctx.node("Add", [ctx.node("Cast", [x], to=onnx_type(np.float32)), ctx.const(shift)])
    return _saturate_back(ctx, y, dtype, rounded=False)


def _augmentation(name: str):
    def rule(ctx: Builder, n: Call) -> str:
        raise HybridError(f"{name}: cannot be exported to ONNX: {REGISTRY[name].xfail['onnx']}")
    return rule


for _name in ("_image_random_flip_left_right", "_image_random_flip_top_bottom",
              "_image_random_brightness", "_image_random_contrast", "_image_random_saturation",
              "_image_random_hue", "_image_random_color_jitter", "_image_random_lighting"):
    lowering(_name)(_augmentation(_name))
