"""Lowerings of GridGenerator, BilinearSampler and SpatialTransformer (``hybrid/ops/spatial.py``).

BilinearSampler is ONNX's GridSample (opset 16; its ``bilinear`` mode is named ``linear`` from
opset 20) with ``align_corners=1`` and zero padding, which is Note [Sampling grids]; GridSample
wants the grid as (batch, out_h, out_w, 2), hence a Transpose.
"""

from __future__ import annotations

import numpy as np

from hybrid.ops.spatial import _affine_targets, _warp_scale

from ..builder import Builder, Call
from . import lowering
from .nn import scalar


def _affine_grid(ctx: Builder, loc: str, target_shape: tuple, dtype) -> str:
    h, w = target_shape
    theta = ctx.node("Reshape", [loc, ctx.ints([-1, 2, 3])])
    grid = ctx.node("MatMul", [theta, ctx.const(_affine_targets(h, w, dtype))])  # (N, 2, HW)
    return ctx.node("Reshape", [grid, ctx.ints([-1, 2, h, w])])


@lowering("GridGenerator")
def _grid_generator(ctx: Builder, n: Call) -> str:
    a, x, dtype = n.attrs, n.inputs[0], n.in_dtypes[0]
    if a["transform_type"] == "affine":
        return _affine_grid(ctx, x, a["target_shape"], dtype)
    h, w = n.in_shapes[0][2:]
    ys, xs = np.mgrid[0:h, 0:w].astype(dtype)
    shifted = ctx.node("Add", [x, ctx.const(np.stack([xs, ys])[None])])
    scaled = ctx.node("Div", [shifted, ctx.const(_warp_scale(h, w, dtype))])
    return ctx.node("Sub", [scaled, ctx.const(scalar(1, dtype))])


def _sampler(mode: str):
    def sample(ctx: Builder, data: str, grid: str) -> str:
        grid = ctx.node("Transpose", [grid], perm=[0, 2, 3, 1])  # (N, OH, OW, 2)
        return ctx.node("GridSample", [data, grid], align_corners=1, mode=mode,
                        padding_mode="zeros")

    return sample


for _since, _mode in ((16, "bilinear"), (20, "linear")):
    _sample = _sampler(_mode)

    def _bilinear_sampler(ctx: Builder, n: Call, sample=_sample) -> str:
        return sample(ctx, n.inputs[0], n.inputs[1])

    def _spatial_transformer(ctx: Builder, n: Call, sample=_sample) -> str:
        grid = _affine_grid(ctx, n.inputs[1], n.attrs["target_shape"], n.in_dtypes[0])
        return sample(ctx, n.inputs[0], grid)

    lowering("BilinearSampler", since=_since)(_bilinear_sampler)
    lowering("SpatialTransformer", since=_since)(_spatial_transformer)
