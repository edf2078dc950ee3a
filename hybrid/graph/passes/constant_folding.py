"""Constant folding: compute once the nodes that depend on no graph input.

Sources are nodes without inputs (``zeros``, ``ones``, ``arange``...) and earlier constants. Random
ops are never folded (each run must draw anew), nor are nodes whose outputs are graph outputs
(the caller would receive the same buffer on every run).
"""

from __future__ import annotations

from ...ops.registry import Ctx
from ..ir import Graph, Node, Value
from ._common import is_random, rewrite

__all__ = ["constant_folding"]


def constant_folding(graph: Graph) -> Graph:
    """The graph with constant subgraphs replaced by precomputed arrays in ``graph.constants``."""
    constants = dict(graph.constants)
    outputs = {id(v) for v in graph.outputs}

    def replace(node: Node, inputs: list[Value]) -> tuple | None:
        if (
            is_random(node)
            or node.op.aux_writeback
            or any(v not in constants for v in inputs)
            or any(id(v) in outputs for v in node.outputs)
        ):
            return None
        res = node.op.forward(Ctx(), *[constants[v] for v in inputs], **node.attrs)
        res = res if type(res) is tuple else (res,)
        for v, arr in zip(node.outputs, res):
            constants[v] = arr
        return [], node.outputs

    return rewrite(graph, replace, constants)
