"""Higher-order gradients: ``autograd.grad(heads, variables, create_graph=True)``.

The backward pass walks the tape again, but each entry's gradient comes from its op's
``grad_graph``: the VJP written with registered ops on arrays, run inside ``autograd.record()``,
so the gradients are recorded too and can be differentiated in turn. An op without one is
refused by name, as MXNet refuses a second derivative through an op whose gradient is not
itself differentiable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import _scope, _topological
from ..base import HybridError
from .registry import REGISTRY, invoke

__all__ = ["gradients", "reduce_to"]


class _Ops:
    """The ``F`` a ``grad_graph`` receives: ``F.exp(x)`` runs the registered op ``exp``."""

    def __getattr__(self, name: str) -> Any:
        op = REGISTRY.get(name)
        if op is None:
            raise AttributeError(f"F.{name}: no registered op has that name")

        def call(*args: Any, **attrs: Any) -> Any:
            return invoke(op, list(args), op.parse_attrs(attrs))

        return call


F = _Ops()


def reduce_to(g: Any, shape: tuple) -> Any:
    """``g`` summed over the axes that broadcasting stretched to reach its shape from ``shape``."""
    if g.shape == tuple(shape):
        return g
    lead = len(g.shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    return F.reshape(F.sum(g, axis=axes, keepdims=True), shape=shape)


def gradients(heads: list, head_grads: list | None, variables: list, train_mode: bool) -> list:
    """d(heads)/d(variables) as recorded arrays, from each op's ``grad_graph``."""
    if head_grads is None:
        head_grads = [None] * len(heads)
    pending: dict[int, list] = {}
    found: dict[int, Any] = {}
    with _scope(True, train_mode):
        roots = []
        for h, hg in zip(heads, head_grads):
            g = h._wrap(np.ones_like(h._data)) if hg is None else hg
            if h._entry is None:
                _add(found, id(h), g)
                continue
            _add_slot(pending, h._entry, h._out_index, g)
            roots.append(h._entry)
        for entry in _topological(roots):
            grads = pending.pop(id(entry), None)
            if grads is not None:
                _propagate(entry, grads, pending, found)
    return [found[id(v)] if id(v) in found else v._wrap(np.zeros_like(v._data))
            for v in variables]


def _propagate(entry: Any, grads: list, pending: dict, found: dict) -> None:
    rule = getattr(entry.op, "grad_graph", None)
    if rule is None:
        raise HybridError(
            f"autograd.grad(create_graph=True): operator {entry.op.name} has no differentiable "
            "gradient (no grad_graph), so its gradient cannot be recorded for a higher-order "
            "derivative"
        )
    if entry.ctx is None:
        raise HybridError(
            "autograd.grad(create_graph=True): the graph was already freed by a previous "
            "backward(); pass retain_graph=True to it"
        )
    like = entry.inputs[0]
    out_grads = [g if g is not None else like._wrap(np.zeros(shape, dtype))
                 for g, (shape, dtype) in zip(grads, entry.out_types)]
    attrs = {k: v for k, v in entry.attrs.items() if k != "is_train"}
    in_grads = rule(F, list(entry.inputs), out_grads, **attrs)
    for x, gx in zip(entry.inputs, in_grads):
        if gx is None or (x._entry is None and x._grad is None):
            continue
        if not hasattr(gx, "_entry"):
            raise HybridError(f"{entry.op.name}: grad_graph returned a {type(gx).__name__}, "
                              "expected an array computed with F's ops")
        if x._entry is not None:
            _add_slot(pending, x._entry, x._out_index, gx)
        else:
            _add(found, id(x), gx)


def _add(found: dict, key: int, g: Any) -> None:
    found[key] = g if key not in found else found[key] + g


def _add_slot(pending: dict, entry: Any, index: int, g: Any) -> None:
    slots = pending.setdefault(id(entry), [None] * len(entry.out_types))
    slots[index] = g if slots[index] is None else slots[index] + g
