"""Import rules for ONNX's spatial sampling ops, written with MXNet's: AffineGrid (a constant
grid of base points times theta) and GridSample (BilinearSampler).

MXNet's BilinearSampler reads normalised coordinates with -1 and 1 at the centres of the corner
pixels (ONNX's ``align_corners=1``) and gives 0 outside the input (``padding_mode='zeros'``);
``align_corners=0`` puts -1 and 1 at the outer edges, so its coordinates are scaled by
``size / (size - 1)`` first. ``padding_mode='border'`` clips those coordinates to [-1, 1]: a
sample beyond the edge takes the edge pixel's value. ``'reflection'`` first folds them onto
[-1, 1] (the input's bounds in both conventions), then clips as ``'border'``: a neighbour
reflected back across an outer edge is the edge pixel itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import constant, rule


def _axis_points(n: int, align_corners: bool) -> np.ndarray:
    if align_corners:
        return np.linspace(-1.0, 1.0, n) if n > 1 else np.zeros(1)
    return (2 * np.arange(n) + 1) / n - 1


@rule("AffineGrid")
def _affine_grid(ctx: Any, node: Any) -> list:
    size = [int(d) for d in np.asarray(ctx.const(node.inputs[1], "size")).reshape(-1)]
    spatial = size[2:]  # (H, W) or (D, H, W)
    align = bool(node.attrs.get("align_corners", 0))
    axes = [_axis_points(n, align) for n in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")  # one array per spatial axis, outermost first
    # Base points as (x, y[, z], 1): the innermost axis (width) first.
    base = np.stack([*reversed([m.ravel() for m in mesh]), np.ones(mesh[0].size)])
    theta = ctx.value(node.inputs[0])
    points = ctx.op("dot", [theta, constant(ctx, base.astype(ctx.dtype(node.inputs[0])))])
    points = ctx.op("transpose", [points], axes=(0, 2, 1))  # (N, points, dims)
    return [ctx.op("Reshape", [points], shape=(size[0], *spatial, len(spatial)))]


@rule("GridSample")
def _grid_sample(ctx: Any, node: Any) -> list:
    mode = node.attrs.get("mode", "linear" if ctx.opset >= 20 else "bilinear")
    padding = node.attrs.get("padding_mode", "zeros")
    shape = ctx.known_shape(node.inputs[0], "GridSample")
    if mode not in ("linear", "bilinear") or padding not in ("zeros", "border", "reflection") or \
            len(shape) != 4:
        raise ctx.error(f"mode={mode!r}, padding_mode={padding!r} on {len(shape)}-D data "
                        "(MXNet's BilinearSampler: bilinear, any padding, 4-D)")
    grid = ctx.op("transpose", [ctx.value(node.inputs[1])], axes=(0, 3, 1, 2))  # (N, 2, H, W)
    if padding == "reflection":  # fold onto [-1, 1]: 1 - |(|g + 1| mod 4) - 2|
        scalar = lambda op_name, x, c: ctx.op(op_name, [x], scalar=c, is_int=False)  # noqa: E731
        folded = scalar("_mod_scalar", ctx.op("abs", [scalar("_plus_scalar", grid, 1.0)]), 4.0)
        grid = scalar("_rminus_scalar", ctx.op("abs", [scalar("_minus_scalar", folded, 2.0)]),
                      1.0)
    if not node.attrs.get("align_corners", 0):
        h, w = shape[2:]
        stretch = np.array([w / (w - 1), h / (h - 1)], ctx.dtype(node.inputs[1]))
        grid = ctx.op("broadcast_mul", [grid, constant(ctx, stretch.reshape(1, 2, 1, 1))])
    if padding != "zeros":  # the edge pixels' centres bound the samples
        grid = ctx.op("clip", [grid], a_min=-1.0, a_max=1.0)
    return [ctx.op("BilinearSampler", [ctx.value(node.inputs[0]), grid])]

