"""``nd.contrib.foreach``, ``while_loop`` and ``cond``: MXNet's control flow run eagerly.

As MXNet's ``nd`` versions do, these loop in Python over ordinary op calls, so autograd records
every step on the tape. The symbolic versions (``hybrid/symbol/control_flow.py``) build one
node holding subgraphs instead; both share the nesting rules here: loop inputs and outputs are an
array or nested lists of arrays, flattened for the loop and regrouped after.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..base import HybridError

__all__ = ["ControlFlowError", "flatten", "regroup", "foreach", "while_loop", "cond"]


class ControlFlowError(HybridError, ValueError):
    """A control-flow call got loop inputs or a body it cannot run (MXNet raises ValueError or
    AssertionError for these).
    """


def flatten(args: Any, what: str, is_array: Callable[[Any], bool]) -> tuple[list, Any]:
    """(leaves, format) of an array or nested lists/tuples of arrays; the format is 0 for a
    single array and a list of formats for a list (MXNet's ``_flatten``).
    """
    if is_array(args):
        return [args], 0
    if not isinstance(args, (list, tuple)):
        raise ControlFlowError(f"{what} must be an array or a (nested) list of arrays, got "
                               f"{type(args).__name__}")
    leaves, fmts = [], []
    for a in args:
        leaf, fmt = flatten(a, what, is_array)
        leaves.extend(leaf)
        fmts.append(fmt)
    return leaves, fmts


def regroup(leaves: list, fmt: Any) -> Any:
    """The nesting ``fmt`` (from :func:`flatten`) rebuilt over ``leaves``; lists come back as
    lists, as in MXNet.
    """
    def build(f: Any, it: Any) -> Any:
        return next(it) if f == 0 else [build(g, it) for g in f]

    return build(fmt, iter(leaves))


def _is_nd(a: Any) -> bool:
    from .ndarray import NDArray

    return isinstance(a, NDArray)


def _scalar(value: Any, type_: type, what: str) -> Any:
    if hasattr(value, "asscalar"):
        value = value.asscalar()
    try:
        return type_(value)
    except (TypeError, ValueError):
        raise ControlFlowError(f"Cannot convert {what} to python {type_.__name__}") from None


def foreach(body: Callable, data: Any, init_states: Any) -> tuple[Any, Any]:
    """Run ``out, states = body(data[i], states)`` for each ``i`` along axis 0 of ``data``.

    Parameters
    ----------
    body : callable
        ``body(data_slice, states) -> (out, new_states)``; ``out`` is an NDArray or nested list
        of them, ``new_states`` has the nesting of ``init_states``.
    data : NDArray or list of NDArray
        Sliced along axis 0; with a list, ``body`` gets a list of slices.
    init_states : NDArray or nested list of NDArray
        The states of the first step.

    Returns
    -------
    (outputs, states): each output stacked over the steps along a new axis 0, and the states
    of the last step.

    Examples
    --------
    >>> import hybrid as mx
    >>> step = lambda x, states: (x + states[0], [states[0] * 2])
    >>> outs, states = mx.nd.contrib.foreach(step, mx.nd.ones((3, 2)), [mx.nd.ones((2,))])
    >>> outs.asnumpy().tolist(), states[0].asnumpy().tolist()
    ([[2.0, 2.0], [3.0, 3.0], [5.0, 5.0]], [8.0, 8.0])
    """
    from . import stack

    flatten(data, "foreach input", _is_nd)
    flatten(init_states, "foreach states", _is_nd)
    single = _is_nd(data)
    steps = data.shape[0] if single else data[0].shape[0]
    states, outputs, out_fmt = init_states, [], None
    for i in range(steps):
        outs, states = body(data[i] if single else [d[i] for d in data], states)
        outs, out_fmt = flatten(outs, "foreach output", _is_nd)
        outputs.append(outs)
    if out_fmt is None:
        raise ControlFlowError("foreach: data has no rows along axis 0, so there are no outputs")
    return regroup([stack(*step) for step in zip(*outputs)], out_fmt), states


def _step_result(func: Callable, loop_vars: list) -> tuple[list, Any, list]:
    """``func``'s (step outputs, their format, new loop variables), as lists."""
    step_output, new_vars = func(*loop_vars)
    step_output = [] if step_output is None else step_output
    new_vars = [] if new_vars is None else new_vars
    new_vars = list(new_vars) if isinstance(new_vars, (list, tuple)) else [new_vars]
    if len(new_vars) != len(loop_vars):
        raise ControlFlowError("The length of loop_vars should be consistent during the loop")
    outs, fmt = flatten(list(step_output) if isinstance(step_output, tuple) else step_output,
                        "while output", _is_nd)
    return outs, fmt, new_vars


def while_loop(cond: Callable, func: Callable, loop_vars: Any,
               max_iterations: Any = None) -> tuple[Any, Any]:
    """While ``cond(*loop_vars)`` is true and fewer than ``max_iterations`` steps ran, run
    ``step_output, loop_vars = func(*loop_vars)``.

    Returns ``(outputs, loop_vars)``: each step output stacked along axis 0 and padded with
    zeros to ``max_iterations`` rows (MXNet pads with uninitialised memory), and the final loop
    variables (a single NDArray when ``loop_vars`` was one). With no step run, ``outputs`` is
    ``[]``.

    Examples
    --------
    >>> import hybrid as mx
    >>> outs, (i, s) = mx.nd.contrib.while_loop(
    ...     lambda i, s: i <= 5, lambda i, s: ([i + s], [i + 1, s + i]),
    ...     (mx.nd.array([0]), mx.nd.array([1])), max_iterations=10)
    >>> outs[0].shape, i.asnumpy().tolist(), s.asnumpy().tolist()
    ((10, 1), [6.0], [16.0])
    """
    from . import concat, zeros

    if max_iterations is None:
        raise ControlFlowError("max_iterations should be specified")
    max_iterations = _scalar(max_iterations, int, "max_iteration")
    single = _is_nd(loop_vars)
    loop_vars = [loop_vars] if single else list(loop_vars)
    if not loop_vars:
        raise ControlFlowError("loop_vars should contain at least one element")
    outputs, out_fmt = [], None
    while len(outputs) < max_iterations and _scalar(cond(*loop_vars), bool,
                                                    "Return value of cond"):
        step_output, out_fmt, loop_vars = _step_result(func, loop_vars)
        if outputs and len(step_output) != len(outputs[0]):
            raise ControlFlowError("Number of elements in step_output should be the same in "
                                   "each step")
        outputs.append(step_output)
    stacked = []
    for k, items in enumerate(zip(*outputs), 1):
        rows = [x.expand_dims(0) for x in items]
        if len(rows) < max_iterations:
            rows.append(zeros((max_iterations - len(rows), *items[0].shape),
                              dtype=items[0].dtype))
        try:
            stacked.append(concat(*rows, dim=0))
        except HybridError:
            shapes = "\n".join(f"  Step {i}, shape is {x.shape}" for i, x in enumerate(items))
            raise ControlFlowError(f"Shapes of {k}-th elements in step_outputs are "
                                   f"inconsistent, which are:\n{shapes}") from None
    if out_fmt is not None:
        stacked = regroup(stacked, out_fmt)
    return stacked, loop_vars[0] if single else loop_vars


def cond(pred: Any, then_func: Callable, else_func: Callable) -> Any:
    """``then_func()`` if the single-element ``pred`` is nonzero, else ``else_func()``; only
    the chosen branch runs.

    Examples
    --------
    >>> import hybrid as mx
    >>> a, b = mx.nd.array([1]), mx.nd.array([2])
    >>> mx.nd.contrib.cond(a * b < 5, lambda: (a + 5) * (b + 5),
    ...                    lambda: (a - 5) * (b - 5)).asnumpy().tolist()
    [42.0]
    """
    return then_func() if _scalar(pred, bool, "pred") else else_func()
