"""``sym.contrib.foreach``, ``while_loop`` and ``cond``: one graph node holding subgraphs.

Each body runs once on fresh variables standing for the loop inputs, recording nodes as any
traced code does. Note [Cutting a body] explains how the nodes it made become a subgraph; the
node (``_foreach``, ``_while_loop``, ``_cond`` in ``hybrid/ops/control_flow.py``) then takes as
inputs the loop inputs and every outside value the body read, at the locations of Note
[Subgraph locations].

Note [Cutting a body]
Nodes created while the body ran are the subgraph's own (creation numbers at or after the
body's start). Anything else they read — an outer node's output, a parameter, a variable the body
made — is a free value: inside, it is replaced by a new variable of the same type and name
(uniquified), and outside, the original value becomes an input of the control-flow node. MXNet
does the same with ``_cut_subgraph`` and ``remain_locs``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from ..graph.ir import Graph, Value, _uids, variable
from ..name import NameManager
from ..ndarray.control_flow import ControlFlowError, flatten, regroup
from ..ops.registry import get_op
from .symbol import Symbol, symbol_invoke

__all__ = ["foreach", "while_loop", "cond"]


def _is_sym(a: Any) -> bool:
    return isinstance(a, Symbol)


def _values(symbols: list[Symbol], what: str) -> list[Value]:
    """One value per symbol (a multi-output symbol counts as its outputs, as in MXNet)."""
    values = []
    for s in symbols:
        values.extend(s._outputs)
    if not values and what:
        raise ControlFlowError(f"{what} is empty")
    return values


def _fresh(values: list[Value], taken: set[str]) -> list[Value]:
    """New variables typed like ``values``, named ``<name>-0`` (MXNet's loop variable names)."""
    return [variable(_unique(f"{v.name}-0", taken), v.shape, v.dtype) for v in values]


def _unique(name: str, taken: set[str]) -> str:
    candidate = name
    for i in itertools.count(1):
        if candidate not in taken:
            break
        candidate = f"{name}{i}"
    taken.add(candidate)
    return candidate


class _Body:
    """The subgraph of one body: its inputs (the loop variables, then the free values' stand-ins)
    and the outer values the free ones stand for (see Note [Cutting a body]).
    """

    def __init__(self, start: int, loop_vars: list[Value], outputs: list[Value], taken: set[str]):
        own = {id(v) for v in loop_vars}
        stand_in: dict[int, Value] = {}
        self.free: list[Value] = []

        def inside(v: Value) -> Value:
            if id(v) in own or (v.node is not None and v.node.uid >= start):
                return v
            if id(v) not in stand_in:
                stand_in[id(v)] = variable(_unique(v.name, taken), v.shape, v.dtype, v.attrs)
                self.free.append(v)
            return stand_in[id(v)]

        outs = [inside(v) for v in outputs]
        seen: set[int] = set()
        stack = [v.node for v in outs if v.node is not None and id(v) not in own]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            node.inputs = [inside(v) for v in node.inputs]
            stack.extend(v.node for v in node.inputs if v.node is not None)
        self.graph = Graph.from_outputs(outs, inputs=[*loop_vars,
                                                      *(stand_in[id(v)] for v in self.free)])


def _trace(body: Callable, loop_vars: list[Value], taken: set[str]) -> tuple[_Body, Any]:
    """Run ``body(loop variable symbols)``; (its subgraph, what it returned)."""
    start = next(_uids)
    out_values, result = body([Symbol([v]) for v in loop_vars])
    return _Body(start, loop_vars, out_values, taken), result


def _node(op_name: str, inputs: list[Value], attrs: dict, name: str | None) -> list[Value]:
    op = get_op(op_name)
    hint = op_name.lstrip("_")
    name = NameManager.current().get(name, hint)
    out = symbol_invoke(op, [Symbol([v]) for v in inputs], op.parse_attrs(attrs), name)
    return out._outputs


def foreach(body: Callable, data: Any, init_states: Any, name: str = "foreach") -> tuple:
    """The symbolic ``foreach`` (see ``nd.contrib.foreach``): one ``_foreach`` node whose
    subgraph is ``body`` traced on one slice of ``data`` and ``init_states``.
    """
    data_syms, data_fmt = flatten(data, "foreach input", _is_sym)
    state_syms, state_fmt = flatten(init_states, "foreach states", _is_sym)
    data_in, states_in = _values(data_syms, "foreach input"), _values(state_syms, "")
    taken: set[str] = set()
    slices = [variable(_unique(f"{v.name}-0", taken), None if v.shape is None else v.shape[1:],
                       v.dtype) for v in data_in]
    states = _fresh(states_in, taken)
    formats = {}

    def run(symbols: list[Symbol]) -> tuple[list[Value], None]:
        outs, new_states = body(regroup(symbols[:len(slices)], data_fmt),
                                regroup(symbols[len(slices):], state_fmt))
        outs, formats["out"] = flatten(outs, "foreach output", _is_sym)
        new_states, fmt = flatten(new_states, "foreach loop_vars", _is_sym)
        if fmt != state_fmt:
            raise ControlFlowError("The input and output loop_vars have different format")
        formats["n_out"] = len(_values(outs, ""))
        return _values(outs, "") + _values(new_states, ""), None

    sub, _ = _trace(run, slices + states, taken)
    _check_used(sub.graph, slices, "the data arrays have to be used in the loop body")
    _check_used(sub.graph, states, "the state arrays have to be used in the loop body")
    n_data, n_states = len(slices), len(states)
    n_out = formats["n_out"]
    results = _node("_foreach", data_in + states_in + sub.free, {
        "subgraphs": (sub.graph,), "num_outputs": n_out + n_states, "num_out_data": n_out,
        "in_data_locs": tuple(range(n_data)),
        "in_state_locs": tuple(range(n_data, n_data + n_states)),
        "remain_locs": tuple(range(n_data + n_states, n_data + n_states + len(sub.free))),
    }, name)
    outs = regroup([Symbol([v]) for v in results[:n_out]], formats["out"])
    return outs, regroup([Symbol([v]) for v in results[n_out:]], state_fmt)


def _check_used(graph: Graph, loop_vars: list[Value], message: str) -> None:
    """MXNet's error when a loop variable is not read by the body; ``{i}`` in ``message`` is
    the variable's position, counted from 1.
    """
    read = {id(v) for node in graph.nodes for v in node.inputs}
    read.update(id(v) for v in graph.outputs)
    for i, v in enumerate(loop_vars, 1):
        if id(v) not in read:
            raise ControlFlowError(message.format(i=i))


def _union(bodies: list[_Body], shared: list[Value]) -> tuple[list[Value], list[tuple]]:
    """The node's inputs (``shared`` first, then the bodies' free values, each once) and, per body,
    the node input of each of its subgraph inputs.
    """
    inputs = list(shared)
    # NOTE: a free value that is also a loop variable's initial value keeps a slot of its own:
    # the loop variable's slot changes from step to step, the free value must not.
    where: dict[int, int] = {}
    locs = []
    for body in bodies:
        for v in body.free:
            if id(v) not in where:
                where[id(v)] = len(inputs)
                inputs.append(v)
        own = list(range(len(body.graph.inputs) - len(body.free)))
        locs.append(tuple(own + [where[id(v)] for v in body.free]))
    return inputs, locs


def while_loop(cond: Callable, func: Callable, loop_vars: Any, max_iterations: Any = None,
               name: str = "while_loop") -> tuple:
    """The symbolic ``while_loop`` (see ``nd.contrib.while_loop``): one ``_while_loop`` node;
    its step outputs have ``max_iterations`` rows.
    """
    var_syms, var_fmt = flatten(loop_vars, "while loop_vars", _is_sym)
    if max_iterations is None:
        raise ControlFlowError("max_iterations should be specified")
    try:
        max_iterations = int(max_iterations)
    except (TypeError, ValueError):
        raise ControlFlowError("Cannot convert max_iteration to python int") from None
    if not var_syms:
        raise ControlFlowError("loop_vars should contain at least one element")
    vars_in = _values(var_syms, "loop_vars")
    formats = {}

    def run_cond(symbols: list[Symbol]) -> tuple[list[Value], None]:
        result = cond(*regroup(symbols, var_fmt))
        if not _is_sym(result):
            raise ControlFlowError("Return of cond must be a Symbol")
        return _values([result], ""), None

    def run_func(symbols: list[Symbol]) -> tuple[list[Value], None]:
        step_output, new_vars = func(*regroup(symbols, var_fmt))
        step_output = [] if step_output is None else step_output
        new_vars = [] if new_vars is None else new_vars
        outs, formats["out"] = flatten(
            list(step_output) if isinstance(step_output, tuple) else step_output,
            "while output", _is_sym)
        new_vars, _ = flatten(list(new_vars) if isinstance(new_vars, tuple) else new_vars,
                              "while loop_vars", _is_sym)
        if len(_values(new_vars, "")) != len(vars_in):
            raise ControlFlowError("The number of loop_vars should be consistent during the loop")
        formats["n_out"] = len(_values(outs, ""))
        return _values(outs, "") + _values(new_vars, ""), None

    cond_body, _ = _trace(run_cond, _fresh(vars_in, set()), set())
    func_vars = _fresh(vars_in, set())
    func_body, _ = _trace(run_func, func_vars, set())
    _check_used(func_body.graph, func_vars,
                "The {i}-th loop_var doesn't involve into the computation")
    inputs, (cond_locs, func_locs) = _union([cond_body, func_body], vars_in)
    n_out = formats["n_out"]
    results = _node("_while_loop", inputs, {
        "subgraphs": (cond_body.graph, func_body.graph), "max_iterations": max_iterations,
        "num_out_data": n_out, "num_outputs": n_out + len(vars_in),
        "cond_input_locs": cond_locs, "func_input_locs": func_locs,
        "func_var_locs": tuple(range(len(vars_in))),
    }, name)
    outs = regroup([Symbol([v]) for v in results[:n_out]], formats["out"])
    return outs, regroup([Symbol([v]) for v in results[n_out:]], var_fmt)


def cond(pred: Any, then_func: Callable, else_func: Callable, name: str = "cond") -> Any:
    """The symbolic ``cond`` (see ``nd.contrib.cond``): one ``_cond`` node running only the
    chosen branch.
    """
    if not _is_sym(pred):
        raise ControlFlowError(f"cond: pred must be a Symbol, got {type(pred).__name__}")
    formats = {}

    def branch(fn: Callable, key: str) -> Callable:
        def run(symbols: list[Symbol]) -> tuple[list[Value], None]:
            outs, formats[key] = flatten(fn(), "cond outputs", _is_sym)
            return _values(outs, "cond outputs"), None
        return run

    pred_body, _ = _trace(lambda s: (_values([pred], ""), None), [], set())
    if len(pred_body.graph.outputs) != 1:
        raise ControlFlowError("pred should always be a single output")
    then_body, _ = _trace(branch(then_func, "then"), [], set())
    else_body, _ = _trace(branch(else_func, "else"), [], set())
    n_out = len(then_body.graph.outputs)
    if n_out != len(else_body.graph.outputs):
        raise ControlFlowError("Number of outputs differs between then-branch and else-branch")
    inputs, (pred_locs, then_locs, else_locs) = _union([pred_body, then_body, else_body], [])
    results = _node("_cond", inputs, {
        "subgraphs": (pred_body.graph, then_body.graph, else_body.graph), "num_outputs": n_out,
        "cond_input_locs": pred_locs, "then_input_locs": then_locs, "else_input_locs": else_locs,
    }, name)
    return regroup([Symbol([v]) for v in results], formats["then"])
