"""Tape-based automatic differentiation, with MXNet's ``autograd`` API.

While ``record()`` is on, every op call with an input that needs a gradient appends a
:class:`TapeEntry` that owns the op's saved context; the outputs point at their entry.
``backward()`` walks the entries reachable from the heads in reverse topological order, calls each
op's VJP and accumulates into the ``.grad`` of marked arrays according to their ``grad_req``
(``write``, ``add``, ``null``). Gradients are first order only: the VJPs are plain numpy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .base import HybridError, _as_list, string_types  # noqa: F401  (string_types: as in MXNet)

__all__ = [
    "record",
    "pause",
    "train_mode",
    "predict_mode",
    "is_recording",
    "is_training",
    "set_recording",
    "set_training",
    "mark_variables",
    "get_symbol",
    "backward",
    "grad",
    "Function",
    "TapeEntry",
    # What MXNet's ``from mxnet.autograd import *`` also gives (its module imports them).
    "NDArray",  # noqa: F822 - served by __getattr__ below
    "Symbol",  # noqa: F822
    "array",  # noqa: F822
    "string_types",
]


def __getattr__(name: str) -> Any:
    # NDArray, Symbol and array come from modules that import this one: looked up on first use.
    if name in ("NDArray", "array"):
        from . import ndarray

        return getattr(ndarray, name)
    if name == "Symbol":
        from .symbol import Symbol

        return Symbol
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _State(threading.local):
    recording = False
    training = False
    retain_graph = False  # of the backward() under way: a graph run may free saved arrays


_state = _State()


class TapeEntry:
    """One recorded op call: the op, its saved context and attributes, its inputs, its outputs'
    types.
    """

    __slots__ = ("op", "ctx", "attrs", "inputs", "out_types", "__weakref__")

    def __init__(self, op: Any, ctx: Any, attrs: dict, inputs: tuple, out_types: tuple):
        self.op, self.ctx, self.attrs, self.inputs, self.out_types = (
            op,
            ctx,
            attrs,
            inputs,
            out_types,
        )


def set_recording(is_recording: bool) -> bool:
    """Set the recording state; returns the previous one."""
    prev, _state.recording = _state.recording, bool(is_recording)
    return prev


def set_training(train_mode: bool) -> bool:
    """Set the training mode; returns the previous one."""
    prev, _state.training = _state.training, bool(train_mode)
    return prev


def is_recording() -> bool:
    return _state.recording


def is_training() -> bool:
    return _state.training


@contextmanager
def _scope(recording: bool | None, training: bool | None) -> Iterator[None]:
    prev_rec, prev_train = _state.recording, _state.training
    if recording is not None:
        _state.recording = recording
    if training is not None:
        _state.training = training
    try:
        yield
    finally:
        _state.recording, _state.training = prev_rec, prev_train


def record(train_mode: bool = True) -> Any:
    """Record ops for ``backward()`` inside this scope; ``train_mode`` sets the mode of
    Dropout/BatchNorm.
    """
    return _scope(True, train_mode)


def pause(train_mode: bool = False) -> Any:
    """Stop recording inside this scope (for example to compute a metric during training)."""
    return _scope(False, train_mode)


def train_mode() -> Any:
    """Run mode-dependent ops in training mode without changing the recording state."""
    return _scope(None, True)


def predict_mode() -> Any:
    """Run mode-dependent ops in inference mode without changing the recording state."""
    return _scope(None, False)


def mark_variables(
    variables: Any, gradients: Any, grad_reqs: str | Sequence[str] = "write"
) -> None:
    """Mark arrays as variables whose gradients are written into ``gradients``."""
    variables = _as_list(variables)
    gradients = _as_list(gradients)
    reqs = [grad_reqs] * len(variables) if isinstance(grad_reqs, str) else list(grad_reqs)
    if not len(variables) == len(gradients) == len(reqs):
        raise HybridError("mark_variables: variables, gradients and grad_reqs differ in length")
    for v, g, r in zip(variables, gradients, reqs):
        if r not in ("write", "add", "null"):
            raise HybridError(f"mark_variables: grad_req {r!r}, expected 'write', 'add' or 'null'")
        v._entry = None
        v._grad = None if r == "null" else g
        v._grad_req = r


def _run(
    heads: list, head_grads: list | None, retain_graph: bool
) -> dict[int, tuple[Any, np.ndarray]]:
    """Propagate from ``heads``; returns {id(leaf): (leaf, gradient)} for every marked array
    reached.
    """
    if head_grads is None:
        head_grads = [None] * len(heads)
    if len(head_grads) != len(heads):
        raise HybridError(f"backward: {len(heads)} heads but {len(head_grads)} head_grads")
    pending: dict[int, list] = {}
    leaves: dict[int, tuple[Any, np.ndarray]] = {}
    roots = []
    for h, hg in zip(heads, head_grads):
        g = (
            np.ones_like(h._data)
            if hg is None
            else np.asarray(getattr(hg, "_data", hg), dtype=h._data.dtype)
        )
        if g.shape != h._data.shape:
            raise HybridError(f"backward: head_grad has shape {g.shape}, head has {h._data.shape}")
        if h._entry is None:
            if h._grad is None:
                raise HybridError(
                    "backward: the head was not computed from any array that needs a "
                    "gradient inside autograd.record() (call attach_grad() first)"
                )
            _accumulate_leaf(leaves, h, g)
            continue
        _accumulate(pending, h._entry, h._out_index, g)
        roots.append(h._entry)
    prev_retain, _state.retain_graph = _state.retain_graph, retain_graph
    try:
        reached_freed = _propagate(roots, pending, leaves, retain_graph)
    finally:
        _state.retain_graph = prev_retain
    if reached_freed and not leaves:
        raise HybridError(
            "backward: the graph was already freed by a previous backward(); "
            "pass retain_graph=True to the first call to backward through it twice"
        )
    return leaves


def _propagate(roots: list, pending: dict, leaves: dict, retain_graph: bool) -> bool:
    """Run the VJPs from ``roots`` down, gradients for marked arrays into ``leaves``; whether
    an entry freed by an earlier backward was reached.
    """
    reached_freed = False
    for entry in _topological(roots):
        grads = pending.pop(id(entry), None)
        if grads is None:
            continue
        if entry.ctx is None:
            # As in MXNet, the outputs of a graph freed by an earlier backward() are constants
            # now (an RNN state carried into the next batch); only a backward that reaches no
            # array needing a gradient because of that is an error, below.
            reached_freed = True
            continue
        out_grads = [
            g if g is not None else np.zeros(shape, dtype)
            for g, (shape, dtype) in zip(grads, entry.out_types)
        ]
        in_grads = entry.op.vjp(entry.ctx, *out_grads, **entry.attrs)
        for x, gx in zip(entry.inputs, in_grads):
            if gx is None:
                continue
            if x._entry is not None:
                _accumulate(pending, x._entry, x._out_index, gx)
            elif x._grad is not None:
                _accumulate_leaf(leaves, x, gx)
        if not retain_graph:
            entry.ctx = None
    return reached_freed


def _accumulate(pending: dict, entry: TapeEntry, index: int, g: np.ndarray) -> None:
    slots = pending.get(id(entry))
    if slots is None:
        slots = pending[id(entry)] = [None] * len(entry.out_types)
    slots[index] = g if slots[index] is None else slots[index] + g


def _accumulate_leaf(leaves: dict, x: Any, g: np.ndarray) -> None:
    prev = leaves.get(id(x))
    leaves[id(x)] = (x, g if prev is None else prev[1] + g)


def _topological(roots: list[TapeEntry]) -> list[TapeEntry]:
    """Entries reachable from ``roots``, each after every entry that consumes its outputs."""
    order: list[TapeEntry] = []
    seen: set[int] = set()
    for root in roots:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, iter(root.inputs))]
        while stack:
            entry, it = stack[-1]
            for x in it:
                child = x._entry
                if child is not None and id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, iter(child.inputs)))
                    break
            else:
                stack.pop()
                order.append(entry)
    order.reverse()
    return order


def backward(
    heads: Any, head_grads: Any = None, retain_graph: bool = False, train_mode: bool = True
) -> None:
    """Compute the gradients of ``heads`` with respect to marked arrays, into their ``.grad``.

    A head that is not a scalar gets a head gradient of ones unless ``head_grads`` is given
    (MXNet's rule).
    """
    heads = _as_list(heads)
    hg = None if head_grads is None else _as_list(head_grads)
    with _scope(False, train_mode):
        leaves = _run(heads, hg, retain_graph)
    for x, g in leaves.values():
        buf = x._grad._data
        if g.shape != buf.shape:
            g = np.broadcast_to(g, buf.shape)
        if x._grad_req == "add":
            buf += g
        else:
            buf[...] = g
        x._fresh_grad = True


def grad(
    heads: Any,
    variables: Any,
    head_grads: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    train_mode: bool = True,
) -> list:
    """Gradients of ``heads`` with respect to ``variables``, returned instead of written to
    ``.grad``. With ``create_graph`` they are recorded too and can be differentiated again,
    through the ops that define ``grad_graph`` (see ``hybrid/ops/grad_graph.py``).
    """
    variables = _as_list(variables)
    for v in variables:
        if v._grad is None:
            raise HybridError(
                "autograd.grad: every variable must be marked (attach_grad) before record()"
            )
    hg = None if head_grads is None else _as_list(head_grads)
    if create_graph:  # the gradients are recorded, so the graph stays (MXNet's default)
        from .ops.grad_graph import gradients

        return gradients(_as_list(heads), hg, variables, train_mode)
    with _scope(False, train_mode):
        leaves = _run(_as_list(heads), hg, bool(retain_graph))
    # Each gradient takes its variable's array type (NDArray or np.ndarray).
    return [
        v._wrap(leaves[id(v)][1] if id(v) in leaves else np.zeros_like(v._data))
        for v in variables
    ]


class _FunctionOp:
    """Stands in the tape for a custom :class:`Function`: its VJP calls ``Function.backward``."""

    name = "Function"

    def vjp(ctx: Any, *out_grads: np.ndarray) -> tuple:
        with _scope(False, None):
            grads = ctx.function.backward(*[ctx.wrap(g) for g in out_grads])
        grads = grads if isinstance(grads, (list, tuple)) else (grads,)
        if len(grads) != ctx.n_inputs:
            raise HybridError(
                f"{type(ctx.function).__name__}.backward returned {len(grads)} gradients "
                f"for {ctx.n_inputs} inputs"
            )
        return tuple(None if g is None else g._data for g in grads)


class Function:
    """A custom differentiable function: subclass and write ``forward`` and ``backward`` on
    NDArrays.

    ``forward(*inputs)`` runs without recording; ``backward(*output_grads)`` returns one gradient
    per input. ``save_for_backward(*arrays)`` keeps arrays in ``self.saved_tensors``.
    """

    def __init__(self) -> None:
        self.saved_tensors: tuple = ()

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved_tensors = arrays

    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError

    def backward(self, *output_grads: Any) -> Any:
        raise NotImplementedError

    def __call__(self, *inputs: Any) -> Any:
        with _scope(False, None):
            outputs = self.forward(*inputs)
        single = not isinstance(outputs, (list, tuple))
        outs = [outputs] if single else list(outputs)
        if _state.recording and any(x._entry is not None or x._grad is not None for x in inputs):
            ctx = type("FunctionCtx", (), {})()
            # Output gradients reach backward() as the outputs' array type.
            ctx.function, ctx.n_inputs, ctx.wrap = self, len(inputs), outs[0]._wrap
            entry = TapeEntry(
                _FunctionOp, ctx, {}, tuple(inputs), tuple((o.shape, o.dtype) for o in outs)
            )
            outs = [o.detach() for o in outs]
            for i, o in enumerate(outs):
                o._entry, o._out_index = entry, i
        return outs[0] if single else outs


def get_symbol(x: Any) -> Any:
    """The recorded computation that produced ``x`` as a Symbol (inputs ``var0``, ...)."""
    from .graph.tape_symbol import get_symbol as tape_symbol

    return tape_symbol(x)
