"""Import rules for ONNX tensor ops that map onto MXNet's: CumSum, TopK, OneHot, EyeLike, Trilu,
GatherND, ScatterND, GatherElements, ScatterElements, TensorScatter, DepthToSpace, SpaceToDepth,
ReverseSequence, Einsum, Det, Size, Range, Col2Im, CenterCropPad and the window functions.

Counts, axes and ``k`` operands must be constants (they become attributes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import helper

from . import constant, rule


def _int(ctx: Any, name: str, what: str) -> int:
    return int(np.asarray(ctx.const(name, what)).reshape(-1)[0])


def _write_at(ctx: Any, data: Any, updates: Any, coords: Any, shape: tuple) -> Any:
    """``data`` with ``updates`` written at scatter_nd's ``coords`` (the written places of data
    cleared first: scatter_nd itself starts from zeros)."""
    placed = ctx.op("scatter_nd", [updates, coords], shape=shape)
    hit = ctx.op("scatter_nd", [ctx.op("ones_like", [updates]), coords], shape=shape)
    kept = ctx.op("elemwise_mul", [data, ctx.op("_rminus_scalar", [hit], scalar=1.0,
                                                 is_int=False)])
    return ctx.op("elemwise_add", [kept, placed])


def _index_last_to_first(ctx: Any, indices: Any) -> Any:
    """ONNX's ``(..., k)`` index tuples as MXNet's ``(k, ...)``."""
    rank = len(indices.shape)
    return ctx.op("transpose", [indices], axes=(rank - 1, *range(rank - 1)))


@rule("CumSum")
def _cumsum(ctx: Any, node: Any) -> list:
    x = ctx.value(node.inputs[0])
    axis = _int(ctx, node.inputs[1], "axis") % len(x.shape)
    reverse = bool(node.attrs.get("reverse", 0))
    y = ctx.op("reverse", [x], axis=axis) if reverse else x
    y = ctx.op("_np_cumsum", [y], axis=axis)
    if reverse:
        y = ctx.op("reverse", [y], axis=axis)
    if node.attrs.get("exclusive", 0):  # the sum of the elements before, not up to
        y = ctx.op("elemwise_sub", [y, x])
    return [y]


@rule("TopK")
def _topk(ctx: Any, node: Any) -> list:
    x = ctx.value(node.inputs[0])
    k = _int(ctx, node.inputs[1], "K") if ctx.opset >= 10 else int(node.attrs["k"])
    values, indices = ctx.multi(
        "topk", [x], axis=int(node.attrs.get("axis", -1)), k=k, ret_typ="both",
        is_ascend=not node.attrs.get("largest", 1), dtype=np.int64)
    return [values, indices]


@rule("OneHot")
def _one_hot(ctx: Any, node: Any) -> list:
    indices_name, depth_name, values_name = node.inputs
    depth = _int(ctx, depth_name, "depth")
    off, on = (float(v) for v in np.asarray(ctx.const(values_name, "values")).reshape(-1))
    # ONNX counts negative indices from the end; others out of range give all off_value, as
    # in MXNet.
    indices = ctx.op("Cast", [ctx.value(indices_name)], dtype=np.float64)
    negative = ctx.op("_lesser_scalar", [indices], scalar=0.0, is_int=False)
    indices = ctx.op("elemwise_add", [indices, ctx.op("_mul_scalar", [negative], scalar=float(
        depth), is_int=False)])
    y = ctx.op("one_hot", [indices], depth=depth, on_value=on, off_value=off,
               dtype=ctx.dtype(values_name))
    rank = len(y.shape)
    axis = int(node.attrs.get("axis", -1)) % rank
    if axis != rank - 1:  # MXNet appends the class axis last
        y = ctx.op("transpose", [y], axes=(*range(axis), rank - 1, *range(axis, rank - 1)))
    return [y]


@rule("EyeLike")
def _eye_like(ctx: Any, node: Any) -> list:
    n, m = ctx.known_shape(node.inputs[0], "EyeLike")
    dtype = (helper.tensor_dtype_to_np_dtype(node.attrs["dtype"]) if "dtype" in node.attrs
             else ctx.dtype(node.inputs[0]))
    return [ctx.op("_eye", [], N=n, M=m, k=int(node.attrs.get("k", 0)), dtype=dtype)]


@rule("Trilu")
def _trilu(ctx: Any, node: Any) -> list:
    shape = ctx.known_shape(node.inputs[0], "Trilu")
    k = _int(ctx, node.input(1), "k") if node.input(1) else 0
    rows, cols = np.indices(shape[-2:])
    upper = node.attrs.get("upper", 1)
    keep = cols - rows >= k if upper else cols - rows <= k
    x = ctx.value(node.inputs[0])
    keep = keep.reshape((1,) * (len(shape) - 2) + keep.shape)
    mask = ctx.op("broadcast_to", [constant(ctx, keep)], shape=shape)
    return [ctx.op("where", [mask, x, ctx.op("zeros_like", [x])])]


@rule("GatherND")
def _gather_nd(ctx: Any, node: Any) -> list:
    if node.attrs.get("batch_dims", 0):
        raise ctx.error("batch_dims > 0 (MXNet's gather_nd indexes from the first axis)")
    data, indices = (ctx.value(n) for n in node.inputs)
    return [ctx.op("gather_nd", [data, _index_last_to_first(ctx, indices)])]


@rule("ScatterND")
def _scatter_nd(ctx: Any, node: Any) -> list:
    reduction = node.attrs.get("reduction", "none")
    if reduction not in ("none", "add"):
        raise ctx.error(f"reduction={reduction!r} (MXNet's scatter_nd writes or adds)")
    shape = ctx.known_shape(node.inputs[0], "ScatterND")
    data, indices, updates = (ctx.value(n) for n in node.inputs)
    indices = _index_last_to_first(ctx, indices)
    if reduction == "none":
        return [_write_at(ctx, data, updates, indices, shape)]
    return [ctx.op("elemwise_add", [data, ctx.op("scatter_nd", [updates, indices],
                                                  shape=shape)])]


@rule("DepthToSpace")
def _depth_to_space(ctx: Any, node: Any) -> list:
    b = int(node.attrs["blocksize"])
    x = ctx.value(node.inputs[0])
    if node.attrs.get("mode", "DCR") == "DCR":
        return [ctx.op("depth_to_space", [x], block_size=b)]
    # CRD: the block offsets are the inner part of each channel group.
    n, c, h, w = ctx.known_shape(node.inputs[0], "DepthToSpace")
    y = ctx.op("Reshape", [x], shape=(n, c // (b * b), b, b, h, w))
    y = ctx.op("transpose", [y], axes=(0, 1, 4, 2, 5, 3))
    return [ctx.op("Reshape", [y], shape=(n, c // (b * b), h * b, w * b))]


@rule("SpaceToDepth")
def _space_to_depth(ctx: Any, node: Any) -> list:
    b = int(node.attrs["blocksize"])
    x = ctx.value(node.inputs[0])
    if node.attrs.get("mode", "DCR") == "DCR":
        return [ctx.op("space_to_depth", [x], block_size=b)]
    n, c, h, w = ctx.known_shape(node.inputs[0], "SpaceToDepth")  # CRD: see DepthToSpace
    y = ctx.op("Reshape", [x], shape=(n, c, h // b, b, w // b, b))
    y = ctx.op("transpose", [y], axes=(0, 1, 3, 5, 2, 4))
    return [ctx.op("Reshape", [y], shape=(n, c * b * b, h // b, w // b))]


@rule("ReverseSequence")
def _reverse_sequence(ctx: Any, node: Any) -> list:
    x, lengths = ctx.value(node.inputs[0]), ctx.value(node.inputs[1])
    time_major = int(node.attrs.get("time_axis", 0)) == 0
    if not time_major:  # MXNet's SequenceReverse wants (time, batch, ...)
        x = ctx.op("SwapAxis", [x], dim1=0, dim2=1)
    y = ctx.op("SequenceReverse", [x, lengths], use_sequence_length=True)
    return [y if time_major else ctx.op("SwapAxis", [y], dim1=0, dim2=1)]


@rule("Einsum")
def _einsum(ctx: Any, node: Any) -> list:
    operands = [ctx.value(n) for n in node.inputs]
    return [ctx.op("_npi_einsum", operands, num_args=len(operands),
                   subscripts=node.attrs["equation"].replace(" ", ""))]


@rule("Det")
def _det(ctx: Any, node: Any) -> list:
    return [ctx.op("linalg_det", [ctx.value(node.inputs[0])])]


@rule("Size")
def _size(ctx: Any, node: Any) -> list:
    return [ctx.op("Cast", [ctx.op("size_array", [ctx.value(node.inputs[0])])], dtype=np.int64)]


def _element_coords(ctx: Any, node: Any, data_name: str, indices_name: str) -> Any:
    """GatherElements/ScatterElements indices as gather_nd/scatter_nd coordinates
    ``(rank, *indices.shape)``: the indices on ``axis`` (negative ones counted from the end),
    the element's own position on every other axis.
    """
    shape = ctx.known_shape(data_name, node.op_type)
    where = ctx.known_shape(indices_name, node.op_type)
    axis = int(node.attrs.get("axis", 0)) % len(shape)
    index = ctx.op("Cast", [ctx.value(indices_name)], dtype=np.int64)
    negative = ctx.op("_lesser_scalar", [index], scalar=0.0, is_int=True)
    index = ctx.op("elemwise_add", [index, ctx.op("_mul_scalar", [negative],
                                                  scalar=float(shape[axis]), is_int=True)])
    grid = np.indices(where, dtype=np.int64)
    rows = [index if d == axis else constant(ctx, grid[d]) for d in range(len(shape))]
    return ctx.op("stack", rows, axis=0, num_args=len(rows))


@rule("GatherElements")
def _gather_elements(ctx: Any, node: Any) -> list:
    data, indices = node.inputs
    return [ctx.op("gather_nd", [ctx.value(data), _element_coords(ctx, node, data, indices)])]


@rule("ScatterElements", "Scatter")
def _scatter_elements(ctx: Any, node: Any) -> list:
    reduction = node.attrs.get("reduction", "none")
    if reduction != "none":
        raise ctx.error(f"reduction={reduction!r} (MXNet's scatter_nd has none)")
    data, indices, updates = node.inputs
    shape = ctx.known_shape(data, node.op_type)
    coords = _element_coords(ctx, node, data, indices)
    return [_write_at(ctx, ctx.value(data), ctx.value(updates), coords, shape)]


@rule("Range")
def _range(ctx: Any, node: Any) -> list:
    start, limit, delta = (np.asarray(ctx.const(n, w)).reshape(-1)[0]
                           for n, w in zip(node.inputs, ("start", "limit", "delta")))
    return [ctx.op("_arange", [], start=float(start), stop=float(limit), step=float(delta),
                   dtype=ctx.dtype(node.inputs[0]))]


# ONNX's window functions: sum over k of a_k cos(2 pi k n / N), N = size (periodic) or size - 1.
_WINDOWS = {"HannWindow": (0.5, -0.5), "HammingWindow": (25 / 46, -21 / 46),
            "BlackmanWindow": (0.42, -0.5, 0.08)}


@rule(*_WINDOWS)
def _window(ctx: Any, node: Any) -> list:
    # The size is a constant, so the window is one: computed here (MXNet's np.hanning and
    # friends give the symmetric windows only).
    size = _int(ctx, node.inputs[0], "size")
    span = size if node.attrs.get("periodic", 1) else size - 1
    n = np.arange(size, dtype=np.float64)
    w = sum(a * np.cos(2 * np.pi * k * n / span) for k, a in enumerate(_WINDOWS[node.op_type]))
    dtype = helper.tensor_dtype_to_np_dtype(node.attrs.get("output_datatype", 1))
    return [ctx.op("_copy", [constant(ctx, w.astype(dtype))])]


@rule("Col2Im")
def _col2im(ctx: Any, node: Any) -> list:
    image = tuple(int(d) for d in np.asarray(ctx.const(node.inputs[1], "image_shape")))
    block = tuple(int(d) for d in np.asarray(ctx.const(node.inputs[2], "block_shape")))
    nd = len(block)
    pads = tuple(node.attrs.get("pads") or (0,) * (2 * nd))
    if pads[:nd] != pads[nd:]:
        raise ctx.error(f"pads {pads}: MXNet's col2im pads both sides alike")
    return [ctx.op("col2im", [ctx.value(node.inputs[0])], output_size=image, kernel=block,
                   stride=tuple(node.attrs.get("strides") or (1,) * nd),
                   dilate=tuple(node.attrs.get("dilations") or (1,) * nd), pad=pads[:nd])]


@rule("CenterCropPad")
def _center_crop_pad(ctx: Any, node: Any) -> list:
    shape = list(ctx.known_shape(node.inputs[0], "CenterCropPad"))
    target = [int(d) for d in np.asarray(ctx.const(node.inputs[1], "shape")).reshape(-1)]
    axes = [int(a) % len(shape) for a in node.attrs.get("axes", range(len(shape)))]
    y, dtype = ctx.value(node.inputs[0]), ctx.dtype(node.inputs[0])
    for axis, size in zip(axes, target):
        have = shape[axis]
        if size < have:  # crop: the larger half of the excess goes at the end
            begin = (have - size) // 2
            y = ctx.op("slice_axis", [y], axis=axis, begin=begin, end=begin + size)
        elif size > have:  # pad with zeros: the larger half at the end
            before = (size - have) // 2
            parts = []
            for width in (before, size - have - before):
                pad_shape = shape[:axis] + [width] + shape[axis + 1:]
                parts.append(constant(ctx, np.zeros(pad_shape, dtype)) if width else None)
            pieces = [p for p in (parts[0], y, parts[1]) if p is not None]
            y = ctx.op("Concat", pieces, dim=axis, num_args=len(pieces))
        shape[axis] = size
    return [y]


@rule("TensorScatter")
def _tensor_scatter(ctx: Any, node: Any) -> list:
    # present = past with update written along axis from each sample's write index (modulo the
    # cache length when circular): scatter_nd at coordinates built from index grids.
    shape = ctx.known_shape(node.inputs[0], "TensorScatter")
    where = ctx.known_shape(node.inputs[1], "TensorScatter")
    axis = int(node.attrs.get("axis", -2)) % len(shape)
    grid = np.indices(where, dtype=np.int64)
    position = constant(ctx, grid[axis])
    if node.input(2):
        start = ctx.op("Cast", [ctx.value(node.input(2))], dtype=np.int64)
        start = ctx.op("Reshape", [start], shape=(-1,) + (1,) * (len(shape) - 1))
        position = ctx.op("broadcast_add", [position, start])
    if node.attrs.get("mode", "linear") == "circular":
        position = ctx.op("_mod_scalar", [position], scalar=float(shape[axis]), is_int=True)
    rows = [position if d == axis else constant(ctx, grid[d]) for d in range(len(shape))]
    coords = ctx.op("stack", rows, axis=0, num_args=len(rows))
    return [_write_at(ctx, ctx.value(node.inputs[0]), ctx.value(node.inputs[1]), coords, shape)]
