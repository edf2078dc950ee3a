"""Network visualisation: ``print_summary`` (a layer table) and ``plot_network`` (graphviz).

Both read the graph a Symbol describes; shapes come from whole-graph inference with the given
input shapes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import HybridError
from .graph.infer import infer_graph

__all__ = ["print_summary", "plot_network"]

_ROW = "{:<40}{:<26}{:>12}  {:<30}"


def _layers(symbol: Any, shape: dict | None) -> tuple[Any, dict, list[tuple]]:
    """(graph, shape table, rows) with one row per op node: name, output shape, params, inputs."""
    graph = symbol._graph()
    table, _ = infer_graph(graph, dict(shape or {}), {})
    data_names = set(shape or {})
    rows = []
    for node in graph.nodes:
        params = [v for v in node.inputs if v.node is None and v.name not in data_names]
        count = sum(int(np.prod(table.get(id(v)) or (0,))) for v in params)
        sources = [v.name if v.node is None else v.node.name for v in node.inputs
                   if v.node is not None or v.name in data_names]
        out = table.get(id(node.outputs[0]))
        rows.append((f"{node.name} ({node.op.name})", str(out), count, ", ".join(sources)))
    return graph, table, rows


def print_summary(
    symbol: Any, shape: dict | None = None, line_length: int = 120, positions: Any = None
) -> None:
    """Print each op node's output shape and parameter count, and the totals.

    ``shape`` maps input names to shapes (e.g. ``{'data': (1, 1, 28, 28)}``); parameters are the
    other variables.
    """
    _, _, rows = _layers(symbol, shape)
    rule = "_" * line_length
    print(rule)
    print(_ROW.format("Layer (type)", "Output Shape", "Param #", "Previous Layer"))
    print("=" * line_length)
    for row in rows:
        print(_ROW.format(*row))
        print(rule)
    print(f"Total params: {sum(r[2] for r in rows)}")
    print(rule)


def plot_network(
    symbol: Any,
    title: str = "plot",
    save_format: str = "pdf",
    shape: dict | None = None,
    dtype: Any = None,
    node_attrs: dict | None = None,
    hide_weights: bool = True,
) -> Any:
    """A ``graphviz.Digraph`` of the graph (needs the optional ``graphviz`` package)."""
    try:
        import graphviz
    except ImportError:
        raise HybridError(
            "plot_network needs the optional graphviz package: pip install graphviz"
        ) from None
    graph, table, _ = _layers(symbol, shape)
    dot = graphviz.Digraph(name=title, format=save_format)
    dot.attr("node", shape="box", **(node_attrs or {}))
    data_names = set(shape or {})
    shown = {}
    for v in graph.inputs:
        if not hide_weights or v.name in data_names or not shape:
            shown[id(v)] = v.name
            dot.node(v.name, v.name, shape="oval")
    for node in graph.nodes:
        dot.node(node.name, f"{node.op.name}\n{node.name}")
        for v in node.outputs:
            shown[id(v)] = node.name
        for v in node.inputs:
            if id(v) in shown:
                label = str(table.get(id(v)) or "")
                dot.edge(shown[id(v)], node.name, label=label)
    return dot
