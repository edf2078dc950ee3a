"""Import rules for ONNX Resize and Upsample, as one interpolation matrix per resized axis.

Note [Resize as matrices]
-------------------------
Resizing is separable and linear: along each resized axis the output is ``W @ x`` with ``W`` of
shape (output size, input size), whatever the mode. The input shape is known at import, so ``W``
is computed here from ONNX's rules (the coordinate transformation maps an output index to a
source coordinate; nearest picks one neighbour, linear two, cubic four with Keys' kernel; a
neighbour outside the input repeats the edge unless ``exclude_outside`` drops it and
renormalises) and applied with MXNet's ``dot`` after moving the axis last. Not covered:
``antialias`` and ``tf_crop_and_resize``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import constant, rule

_COORDS = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
           "asymmetric")


def _source(n_in: int, n_out: int, scale: float, coord: str) -> np.ndarray:
    """The source coordinate of each output index (ONNX takes the output width as
    ``scale * n_in`` unrounded)."""
    x = np.arange(n_out, dtype=np.float64)
    width = scale * n_in
    if coord == "align_corners":
        return x * (n_in - 1) / (width - 1) if width != 1 else np.zeros(n_out)
    if coord == "asymmetric":
        return x / scale
    if coord == "pytorch_half_pixel" and width == 1:
        return np.full(n_out, -0.5)
    offset = 0.0
    if coord == "half_pixel_symmetric":  # centre the output on the input's centre
        offset = n_in / 2 * (1 - n_out / (scale * n_in))
    return offset + (x + 0.5) / scale - 0.5


def _cubic(d: np.ndarray, a: float) -> np.ndarray:
    d = np.abs(d)
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return np.where(d <= 1, near, np.where(d < 2, far, 0.0))


def _nearest(src: np.ndarray, how: str) -> np.ndarray:
    floor = np.floor(src)
    frac = src - floor
    if how == "floor":
        return floor
    if how == "ceil":
        return np.ceil(src)
    return floor + (frac > 0.5 if how == "round_prefer_floor" else frac >= 0.5)


def interpolation_matrix(n_in: int, n_out: int, scale: float, attrs: dict) -> np.ndarray:
    """``W`` (n_out, n_in) of one axis; see Note [Resize as matrices]."""
    src = _source(n_in, n_out, scale, attrs["coord"])
    rows = np.arange(n_out)
    if attrs["mode"] == "nearest":
        taps = _nearest(src, attrs["nearest_mode"])[:, None]
        weights = np.ones((n_out, 1))
    else:
        base = np.floor(src)
        ratio = src - base
        offsets = np.arange(2) if attrs["mode"] == "linear" else np.arange(-1, 3)
        taps = base[:, None] + offsets
        if attrs["mode"] == "linear":
            weights = np.stack([1 - ratio, ratio], axis=1)
        else:
            weights = _cubic(offsets[None, :] - ratio[:, None], attrs["cubic_a"])
    taps = taps.astype(np.int64)
    if attrs["exclude_outside"]:
        weights = np.where((taps < 0) | (taps >= n_in), 0.0, weights)
        weights = weights / weights.sum(axis=1, keepdims=True)
    w = np.zeros((n_out, n_in))
    np.add.at(w, (np.repeat(rows, taps.shape[1]), np.clip(taps, 0, n_in - 1).ravel()),
              weights.ravel())
    return w


def _attrs(ctx: Any, node: Any) -> dict:
    a = node.attrs
    legacy = node.op_type == "Upsample" or ctx.opset < 11
    attrs = {
        "mode": a.get("mode", "nearest"),
        "coord": "asymmetric" if legacy else a.get("coordinate_transformation_mode",
                                                   "half_pixel"),
        "nearest_mode": "floor" if legacy else a.get("nearest_mode", "round_prefer_floor"),
        "cubic_a": float(a.get("cubic_coeff_a", -0.75)),
        "exclude_outside": bool(a.get("exclude_outside", 0)),
    }
    if attrs["mode"] not in ("nearest", "linear", "cubic") or attrs["coord"] not in _COORDS:
        raise ctx.error(f"mode {attrs['mode']!r} with coordinate transformation "
                        f"{attrs['coord']!r} (see Note [Resize as matrices])")
    if a.get("antialias", 0):
        raise ctx.error("antialias is not supported (see Note [Resize as matrices])")
    return attrs


def _sizes_and_scales(ctx: Any, node: Any, shape: tuple) -> tuple[list, list]:
    axes = [int(x) % len(shape) for x in node.attrs.get("axes", range(len(shape)))]
    scales_name = node.input(1) if node.op_type == "Upsample" or ctx.opset < 11 else node.input(2)
    sizes_name = node.input(3) if node.op_type == "Resize" and ctx.opset >= 11 else ""
    out, scale = list(shape), [1.0] * len(shape)
    if sizes_name:
        for axis, size in zip(axes, np.asarray(ctx.const(sizes_name, "sizes")).reshape(-1)):
            out[axis], scale[axis] = int(size), int(size) / shape[axis]
        policy = node.attrs.get("keep_aspect_ratio_policy", "stretch")
        if policy != "stretch":  # one scale for all axes: the smallest or the largest
            one = (min if policy == "not_larger" else max)(scale[a] for a in axes)
            for axis in axes:
                out[axis], scale[axis] = int(one * shape[axis] + 0.5), one
    else:
        factors = np.asarray(ctx.const(scales_name, "scales"), np.float64).reshape(-1)
        for axis, factor in zip(axes, factors):
            out[axis], scale[axis] = int(np.floor(shape[axis] * factor)), float(factor)
    return out, scale


@rule("Resize", "Upsample")
def _resize(ctx: Any, node: Any) -> list:
    attrs = _attrs(ctx, node)
    shape = ctx.known_shape(node.inputs[0], node.op_type)
    out, scale = _sizes_and_scales(ctx, node, shape)
    y = ctx.value(node.inputs[0])
    dtype = ctx.dtype(node.inputs[0])
    rank = len(shape)
    for axis in range(rank):
        if out[axis] == shape[axis] and scale[axis] == 1.0:
            continue
        w = interpolation_matrix(shape[axis], out[axis], scale[axis], attrs)
        perm = (*range(axis), *range(axis + 1, rank), axis)  # the axis last, for dot
        moved = ctx.op("transpose", [y], axes=perm)
        moved = ctx.op("dot", [moved, constant(ctx, w.T.astype(dtype))])
        y = ctx.op("transpose", [moved], axes=tuple(int(i) for i in np.argsort(perm)))
    return [y]
