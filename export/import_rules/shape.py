"""Import rules for ONNX shape ops and reductions: Flatten, Reshape, Transpose, Squeeze,
Unsqueeze, Concat, Split, Slice, Gather, Expand, Tile, Pad, Reduce*, ArgMax/ArgMin.

Shape-like operands (shapes, axes, starts, repeats, pads) must be constants, or shape arithmetic
evaluated on import (``shape_folding.py``); they become the registry ops' attributes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import rule

# Past these magnitudes an ONNX Slice bound means "to the end" (models write INT64_MAX / MIN).
_OPEN_END = 2**31 - 1

_REDUCE = {
    "ReduceSum": ("sum", 13),
    "ReduceMean": ("mean", 18),
    "ReduceMax": ("max", 18),
    "ReduceMin": ("min", 18),
    "ReduceProd": ("prod", 18),
}


def _ints(ctx: Any, name: str, what: str) -> tuple[int, ...]:
    return tuple(int(v) for v in np.asarray(ctx.const(name, what)).reshape(-1))


def _axes(ctx: Any, node: Any, first_input_opset: int, index: int = 1) -> tuple | None:
    """``axes`` from the attribute (older opsets) or the optional constant input (newer)."""
    if ctx.opset < first_input_opset:
        axes = node.attrs.get("axes")
        return None if axes is None else tuple(int(a) for a in axes)
    name = node.input(index)
    return _ints(ctx, name, "axes") if name else None


def _rank(ctx: Any, name: str) -> int:
    shape = ctx.value(name).shape
    if shape is None:
        raise ctx.error(f"the rank of {name!r} is unknown")
    return len(shape)


@rule("Flatten")
def _flatten(ctx: Any, node: Any) -> list:
    data = node.inputs[0]
    axis = int(node.attrs.get("axis", 1)) % (_rank(ctx, data) or 1)
    x = ctx.value(data)
    if axis == 1:
        return [ctx.op("Flatten", [x])]
    if axis == 0:
        return [ctx.op("Reshape", [x], shape=(1, -1))]
    head = ctx.op("Reshape", [x], shape=(0,) * axis + (-1,))
    return [ctx.op("Reshape", [head], shape=(-1, 0), reverse=True)]


@rule("Reshape")
def _reshape(ctx: Any, node: Any) -> list:
    data, shape_name = node.inputs
    # See Note [Shape arithmetic on import] (shape_folding.py): an unknown element that is the
    # input's own dim at the same position is a copy (code 0); a single other unknown one is -1.
    target = [
        0 if d == (data, i) else None if isinstance(d, tuple) else d
        for i, d in enumerate(ctx.partial_ints(shape_name, "shape"))
    ]
    unknown = [i for i, d in enumerate(target) if d is None]
    if unknown and (len(unknown) > 1 or -1 in target):
        raise ctx.error(
            f"shape {tuple(target)} has more than one element unknown at import (None); pass "
            "input_shapes to from_onnx"
        )
    shape = tuple(-1 if d is None else d for d in target)
    if node.attrs.get("allowzero", 0) and 0 in shape:
        raise ctx.error(f"allowzero=1 with a 0 in shape {shape} (empty tensors)")
    # With allowzero=0, ONNX's 0 (copy the dim at this index) and -1 read exactly like MXNet's
    # codes 0 and -1, because every ONNX code consumes one input dim (Note [Reshape codes]).
    x = ctx.value(data)
    return [ctx.op("Reshape", [x], shape=_static_infer_dim(x.shape, shape))]


def _static_infer_dim(in_shape: tuple | None, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with its -1 made a number when the input dims unknown at import are all copied
    by 0 codes: they cancel out, so the -1 does not depend on them. MXNet's shape rule cannot see
    that, and a later reshape of the output would need the dim (``(B, T, 16)`` -> ``(0, 0, 4, -1)``
    gives ``(B, T, 4, 4)`` for every B).
    """
    if in_shape is None or -1 not in shape:
        return shape
    copied = {i for i, d in enumerate(shape) if d == 0}
    rest = [d for i, d in enumerate(in_shape) if i not in copied]
    fixed = int(np.prod([d for d in shape if d not in (0, -1)]))
    total = int(np.prod(rest))
    if 0 in rest or fixed == 0 or total % fixed:
        return shape
    return tuple(total // fixed if d == -1 else d for d in shape)


@rule("Transpose")
def _transpose(ctx: Any, node: Any) -> list:
    perm = tuple(int(p) for p in node.attrs.get("perm", ()))
    return [ctx.op("transpose", [ctx.value(node.inputs[0])], axes=perm)]


@rule("Squeeze")
def _squeeze(ctx: Any, node: Any) -> list:
    axes = _axes(ctx, node, 13)
    return [ctx.op("squeeze", [ctx.value(node.inputs[0])], axis=axes)]


@rule("Unsqueeze")
def _unsqueeze(ctx: Any, node: Any) -> list:
    axes = _axes(ctx, node, 13)
    out_rank = _rank(ctx, node.inputs[0]) + len(axes)
    y = ctx.value(node.inputs[0])
    # Inserting in ascending order of output position puts every new axis where ONNX puts it.
    for axis in sorted(a % out_rank for a in axes):
        y = ctx.op("expand_dims", [y], axis=axis)
    return [y]


@rule("Concat")
def _concat(ctx: Any, node: Any) -> list:
    axis = int(node.attrs["axis"]) % _rank(ctx, node.inputs[0])
    values = [ctx.value(n) for n in node.inputs]
    return [ctx.op("Concat", values, dim=axis, num_args=len(values))]


@rule("Split")
def _split(ctx: Any, node: Any) -> list:
    data = node.inputs[0]
    rank = _rank(ctx, data)
    axis = int(node.attrs.get("axis", 0)) % rank
    n = len(node.outputs)
    if ctx.opset < 13:
        split = node.attrs.get("split")
    else:
        split = _ints(ctx, node.input(1), "split") if node.input(1) else None
    x = ctx.value(data)
    if split is None or len(set(split)) == 1 and len(split) == n:
        if split is None and x.shape[axis] and x.shape[axis] % n:
            # Opset 18's num_outputs with an uneven axis: the last piece is smaller.
            size = -(-x.shape[axis] // n)
            split = [size] * (n - 1) + [x.shape[axis] - size * (n - 1)]
        else:
            return ctx.multi("SliceChannel", [x], num_outputs=n, axis=axis)
    bounds = np.cumsum([0, *split])
    return [
        ctx.op("slice_axis", [x], axis=axis, begin=int(b), end=int(e))
        for b, e in zip(bounds[:-1], bounds[1:])
    ]


def _bound(v: int) -> int | None:
    return None if abs(v) >= _OPEN_END else v


@rule("Slice")
def _slice(ctx: Any, node: Any) -> list:
    data = node.inputs[0]
    rank = _rank(ctx, data)
    if ctx.opset < 10:
        starts, ends = node.attrs["starts"], node.attrs["ends"]
        axes, steps = node.attrs.get("axes"), None
    else:
        starts, ends = (_ints(ctx, node.input(i), w) for i, w in ((1, "starts"), (2, "ends")))
        axes = _ints(ctx, node.input(3), "axes") if node.input(3) else None
        steps = _ints(ctx, node.input(4), "steps") if node.input(4) else None
    axes = [a % rank for a in (axes if axes is not None else range(len(starts)))]
    steps = steps or (1,) * len(axes)
    n = max(axes) + 1
    begin, end, step = [None] * n, [None] * n, [None] * n
    for a, b, e, s in zip(axes, starts, ends, steps):
        begin[a], end[a], step[a] = _bound(int(b)), _bound(int(e)), int(s)
    y = ctx.op("slice", [ctx.value(data)], begin=tuple(begin), end=tuple(end), step=tuple(step))
    return [y]


@rule("Gather")
def _gather(ctx: Any, node: Any) -> list:
    data, indices = node.inputs
    axis = int(node.attrs.get("axis", 0))
    # NOTE: 'wrap' maps ONNX's negative indices (counted from the end) to the right element.
    return [ctx.op("take", [ctx.value(data), ctx.value(indices)], axis=axis, mode="wrap")]


@rule("Expand")
def _expand(ctx: Any, node: Any) -> list:
    data, shape_name = node.inputs
    target = _ints(ctx, shape_name, "shape")
    shape = ctx.known_shape(data, "Expand")
    out = np.broadcast_shapes(shape, target)
    x = ctx.value(data)
    if len(out) > len(shape):
        x = ctx.op("Reshape", [x], shape=(1,) * (len(out) - len(shape)) + shape)
    return [ctx.op("broadcast_to", [x], shape=tuple(out))]


@rule("Tile")
def _tile(ctx: Any, node: Any) -> list:
    reps = _ints(ctx, node.inputs[1], "repeats")
    return [ctx.op("tile", [ctx.value(node.inputs[0])], reps=reps)]


@rule("Pad")
def _pad(ctx: Any, node: Any) -> list:
    data = node.inputs[0]
    rank = _rank(ctx, data)
    mode = node.attrs.get("mode", "constant")
    if ctx.opset < 11:
        pads, value, axes = tuple(node.attrs["pads"]), float(node.attrs.get("value", 0.0)), None
    else:
        pads = _ints(ctx, node.input(1), "pads")
        value = float(ctx.const(node.input(2), "constant_value")) if node.input(2) else 0.0
        axes = _ints(ctx, node.input(3), "axes") if node.input(3) else None
    axes = [a % rank for a in (axes if axes is not None else range(rank))]
    widths = [0] * (2 * rank)
    for i, a in enumerate(axes):
        widths[2 * a], widths[2 * a + 1] = pads[i], pads[i + len(axes)]
    if mode not in ("constant", "edge", "reflect"):
        raise ctx.error(f"mode={mode!r} (MXNet's Pad has constant, edge, reflect)")
    if rank not in (4, 5) or any(widths[:4]) or min(widths) < 0:
        raise ctx.error(
            f"pads {pads} on a rank-{rank} input: MXNet's Pad takes 4-D/5-D data, non-negative "
            "pads and no padding of the first two axes"
        )
    y = ctx.op("Pad", [ctx.value(data)], mode=mode, pad_width=tuple(widths), constant_value=value)
    return [y]


@rule(*_REDUCE)
def _reduce(ctx: Any, node: Any) -> list:
    op_name, first_input_opset = _REDUCE[node.op_type]
    axes = _axes(ctx, node, first_input_opset)
    x = ctx.value(node.inputs[0])
    if not axes:
        if node.attrs.get("noop_with_empty_axes", 0):
            return [ctx.op("_copy", [x])]
        axes = None
    keepdims = bool(node.attrs.get("keepdims", 1))
    return [ctx.op(op_name, [x], axis=axes, keepdims=keepdims)]


@rule("ArgMax", "ArgMin")
def _arg_reduce(ctx: Any, node: Any) -> list:
    op_name = "argmax" if node.op_type == "ArgMax" else "argmin"
    keepdims = bool(node.attrs.get("keepdims", 1))
    x = ctx.value(node.inputs[0])
    axis = int(node.attrs.get("axis", 0))
    if node.attrs.get("select_last_index", 0):
        y = _last_extreme_index(ctx, x, "max" if op_name == "argmax" else "min", axis, keepdims)
    else:
        y = ctx.op(op_name, [x], axis=axis, keepdims=keepdims)
    # MXNet returns indices as floats; ONNX as int64.
    return [ctx.op("Cast", [y], dtype=np.int64)]


def _last_extreme_index(ctx: Any, x: Any, reduce: str, axis: int, keepdims: bool) -> Any:
    """The last index of the extreme along ``axis`` (MXNet's argmax/argmin give the first): the
    largest position among the elements equal to the extreme.
    """
    rank = len(x.shape)
    axis %= rank
    extreme = ctx.op(reduce, [x], axis=axis, keepdims=True)
    hit = ctx.op("Cast", [ctx.op("broadcast_equal", [x, extreme])], dtype=np.float64)
    pos = ctx.op("_contrib_arange_like", [x], axis=axis)
    pos = ctx.op("Cast", [pos], dtype=np.float64)
    pos = ctx.op("Reshape", [pos], shape=(-1,) + (1,) * (rank - axis - 1))
    return ctx.op("max", [ctx.op("broadcast_mul", [hit, pos])], axis=axis, keepdims=keepdims)
