"""Shape arithmetic evaluated while importing (``FOLDS``): ``Shape`` and the ops that compute
on its result.

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

__all__ = ["FOLDS", "fold_shape_arithmetic"]

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
        if not any(n in ctx.partial for n in node.inputs if n) and not _all_int64(ctx, node):
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


def _all_int64(ctx: Any, node: Any) -> bool:
    """Every operand is an int64 constant: shape arithmetic an exporter wrote out on constants
    (torch.onnx: ``Reshape(Mod(2, 3), [1])`` as a Slice's end), evaluated like the rest.
    """
    names = [n for n in node.inputs if n]
    return bool(names) and all(
        ctx.is_const(n) and np.asarray(ctx.constants[n]).dtype == np.int64 for n in names
    )


_NOT_FOLDABLE = object()
# Ops that only move elements keep each unknown element's origin, ``(tensor name, axis)``, so a
# Reshape can tell a copy of its input's own dim (MXNet's code 0) from a computed one.
_MOVES = {"Gather": (0,), "Slice": (0,), "Unsqueeze": (0,), "Squeeze": (0,), "Identity": (0,),
          "Cast": (0,), "Concat": None, "Reshape": (0,)}  # fmt: skip


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
    "Mod": np.mod,  # ONNX's Mod with fmod=0 is Python's on integers
}


@_fold(*_ARITHMETIC)
def _arithmetic_fold(ctx: Any, node: Any, args: list) -> list:
    if node.op_type == "Mod" and node.attrs.get("fmod", 0):
        return [np.fmod(*args)]
    return [_ARITHMETIC[node.op_type](*args)]


@_fold("Reshape")
def _reshape_fold(ctx: Any, node: Any, args: list) -> list | None:
    data, shape = args
    if data is None or shape is None or np.isnan(shape).any() or node.attrs.get("allowzero"):
        return None
    target = [data.shape[i] if d == 0 else int(d) for i, d in enumerate(shape.reshape(-1))]
    return [np.reshape(data, target)]


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
