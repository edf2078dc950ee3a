"""Running, differentiating and typing the subgraphs that control-flow ops hold.

A control-flow node (``_foreach``, ``_while_loop``, ``_cond``) keeps its body as a
:class:`~hybrid.graph.ir.Graph` in its ``subgraphs`` attribute. Each body gets one
:class:`~hybrid.graph.executor.Executor`, made on first use and kept as long as the graph lives;
a step is an executor run, and the node's VJP walks the recorded runs backward through the
executor's own backward.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ..base import HybridError

__all__ = ["check_subgraphs", "run", "backward", "infer", "as_bool"]

_EXECUTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _executor(graph: Any) -> Any:
    ex = _EXECUTORS.get(graph)
    if ex is None:
        from ..graph.executor import Executor

        ex = _EXECUTORS[graph] = Executor(graph)
    return ex


def check_subgraphs(count: int) -> tuple:
    """The ``check`` of a ``subgraphs`` attribute: a tuple of ``count`` graphs."""

    def ok(value: Any) -> bool:
        from ..graph.ir import Graph  # not at import: hybrid.graph needs the registry first

        return (isinstance(value, (tuple, list)) and len(value) == count
                and all(isinstance(g, Graph) for g in value))

    return ok, f"a tuple of {count} subgraph(s)"


def run(graph: Any, arrays: list, needs: tuple | None) -> tuple[list, Any]:
    """The graph's outputs on ``arrays``; with ``needs`` (which inputs need gradients), also
    what :func:`backward` needs.
    """
    return _executor(graph).run(list(arrays), needs)


def backward(graph: Any, saved: Any, out_grads: list) -> list:
    """Gradients of the graph's inputs (None where none) from its outputs' gradients."""
    return _executor(graph).backward(saved, tuple(out_grads))


def infer(graph: Any, in_shapes: list, in_dtypes: list) -> tuple[list, list, list]:
    """(completed input shapes, output shapes, output dtypes) of ``graph`` given its inputs'
    shapes and dtypes (None where unknown), by whole-graph inference.
    """
    from ..graph.infer import infer_graph

    if len(in_shapes) != len(graph.inputs):
        raise HybridError(f"subgraph: {len(in_shapes)} inputs given, the graph takes "
                          f"{len(graph.inputs)} ({[v.name for v in graph.inputs]})")
    shapes = {v.name: s for v, s in zip(graph.inputs, in_shapes) if s is not None}
    dtypes = {v.name: d for v, d in zip(graph.inputs, in_dtypes) if d is not None}
    shape_of, dtype_of = infer_graph(graph, shapes, dtypes)
    return ([shape_of.get(id(v)) for v in graph.inputs],
            [shape_of.get(id(v)) for v in graph.outputs],
            [dtype_of.get(id(v)) or np.dtype(np.float32) for v in graph.outputs])


def as_bool(op: str, value: np.ndarray) -> bool:
    """A condition output as a Python bool: it must hold one element (MXNet's
    ``as_bool_scalar``).
    """
    if value.size != 1:
        raise HybridError(f"{op}: the condition must be a single element, got shape "
                          f"{tuple(value.shape)}")
    return bool(value.reshape(()))
