"""Import rules for ONNX shape ops and reductions: Flatten, Reshape, Transpose, Squeeze,
Unsqueeze, Concat, Split, Slice, Gather, Expand, Tile, Pad, Reduce*, ArgMax/ArgMin; and the
evaluation of shape arithmetic while importing (``FOLDS``).

Shape-like operands (shapes, axes, starts, repeats, pads) must be constants, or shape arithmetic
evaluated on import; they become the registry ops' attributes.

Note [Shape arithmetic on import]
---------------------------------
Exporters keep a reshape batch-independent by computing its target at run time: ``Shape`` ->
``Gather``/``Slice`` -> ``Unsqueeze``/``Concat`` (-> ``Mul``/``Div``/``ReduceProd``) ->
``Reshape``. hybrid's ops take static attributes, so the importer evaluates such subgraphs while
importing, in numpy, on float arrays in which NaN stands for a dim unknown at import (the symbolic
batch); NaN propagates through the arithmetic, and ops that only move elements also carry where
each unknown element came from (tensor, axis). A node is evaluated when it is a ``Shape`` or reads
such a result, and its other operands are integer constants. In a Reshape target, an unknown
element that is the reshaped tensor's own dim at the same position is a copy (code 0), and one
other unknown element becomes MXNet's -1 (every known element is static, so only that one varies);
any other use of an unknown element raises naming the node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from onnx import helper

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
    # See Note [Shape arithmetic on import]: an unknown element that is the input's own dim at
    # the same position is a copy (code 0); a single other unknown element is the -1.
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
    if node.attrs.get("select_last_index", 0):
        raise ctx.error("select_last_index=1 (MXNet returns the first extreme index)")
    op_name = "argmax" if node.op_type == "ArgMax" else "argmin"
    keepdims = bool(node.attrs.get("keepdims", 1))
    y = ctx.op(
        op_name, [ctx.value(node.inputs[0])], axis=int(node.attrs.get("axis", 0)), keepdims=keepdims
    )
    # MXNet returns indices as floats; ONNX as int64.
    return [ctx.op("Cast", [y], dtype=np.int64)]


# -- shape arithmetic evaluated on import (Note [Shape arithmetic on import]) -------------------

FOLDS: dict[str, Callable[..., list]] = {}


def _fold(*op_types: str) -> Callable[[Callable], Callable]:
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        for op_type in op_types:
            FOLDS[op_type] = fn
        return fn

    return deco


def fold_shape_arithmetic(ctx: Any, node: Any) -> bool:
    """Evaluate ``node`` on import into ``ctx.partial`` (and ``ctx.constants`` when fully known);
    False when it is not shape arithmetic (then its import rule translates it).
    """
    fn = FOLDS.get(node.op_type)
    if fn is None:
        return False
    if node.op_type == "Shape":
        values, labels = _shape_of(ctx, node)
    else:
        if not any(n in ctx.partial for n in node.inputs if n):
            return False
        args = [_fold_operand(ctx, n) for n in node.inputs]
        if any(a is _NOT_FOLDABLE for a in args):
            return False
        out = fn(ctx, node, args)
        if out is None:
            return False
        values = out[0]
        labels = _moved_labels(ctx, node, fn, args) if node.op_type in _MOVES else None
    name = node.outputs[0]
    ctx.partial[name] = values
    ctx.partial_labels[name] = labels if labels is not None else _no_labels(values.shape)
    if not np.isnan(values).any():
        ctx.constants[name] = values.astype(np.int64)
    return True


_NOT_FOLDABLE = object()
# Ops that only move elements keep each unknown element's origin, ``(tensor name, axis)``, so a
# Reshape can tell a copy of its input's own dim (MXNet's code 0) from a computed one.
_MOVES = {"Gather": (0,), "Slice": (0,), "Unsqueeze": (0,), "Squeeze": (0,), "Identity": (0,),
          "Cast": (0,), "Concat": None}  # fmt: skip


def _fold_operand(ctx: Any, name: str) -> Any:
    if not name:
        return None
    if name in ctx.partial:
        return ctx.partial[name]
    if ctx.is_const(name) and np.asarray(ctx.constants[name]).dtype.kind in "iub":
        return np.asarray(ctx.constants[name], dtype=np.float64)
    return _NOT_FOLDABLE


def _no_labels(shape: tuple) -> np.ndarray:
    return np.full(shape, None, dtype=object)


def _moved_labels(ctx: Any, node: Any, fn: Callable, args: list) -> np.ndarray:
    """The origins of the output's elements: ``fn`` applied to the data operands' labels."""
    data = _MOVES[node.op_type]
    label_args = [
        (ctx.partial_labels[n] if n in ctx.partial else _no_labels(a.shape))
        if a is not None and (data is None or i in data)
        else a
        for i, (n, a) in enumerate(zip(node.inputs, args))
    ]
    return fn(ctx, node, label_args)[0]


def _shape_of(ctx: Any, node: Any) -> tuple[np.ndarray, np.ndarray]:
    name = node.inputs[0]
    shape = ctx.constants[name].shape if ctx.is_const(name) else ctx.value(name).shape
    if shape is None:
        raise ctx.error(f"the rank of {name!r} is unknown")
    dims = np.array([np.nan if d == 0 else d for d in shape], dtype=np.float64)
    labels = _no_labels(dims.shape)
    for j, d in enumerate(shape):
        labels[j] = (name, j) if d == 0 else None
    start, end = node.attrs.get("start", 0), node.attrs.get("end")
    return dims[start:end], labels[start:end]


def _int_list(arr: np.ndarray | None) -> list[int] | None:
    return None if arr is None else [int(v) for v in arr.reshape(-1)]


@_fold("Shape")
def _shape_fold(ctx: Any, node: Any, args: list) -> list:
    return [_shape_of(ctx, node)[0]]


@_fold("Gather")
def _gather_fold(ctx: Any, node: Any, args: list) -> list:
    data, indices = args
    taken = np.take(data, indices.astype(np.int64), axis=int(node.attrs.get("axis", 0)))
    if not isinstance(taken, np.ndarray):  # one element of a label array: keep it 0-d
        taken, element = np.empty((), dtype=data.dtype), taken
        taken[()] = element
    return [taken]


@_fold("Slice")
def _slice_fold(ctx: Any, node: Any, args: list) -> list:
    data, starts, ends, axes, steps = (args + [None] * 5)[:5]
    starts, ends = _int_list(starts), _int_list(ends)
    axes = _int_list(axes) or list(range(len(starts)))
    steps = _int_list(steps) or [1] * len(starts)
    index = [slice(None)] * data.ndim
    for a, b, e, st in zip(axes, starts, ends, steps):
        index[a % data.ndim] = slice(b, e, st)
    return [data[tuple(index)]]


@_fold("Concat")
def _concat_fold(ctx: Any, node: Any, args: list) -> list:
    return [np.concatenate(args, axis=int(node.attrs["axis"]))]


def _fold_axes(node: Any, args: list) -> list[int] | None:
    """``axes`` from the attribute (opsets before 13) or the second input."""
    axes = node.attrs.get("axes")
    return list(axes) if axes is not None else _int_list(args[1] if len(args) > 1 else None)


@_fold("Unsqueeze")
def _unsqueeze_fold(ctx: Any, node: Any, args: list) -> list:
    axes = _fold_axes(node, args)
    out_rank = args[0].ndim + len(axes)
    return [np.expand_dims(args[0], tuple(a % out_rank for a in axes))]


@_fold("Squeeze")
def _squeeze_fold(ctx: Any, node: Any, args: list) -> list:
    axes = _fold_axes(node, args)
    return [np.squeeze(args[0], axis=None if axes is None else tuple(axes))]


_ARITHMETIC = {
    "Add": np.add,
    "Sub": np.subtract,
    "Mul": np.multiply,
    # ONNX divides integers truncating toward zero.
    "Div": lambda a, b: np.trunc(a / b),
}


@_fold(*_ARITHMETIC)
def _arithmetic_fold(ctx: Any, node: Any, args: list) -> list:
    return [_ARITHMETIC[node.op_type](*args)]


@_fold("ReduceProd")
def _reduce_prod_fold(ctx: Any, node: Any, args: list) -> list:
    axes = _fold_axes(node, args)
    keepdims = bool(node.attrs.get("keepdims", 1))
    axis = None if not axes else tuple(axes)
    return [np.prod(args[0], axis=axis, keepdims=keepdims)]


@_fold("Cast", "Identity")
def _pass_fold(ctx: Any, node: Any, args: list) -> list | None:
    to = helper.tensor_dtype_to_np_dtype(node.attrs.get("to", 7))
    if node.op_type == "Cast" and to.kind not in "iu":
        return None  # a shape turned into data: the Cast rule reads it as a constant
    return [args[0]]
