"""Lowerings of the ops holding subgraphs (``hybrid/ops/control_flow.py``): ``_foreach`` ->
``Scan``, ``_while_loop`` -> ``Loop``, ``_cond`` -> ``If``; a ``_CachedOp``'s graph is inlined.

Bodies are lowered node by node into ONNX subgraphs with the same rules as the main graph. A
body's loop-invariant inputs are not passed in: an ONNX body reads names of the enclosing graph
directly. Body outputs go through ``Identity`` so that each has a name of its own even when it
is an input or an outer value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import helper

from hybrid.graph.infer import infer_graph

from ..builder import Builder, Call, onnx_type
from . import lower_nodes, lowering


def _types(graph: Any, shapes: list, dtypes: list) -> dict[int, tuple]:
    """id(value) -> (shape, dtype) for every value of a body, given its inputs' types."""
    shape_of, dtype_of = infer_graph(
        graph, {v.name: s for v, s in zip(graph.inputs, shapes) if s is not None},
        {v.name: d for v, d in zip(graph.inputs, dtypes) if d is not None})
    return {k: (shape_of.get(k), dtype_of.get(k)) for k in set(shape_of) | set(dtype_of)}


def _info(name: str, dtype: Any, shape: Any = None) -> onnx.ValueInfoProto:
    # NOTE: body types carry no shapes but the Loop counters' (scalars): axis 0 of the model's
    # inputs is dynamic, so traced sizes would be wrong for other batch sizes; ONNX infers the
    # shapes inside.
    return helper.make_tensor_value_info(name, onnx_type(dtype), shape)


def _inline(ctx: Builder, graph: Any, outer: list[str], types: dict[int, tuple]) -> list[str]:
    """Emit ``graph`` into ``ctx`` reading ``outer[k]`` for its input ``k``; its output names."""
    names = {id(v): name for v, name in zip(graph.inputs, outer)}
    lower_nodes(ctx, graph, names, types)
    return [names[id(v)] for v in graph.outputs]


def _body(ctx: Builder, name: str, inputs: list[tuple], outputs: list[str],
          out_dtypes: list) -> onnx.GraphProto:
    """The ONNX body whose formal inputs are ``(name, dtype[, shape])`` and whose outputs are
    ``outputs`` (renamed through Identity)."""
    results = [ctx.node("Identity", [o]) for o in outputs]
    return helper.make_graph(ctx.nodes, ctx.fresh(name), [_info(*i) for i in inputs],
                             [_info(r, d) for r, d in zip(results, out_dtypes)])


def _as_condition(ctx: Builder, name: str) -> str:
    """A single-element condition as the scalar bool ONNX takes (nonzero is true)."""
    flag = ctx.node("Cast", [name], to=onnx.TensorProto.BOOL)
    return ctx.node("Squeeze", [flag])  # every axis has size 1


def _out_dtypes(graph: Any, types: dict[int, tuple]) -> list:
    return [types.get(id(v), (None, None))[1] or np.dtype(np.float32) for v in graph.outputs]


@lowering("_foreach")
def _foreach(ctx: Builder, n: Call) -> list[str]:
    a = n.attrs
    graph, n_out = a["subgraphs"][0], a["num_out_data"]
    data_locs, state_locs, remain_locs = a["in_data_locs"], a["in_state_locs"], a["remain_locs"]
    order = data_locs + state_locs + remain_locs
    shapes, dtypes = [None] * len(order), [None] * len(order)
    for j, loc in enumerate(order):
        shape = n.in_shapes[j]
        shapes[loc] = shape[1:] if j < len(data_locs) and shape is not None else shape
        dtypes[loc] = n.in_dtypes[j]
    types = _types(graph, shapes, dtypes)
    body = ctx.child()
    formal = [body.fresh("input") for _ in order]
    n_data, n_states = len(data_locs), len(state_locs)
    outer = [None] * len(order)
    for j, loc in enumerate(order):
        outer[loc] = formal[j] if j < n_data + n_states else n.inputs[j]
    outs = _inline(body, graph, outer, types)
    out_dtypes = _out_dtypes(graph, types)
    scan_body = _body(
        body, "scan_body",
        [(formal[j], n.in_dtypes[j]) for j in range(n_data, n_data + n_states)]
        + [(formal[j], n.in_dtypes[j]) for j in range(n_data)],
        outs[n_out:] + outs[:n_out], out_dtypes[n_out:] + out_dtypes[:n_out])
    results = ctx.node("Scan", n.inputs[n_data:n_data + n_states] + n.inputs[:n_data],
                       a["num_outputs"], body=scan_body, num_scan_inputs=n_data)
    results = [results] if isinstance(results, str) else results
    return results[n_states:] + results[:n_states]


def _pad_rows(ctx: Builder, rows: str, rank: int, total: int) -> str:
    """``rows`` (steps, ...) padded with zeros along axis 0 to ``total`` rows."""
    steps = ctx.node("Slice", [ctx.node("Shape", [rows]), ctx.ints([0]), ctx.ints([1])])
    missing = ctx.node("Sub", [ctx.ints([total]), steps])
    pads = ctx.node("Concat", [ctx.ints([0] * rank), missing, ctx.ints([0] * (rank - 1))],
                    axis=0)
    return ctx.node("Pad", [rows, pads])


@lowering("_while_loop")
def _while_loop(ctx: Builder, n: Call) -> list[str]:
    a = n.attrs
    cond, func = a["subgraphs"]
    cond_locs, func_locs, var_locs = a["cond_input_locs"], a["func_input_locs"], a["func_var_locs"]
    n_out = a["num_out_data"]
    cond_types = _types(cond, [n.in_shapes[s] for s in cond_locs],
                        [n.in_dtypes[s] for s in cond_locs])
    func_types = _types(func, [n.in_shapes[s] for s in func_locs],
                        [n.in_dtypes[s] for s in func_locs])
    first = _as_condition(ctx, _inline(ctx, cond, [n.inputs[s] for s in cond_locs], cond_types)[0])
    var_slots = [func_locs[loc] for loc in var_locs]
    body = ctx.child()
    step, go = body.fresh("iteration"), body.fresh("condition")
    carried = [body.fresh("loop_var") for _ in var_slots]
    current = dict(zip(var_slots, carried))
    outs = _inline(body, func, [current.get(s, n.inputs[s]) for s in func_locs], func_types)
    updated = dict(zip(var_slots, outs[n_out:]))
    again = _as_condition(body, _inline(body, cond, [updated.get(s, n.inputs[s])
                                                     for s in cond_locs], cond_types)[0])
    out_dtypes = _out_dtypes(func, func_types)
    loop_body = _body(
        body, "loop_body",
        [(step, np.int64, []), (go, np.bool_, [])]
        + [(name, n.in_dtypes[s]) for name, s in zip(carried, var_slots)],
        [again, *outs[n_out:], *outs[:n_out]],
        [np.bool_, *out_dtypes[n_out:], *out_dtypes[:n_out]])
    limit = ctx.const(np.array(a["max_iterations"], dtype=np.int64))
    results = ctx.node("Loop", [limit, first, *(n.inputs[s] for s in var_slots)],
                       len(var_slots) + n_out, body=loop_body)
    results = [results] if isinstance(results, str) else results
    final, rows = results[:len(var_slots)], results[len(var_slots):]
    padded = [_pad_rows(ctx, r, len(shape), a["max_iterations"])
              for r, shape in zip(rows, n.out_shapes[:n_out])]
    return padded + final


@lowering("_cond")
def _cond(ctx: Builder, n: Call) -> list[str]:
    a = n.attrs
    pred, *branches = a["subgraphs"]
    locs = (a["cond_input_locs"], a["then_input_locs"], a["else_input_locs"])

    def typed(graph: Any, where: tuple) -> dict[int, tuple]:
        return _types(graph, [n.in_shapes[s] for s in where], [n.in_dtypes[s] for s in where])

    go = _as_condition(ctx, _inline(ctx, pred, [n.inputs[s] for s in locs[0]],
                                    typed(pred, locs[0]))[0])
    bodies = []
    for graph, where, label in zip(branches, locs[1:], ("then_branch", "else_branch")):
        body, types = ctx.child(), typed(graph, where)
        outs = _inline(body, graph, [n.inputs[s] for s in where], types)
        bodies.append(_body(body, label, [], outs, _out_dtypes(graph, types)))
    return ctx.node("If", [go], a["num_outputs"], then_branch=bodies[0], else_branch=bodies[1])


@lowering("_CachedOp")
def _cached_op(ctx: Builder, n: Call) -> list[str]:
    graph = n.attrs["subgraphs"][0]
    return _inline(ctx, graph, list(n.inputs), _types(graph, n.in_shapes, n.in_dtypes))
