"""Dead-code elimination: drop nodes whose outputs reach no graph output.

Nodes with effects (random draws, running-statistic updates) stay, see ``has_effects``; graph
inputs stay too, since callers pass inputs by position.
"""

from __future__ import annotations

from ..ir import Graph
from ._common import has_effects

__all__ = ["dead_code"]


def dead_code(graph: Graph) -> Graph:
    """The graph without nodes (and constants) that no output or effect depends on."""
    live = {id(v) for v in graph.outputs}
    kept = []
    for node in reversed(graph.nodes):
        if has_effects(node) or any(id(v) in live for v in node.outputs):
            kept.append(node)
            live.update(id(v) for v in node.inputs)
    kept.reverse()
    constants = {v: a for v, a in graph.constants.items() if id(v) in live}
    return Graph(graph.inputs, kept, graph.outputs, constants, graph.meta)
