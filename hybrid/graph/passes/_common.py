"""Helpers shared by the passes: which nodes have effects, and rewriting a graph node by node."""

from __future__ import annotations

from collections.abc import Callable

from ..ir import Graph, Node, Value

__all__ = ["has_effects", "is_random", "rewrite", "clone_node"]

# Ops defined in hybrid/ops/random.py draw from the generator; so do these, in training mode.
_RANDOM_IN_TRAINING = ("Dropout", "LeakyReLU")


def is_random(node: Node) -> bool:
    """Whether the node draws from ``hybrid.random.generator()`` (never folded or merged)."""
    op = node.op
    if op.__module__.endswith("ops.random"):
        return True
    if op.name in _RANDOM_IN_TRAINING:
        return bool(node.attrs.get("is_train")) or node.attrs.get("mode") == "always"
    return False


def has_effects(node: Node) -> bool:
    """Random draws and in-place updates of inputs (BatchNorm's running statistics in training).

    Such nodes are kept even when their outputs are unused, so a hybridized run draws random
    numbers and updates statistics exactly as the eager run does.
    """
    return is_random(node) or bool(node.op.aux_writeback and node.attrs.get("is_train"))


def clone_node(node: Node, inputs: list[Value]) -> Node:
    """A copy of ``node`` reading ``inputs``, with fresh output values of the same types."""
    new = Node(node.op, node.name, inputs, node.attrs)
    new.outputs = [Value(new, v.index, v.shape, v.dtype, v.name) for v in node.outputs]
    return new


Replace = Callable[[Node, list[Value]], "tuple[list[Node], list[Value]] | None"]


def rewrite(graph: Graph, replace: Replace, constants: dict | None = None) -> Graph:
    """A new graph where ``replace(node, inputs)`` may substitute each node.

    ``replace`` gets the node and its (already rewritten) inputs and returns None to keep the node
    or ``(new_nodes, new_outputs)``: nodes to insert in its place and the values that stand for
    its outputs (existing values, or outputs of the new nodes). The input graph is not changed.
    """
    mapping: dict[int, Value] = {}
    nodes: list[Node] = []
    for node in graph.nodes:
        inputs = [mapping.get(id(v), v) for v in node.inputs]
        result = replace(node, inputs)
        if result is None:
            if all(a is b for a, b in zip(inputs, node.inputs)):
                nodes.append(node)
                continue
            new = clone_node(node, inputs)
            result = ([new], new.outputs)
        new_nodes, outs = result
        nodes.extend(new_nodes)
        for old, v in zip(node.outputs, outs):
            mapping[id(old)] = v
    outputs = [mapping.get(id(v), v) for v in graph.outputs]
    consts = graph.constants if constants is None else constants
    return Graph(graph.inputs, nodes, outputs, consts, graph.meta)
