"""Whole-graph shape and dtype inference from given variable shapes (``Symbol.infer_shape``).

Unlike the inference at node construction, this never changes the graph: it returns tables of
shapes and dtypes keyed by ``id(value)``. Inference runs forward over the nodes and takes back
each op's completed input shapes, repeating until nothing changes, as MXNet's two-way pass does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .ir import Graph, _infer, _more_known

__all__ = ["infer_graph"]

_FLOAT32 = np.dtype(np.float32)


def infer_graph(graph: Graph, shapes: dict[str, Any], dtypes: dict[str, Any]) -> tuple[dict, dict]:
    """(shape table, dtype table) for every value; ``shapes``/``dtypes`` are given by input name.

    Inputs without a known dtype take their consumer's other input dtype, else float32.
    """
    shape_of: dict[int, Any] = {}
    dtype_of: dict[int, Any] = {}
    for v in graph.inputs:
        shape_of[id(v)] = tuple(shapes[v.name]) if v.name in shapes else v.shape
        dtype = dtypes.get(v.name, v.dtype)
        dtype_of[id(v)] = None if dtype is None else np.dtype(dtype)
    for v, arr in graph.constants.items():
        shape_of[id(v)], dtype_of[id(v)] = arr.shape, arr.dtype
    for _ in range(len(graph.nodes) + 1):
        changed = False
        for node in graph.nodes:
            ins = [shape_of.get(id(v)) for v in node.inputs]
            completed, outs, out_dtypes = _infer(
                node.op, ins, _fill_dtypes(node.inputs, dtype_of), node.attrs
            )
            for v, old, new in zip(node.inputs, ins, completed):
                if _more_known(new, old):
                    shape_of[id(v)] = tuple(new)
                    changed = True
            for v, s, d in zip(node.outputs, outs, out_dtypes):
                if _more_known(None if s is None else tuple(s), shape_of.get(id(v))):
                    shape_of[id(v)] = tuple(s)
                    changed = True
                dtype_of[id(v)] = None if d is None else np.dtype(d)
        if not changed:
            break
    return shape_of, dtype_of


def _fill_dtypes(inputs: list, dtype_of: dict) -> list:
    """Input dtypes with unknown variables taking the node's first known input dtype (most ops
    need one dtype), else float32 (MXNet's default); the choice is recorded for the variables.
    """
    dtypes = [dtype_of.get(id(v)) for v in inputs]
    fill = next((d for d in dtypes if d is not None), _FLOAT32)
    for v, d in zip(inputs, dtypes):
        if d is None and v.node is None:
            dtype_of[id(v)] = fill
    return [fill if d is None else d for d in dtypes]
