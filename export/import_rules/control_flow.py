"""Import rules for ONNX control flow: ``Scan`` -> ``_foreach``, ``Loop`` -> ``_while_loop``,
``If`` -> ``_cond`` (``hybrid/ops/control_flow.py``).

A body is imported node by node in a context of its own (``ImportContext.body``); the names it
reads from the enclosing graph become the control-flow node's loop-invariant inputs. What the
hybrid ops cannot express raises naming the node and the reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hybrid.graph.ir import Graph, Value, variable

from . import rule


def _body(ctx: Any, graph: Any) -> tuple[list[Value], list[Value], Any]:
    """(formal inputs, outputs, body context) of an ONNX body graph."""
    from ..importer import _input_value, import_nodes

    formals = [_input_value(info, None) for info in graph.input]
    body = ctx.body(formals)
    import_nodes(body, graph.node)
    return formals, [body.value(info.name) for info in graph.output], body


def _subgraph(inputs: list[Value], outputs: list[Value], body: Any) -> Graph:
    return Graph.from_outputs(outputs, inputs=inputs + [s for s, _ in body.free])


def _free(body: Any) -> list[Value]:
    return [outside for _, outside in body.free]


@rule("Scan")
def _scan(ctx: Any, node: Any) -> list[Value]:
    a = node.attrs
    for key in ("scan_input_axes", "scan_output_axes", "scan_input_directions",
                "scan_output_directions"):
        if any(a.get(key) or ()):
            raise ctx.error(f"{key}={a[key]}: hybrid's _foreach scans forward along axis 0 only")
    n_scan = a["num_scan_inputs"]
    n_states = len(node.inputs) - n_scan
    formals, outs, body = _body(ctx, a["body"])
    n_out = len(outs) - n_states
    graph = _subgraph(formals, outs[n_states:] + outs[:n_states], body)
    free = _free(body)
    first_free = n_states + n_scan
    results = ctx.multi(
        "_foreach",
        [ctx.value(n) for n in node.inputs[n_states:]]
        + [ctx.value(n) for n in node.inputs[:n_states]] + free,
        subgraphs=(graph,), num_outputs=len(outs), num_out_data=n_out,
        in_data_locs=tuple(range(n_states, first_free)), in_state_locs=tuple(range(n_states)),
        remain_locs=tuple(range(first_free, first_free + len(free))))
    return results[n_out:] + results[:n_out]


@rule("If")
def _if(ctx: Any, node: Any) -> list[Value]:
    branches = [_body(ctx, node.attrs[key]) for key in ("then_branch", "else_branch")]
    if len(branches[0][1]) != len(branches[1][1]):
        raise ctx.error("then_branch and else_branch have different numbers of outputs")
    pred = variable("pred", *_typed(ctx.value(node.input(0))))
    inputs = [ctx.value(node.input(0))]
    locs = []
    for _, _, body in branches:
        where = []
        for outside in _free(body):
            if all(outside is not v for v in inputs):
                inputs.append(outside)
            where.append(next(i for i, v in enumerate(inputs) if v is outside))
        locs.append(tuple(where))
    graphs = [Graph.from_outputs([pred], inputs=[pred])]
    graphs += [_subgraph([], outs, body) for _, outs, body in branches]
    return ctx.multi("_cond", inputs, subgraphs=tuple(graphs), num_outputs=len(branches[0][1]),
                     cond_input_locs=(0,), then_input_locs=locs[0], else_input_locs=locs[1])


def _typed(v: Value) -> tuple:
    return v.shape, v.dtype


@rule("Loop")
def _loop(ctx: Any, node: Any) -> list[Value]:
    trip, first = node.input(0), node.input(1)
    if not trip or not ctx.is_const(trip):
        raise ctx.error("the trip count M must be a constant: it is _while_loop's "
                        "max_iterations")
    if not first:
        raise ctx.error("a Loop without its initial condition is not supported")
    formals, outs, body = _body(ctx, node.attrs["body"])
    n_vars = len(node.inputs) - 2
    if len(outs) > 1 + n_vars:
        raise ctx.error("scan outputs are not supported: ONNX stacks one row per iteration, "
                        "hybrid's _while_loop pads them to max_iterations")
    counter, flag = formals[0], formals[1]
    step = body.op("_plus_scalar", [counter], scalar=1)
    func = _subgraph(formals, [step, outs[0], *outs[1:]], body)
    flag_in = variable("condition", *_typed(flag))
    cond = Graph.from_outputs([flag_in], inputs=[flag_in])
    zero = f"{node.name}_iteration0"
    ctx.constants[zero] = np.zeros((), dtype=counter.dtype or np.int64)
    free = _free(body)
    inputs = [ctx.value(zero), ctx.value(first), *(ctx.value(n) for n in node.inputs[2:]), *free]
    n_loop = 2 + n_vars
    results = ctx.multi(
        "_while_loop", inputs, subgraphs=(cond, func), num_outputs=n_loop, num_out_data=0,
        max_iterations=int(np.asarray(ctx.const(trip, "the trip count M")).reshape(())),
        cond_input_locs=(1,), func_input_locs=tuple(range(len(inputs))),
        func_var_locs=tuple(range(n_loop)))
    return results[2:]
