"""Helpers shared by the recurrent layers and cells: sequences as tensors or per-step lists
(MXNet's SequenceMask / SequenceLast / SequenceReverse semantics from registry ops), begin states
and deferred input sizes.
"""

from __future__ import annotations

import inspect
from typing import Any

from ... import symbol
from ...base import ShapeError
from ...util import is_np_array
from .._np_mode import eager_namespace
from ..parameter import Parameter


def is_tensor(x: Any) -> bool:
    return hasattr(x, "_data") or hasattr(x, "_is_symbol")


def set_deferred_shape(param: Parameter, shape: tuple[int, ...]) -> None:
    """Give a deferred parameter its now known shape, also on the Symbol variables already made
    for it while tracing (see Note [Deferred initialization] in hybrid.gluon.parameter).
    """
    param.shape = shape
    for sym in (param._trace_symbol, param._var):
        if sym is not None:
            sym._outputs[0].shape = tuple(shape)


def make_state(func: Any, name: str, info: dict) -> Any:
    """``func(name=name, **info)`` (an ``np.ndarray`` in numpy mode), leaving out the
    ``__layout__`` hint for functions that take no such keyword (``nd.zeros`` does not;
    ``sym.var`` keeps it as an attribute).
    """
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        params = []
    if not any(p.kind is p.VAR_KEYWORD or p.name == "__layout__" for p in params):
        info = {k: v for k, v in info.items() if k != "__layout__"}
    state = func(name=name, **info)
    if is_np_array() and hasattr(state, "as_np_ndarray"):
        state = state.as_np_ndarray()  # numpy mode: np.ndarray states, as MXNet 1.9.1 makes
    return state


def _is_symbol(x: Any) -> bool:
    return hasattr(x, "_is_symbol")


def _as_list(x: Any) -> list:
    """A list of tensors from a list, one tensor, or a Symbol grouping several outputs."""
    if isinstance(x, (list, tuple)) or (_is_symbol(x) and len(x._outputs) > 1):
        return list(x)
    return [x]


def namespace(x: Any) -> Any:
    first = x[0] if isinstance(x, (list, tuple)) else x
    return symbol if _is_symbol(first) else eager_namespace()


def format_sequence(
    length: int | None, inputs: Any, layout: str, merge: bool | None, in_layout: str | None = None
) -> tuple[Any, int, Any, int]:
    """``(inputs, time_axis, F, batch_size)``: a tensor (``merge`` True) or a list of per-step
    ``(batch, ...)`` tensors (``merge`` False); ``merge=None`` leaves the form as it is.
    """
    axis, batch_axis = layout.find("T"), layout.find("N")
    in_axis = in_layout.find("T") if in_layout is not None else axis
    F = namespace(inputs)
    batch = 0
    if isinstance(inputs, (list, tuple)):
        if length is not None and len(inputs) != length:
            raise ShapeError(f"unroll: got {len(inputs)} step inputs, expected length={length}")
        if not _is_symbol(inputs[0]):
            batch = inputs[0].shape[0]
        if merge is True:
            inputs, in_axis = F.stack(*inputs, axis=axis), axis
    else:
        if inputs.shape is not None:
            batch = inputs.shape[batch_axis]
            if length is not None and inputs.shape[in_axis] != length:
                raise ShapeError(
                    f"unroll: inputs have shape {tuple(inputs.shape)} with "
                    f"{inputs.shape[in_axis]} steps on axis {in_axis} ({layout}), "
                    f"expected length={length}"
                )
        if merge is False:
            steps = length if length is not None else inputs.shape[in_axis]
            return (
                _as_list(F.split(inputs, axis=in_axis, num_outputs=steps, squeeze_axis=1)),
                axis,
                F,
                batch,
            )
    if not isinstance(inputs, (list, tuple)) and axis != in_axis:
        inputs = F.swapaxes(inputs, dim1=axis, dim2=in_axis)
    return inputs, axis, F, batch


def get_begin_state(cell: Any, F: Any, begin_state: Any, batch_size: int) -> list:
    if begin_state is not None:
        return list(begin_state)
    return cell.begin_state(func=F.zeros, batch_size=batch_size)


def mask_sequence(F: Any, data: Any, length: int, valid_length: Any, axis: int, merge: bool) -> Any:
    """Steps at or past ``valid_length`` set to 0 (a tensor, or a list when not ``merge``)."""
    if isinstance(data, (list, tuple)):
        data = F.stack(*data, axis=axis)
    out = F.SequenceMask(data, valid_length, use_sequence_length=True, axis=axis)
    if merge:
        return out
    return _as_list(F.split(out, num_outputs=length, axis=axis, squeeze_axis=1))


def last_valid(F: Any, steps: list, valid_length: Any) -> Any:
    """The step at ``valid_length - 1`` of each sequence from per-step ``(N, H)`` tensors, as
    MXNet's SequenceLast: a one-hot selection over time.
    """
    stacked = F.stack(*steps, axis=0)  # (T, N, H)
    pick = F.one_hot(valid_length - 1, depth=len(steps), dtype=stacked.dtype)  # (N, T)
    pick = F.expand_dims(F.transpose(pick), axis=2)  # (T, N, 1)
    return F.sum(F.broadcast_mul(stacked, pick), axis=0)


def reverse_sequences(F: Any, steps: list, valid_length: Any = None) -> list:
    """Per-step tensors in reverse time order; with ``valid_length``, each sequence reversed
    within its own length (padding stays in place), as MXNet's SequenceReverse.
    """
    if valid_length is None:
        return list(reversed(steps))
    t_len = len(steps)
    stacked = F.stack(*steps, axis=1)  # (N, T, C)
    t = F.reshape(F.arange(0, t_len, dtype=stacked.dtype), shape=(t_len, 1))
    lengths = F.reshape(valid_length, shape=(1, -1))  # (1, N)
    inside = F.broadcast_lesser(t, lengths)  # (T, N)
    mirrored = F.broadcast_sub(lengths - 1, t)
    source = F.where(inside, mirrored, F.broadcast_add(t, F.zeros_like(lengths)))  # (T, N)
    select = F.one_hot(F.transpose(source), depth=t_len, dtype=stacked.dtype)  # (N, T, T)
    out = F.batch_dot(select, stacked)  # (N, T, C)
    return _as_list(F.split(out, num_outputs=t_len, axis=1, squeeze_axis=1))
