"""Common-subexpression elimination: one node per (op, attributes, inputs).

Random nodes and nodes with effects are never merged: two Dropouts on the same input draw two
masks, and two BatchNorms in training update the statistics twice, exactly as in eager code.
"""

from __future__ import annotations

import json

from ..ir import Graph, Node, Value, encode_attr
from ._common import clone_node, has_effects, rewrite

__all__ = ["cse"]


def _key(node: Node, inputs: list[Value]) -> tuple:
    attrs = json.dumps({k: encode_attr(a) for k, a in node.attrs.items()}, sort_keys=True)
    return node.op.name, attrs, tuple(id(v) for v in inputs)


def cse(graph: Graph) -> Graph:
    """The graph where a node equal to an earlier one reuses the earlier one's outputs."""
    seen: dict[tuple, Node] = {}

    def replace(node: Node, inputs: list[Value]) -> tuple | None:
        if has_effects(node):
            return None
        key = _key(node, inputs)
        first = seen.get(key)
        if first is not None:
            return [], first.outputs
        same = all(a is b for a, b in zip(inputs, node.inputs))
        placed = node if same else clone_node(node, inputs)
        seen[key] = placed
        return [placed], placed.outputs

    return rewrite(graph, replace)
