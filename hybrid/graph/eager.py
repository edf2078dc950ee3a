"""Runs a graph node by node through the one dispatch (``registry.invoke``).

Unlike :class:`~hybrid.graph.executor.Executor`, every node is an ordinary eager call: autograd
records each one, train-aware ops take the current autograd mode, and given Symbols the same
loop builds graph nodes (so a block running it can be traced). ``SymbolBlock`` and the symbol
executor (``Symbol.bind``) run imported and user-built graphs this way.

Input-less fill nodes (``_zeros``, ``_ones``, ``_full``) whose ``shape`` has 0 dims are MXNet's
"infer me" shapes; :func:`fill_shapes` settles them per call from the input shapes.
"""

from __future__ import annotations

from typing import Any

from ..base import HybridError
from ..ops.registry import invoke
from .infer import infer_graph
from .ir import Graph, Node

__all__ = ["open_fills", "fill_shapes", "run"]


def open_fills(graph: Graph) -> list[Node]:
    """The input-less nodes whose ``shape`` attribute has unknown (0) dims."""
    return [
        n for n in graph.nodes
        if not n.inputs and n.op.name != "_eye" and 0 in (n.attrs.get("shape") or (1,))
    ]


def fill_shapes(graph: Graph, fills: list[Node], shapes: dict[str, tuple]) -> dict[Node, tuple]:
    """The shapes of ``fills`` inferred from input shapes by name; an error naming the node
    when they stay unknown.
    """
    if not fills:
        return {}
    table, _ = infer_graph(graph, shapes, {})
    found = {}
    for node in fills:
        shape = table.get(id(node.outputs[0]))
        if shape is None or 0 in shape:
            raise HybridError(
                f"graph: cannot infer the 0 dims of {node.op.name} node '{node.name}' (shape "
                f"{node.attrs['shape']}) from inputs {shapes}"
            )
        found[node] = shape
    return found


def run(graph: Graph, env: dict[int, Any], fills: dict[Node, tuple]) -> list:
    """The graph's outputs; ``env`` maps id(variable) to its NDArray (or Symbol)."""
    for node in graph.nodes:
        attrs = node.attrs if node not in fills else {**node.attrs, "shape": fills[node]}
        res = invoke(node.op, [env[id(v)] for v in node.inputs], attrs, name=node.name)
        if hasattr(res, "_is_symbol") and len(res._outputs) > 1:
            res = [type(res)([v]) for v in res._outputs]  # a traced multi-output node
        res = res if isinstance(res, list) else [res]
        for v, r in zip(node.outputs, res):
            env[id(v)] = r
    return [env[id(v)] for v in graph.outputs]
