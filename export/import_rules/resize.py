"""Import rules for ONNX Resize and Upsample, as one interpolation matrix per resized axis.

Note [Resize as matrices]
-------------------------
Resizing is separable and linear: along each resized axis the output is ``W @ x`` with ``W`` of
shape (output size, input size), whatever the mode. The input shape is known at import, so ``W``
is computed here from ONNX's rules (the coordinate transformation maps an output index to a
source coordinate; nearest picks one neighbour, linear two, cubic four with Keys' kernel; a
neighbour outside the input repeats the edge unless ``exclude_outside`` drops it and
renormalises) and applied with MXNet's ``dot`` after moving the axis last. ``antialias`` widens
the linear or cubic kernel by the downsampling factor (and renormalises), still one matrix.
``tf_crop_and_resize`` maps the outputs onto a crop box; outputs whose source falls outside the
input get a zero row in ``W`` plus the extrapolation value, added as a constant vector.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import constant, rule

_COORDS = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
           "asymmetric", "tf_crop_and_resize")


def _source(n_in: int, n_out: int, scale: float, coord: str, roi: tuple) -> np.ndarray:
    """The source coordinate of each output index (ONNX takes the output width as
    ``scale * n_in`` unrounded; ``roi`` is the crop box's (start, end) as fractions)."""
    x = np.arange(n_out, dtype=np.float64)
    width = scale * n_in
    if coord == "tf_crop_and_resize":
        start, end = roi[0] * (n_in - 1), roi[1] * (n_in - 1)
        if width == 1:
            return np.full(n_out, start + (end - start) / 2)
        return start + x * (end - start) / (width - 1)
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


def _taps_and_weights(src: np.ndarray, scale: float, attrs: dict) -> tuple:
    """Neighbour indices and weights of linear or cubic interpolation at ``src``. ONNX counts
    taps from ``left``, the nearest index strictly below ``src`` (ratio in (0, 1])."""
    left = np.ceil(src) - 1
    ratio = src - left
    # Antialiasing widens the kernel by 1 / scale when downsampling; otherwise it is scale 1.
    shrink = min(scale, 1.0) if attrs["antialias"] else 1.0
    reach = 1 if attrs["mode"] == "linear" else 2
    first = int(np.floor(-reach / shrink) + 1)
    offsets = np.arange(first, 2 - first)
    distance = (offsets[None, :] - ratio[:, None]) * shrink
    if attrs["mode"] == "linear":
        weights = np.clip(1 - np.abs(distance), 0, 1)
    else:
        weights = _cubic(distance, attrs["cubic_a"])
    return left[:, None] + offsets, weights / weights.sum(axis=1, keepdims=True)


def interpolation_matrix(n_in: int, n_out: int, scale: float, attrs: dict,
                         roi: tuple = (0.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """``W`` (n_out, n_in) of one axis and the mask of output rows outside the crop box (all
    False but for tf_crop_and_resize); see Note [Resize as matrices]."""
    src = _source(n_in, n_out, scale, attrs["coord"], roi)
    outside = (src < 0) | (src > n_in - 1) if attrs["coord"] == "tf_crop_and_resize" else \
        np.zeros(n_out, bool)
    rows = np.arange(n_out)
    if attrs["mode"] == "nearest":
        taps = _nearest(src, attrs["nearest_mode"])[:, None]
        weights = np.ones((n_out, 1))
    else:
        taps, weights = _taps_and_weights(src, scale, attrs)
    taps = taps.astype(np.int64)
    if attrs["exclude_outside"]:
        weights = np.where((taps < 0) | (taps >= n_in), 0.0, weights)
        weights = weights / weights.sum(axis=1, keepdims=True)
    weights = np.where(outside[:, None], 0.0, weights)
    w = np.zeros((n_out, n_in))
    np.add.at(w, (np.repeat(rows, taps.shape[1]), np.clip(taps, 0, n_in - 1).ravel()),
              weights.ravel())
    return w, outside


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
        "antialias": bool(a.get("antialias", 0)),
    }
    if attrs["mode"] not in ("nearest", "linear", "cubic") or attrs["coord"] not in _COORDS:
        raise ctx.error(f"mode {attrs['mode']!r} with coordinate transformation "
                        f"{attrs['coord']!r} (see Note [Resize as matrices])")
    if attrs["antialias"] and attrs["mode"] == "nearest":
        raise ctx.error("antialias with mode 'nearest' (ONNX defines it for linear and cubic)")
    return attrs


def _axes(node: Any, rank: int) -> list[int]:
    return [int(x) % rank for x in node.attrs.get("axes", range(rank))]


def _crop_boxes(ctx: Any, node: Any, rank: int) -> list[tuple]:
    """The (start, end) fractions of the crop box per axis: ``roi`` holds the starts of the
    resized axes, then their ends."""
    boxes = [(0.0, 1.0)] * rank
    if node.attrs.get("coordinate_transformation_mode") != "tf_crop_and_resize":
        return boxes
    roi = np.asarray(ctx.const(node.input(1), "roi"), np.float64).reshape(-1)
    axes = _axes(node, rank)
    if roi.size != 2 * len(axes):
        raise ctx.error(f"roi holds {roi.size} values; expected 2 per resized axis "
                        f"({2 * len(axes)})")
    for i, axis in enumerate(axes):
        boxes[axis] = (float(roi[i]), float(roi[len(axes) + i]))
    return boxes


def _sizes_and_scales(ctx: Any, node: Any, shape: tuple) -> tuple[list, list]:
    axes = _axes(node, len(shape))
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
    rank = len(shape)
    boxes = _crop_boxes(ctx, node, rank)
    y = ctx.value(node.inputs[0])
    dtype = ctx.dtype(node.inputs[0])
    fill = float(node.attrs.get("extrapolation_value", 0.0))
    for axis in range(rank):
        if out[axis] == shape[axis] and scale[axis] == 1.0 and boxes[axis] == (0.0, 1.0):
            continue
        w, outside = interpolation_matrix(shape[axis], out[axis], scale[axis], attrs,
                                          boxes[axis])
        perm = (*range(axis), *range(axis + 1, rank), axis)  # the axis last, for dot
        moved = ctx.op("transpose", [y], axes=perm)
        moved = ctx.op("dot", [moved, constant(ctx, w.T.astype(dtype))])
        if outside.any():  # outside the crop box: the extrapolation value
            moved = ctx.op("broadcast_add", [moved, constant(ctx, (outside * fill).astype(dtype))])
        y = ctx.op("transpose", [moved], axes=tuple(int(i) for i in np.argsort(perm)))
    return [y]
