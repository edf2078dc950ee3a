"""MXNet 1.x graph JSON (``-symbol.json``) <-> hybrid graph.

MXNet's JSON lists ``nodes`` in topological order: a node with ``"op": "null"`` is a variable (data
or parameter), any other names an operator and carries string attributes (``"attrs"``; files from
MXNet before 1.0 use ``"param"`` and ``"attr"``) and ``inputs`` as ``[node, output, version]``
entries; ``heads`` are the outputs. Operators map onto hybrid's registry by MXNet name or alias;
the few internal names MXNet's exporters emit that are not aliases map through :data:`OP_MAP`, and
attributes that tune MXNet's kernels without changing the result are dropped
(:data:`IGNORED_ATTRS`). Each node's attributes are then parsed by its op's schema in
:func:`hybrid.graph.ir.node_from_entry`, the one place graph loaders parse them.

:func:`graph_to_json` writes the other way, for ``export(..., format='mxnet')``: attributes as
the strings MXNet parses, those equal to the op's default left out so that MXNet applies its own
(hybrid's defaults are MXNet's), and hybrid's ``is_train`` dropped (MXNet takes the mode at run
time).
"""

from __future__ import annotations

import ast
from collections import Counter
from typing import Any

import numpy as np

from .base import HybridError
from .graph.ir import Graph, Value, node_from_entry, variable
from .mxnet_format import TYPE_FLAGS
from .ops.registry import REGISTRY

__all__ = ["OP_MAP", "WRITTEN_AS", "NOT_IN_MXNET", "IGNORED_ATTRS", "is_mxnet_graph",
           "graph_from_json", "graph_to_json"]

MXNET_VERSION = 10901

# MXNet-internal operator names in exported graphs -> the registry op computing the same thing.
OP_MAP = {
    "_rnn_param_concat": "Concat",  # Gluon's fused RNN layers concatenate their weights with it
    "_PlusScalar": "_plus_scalar",
    "_MinusScalar": "_minus_scalar",
    "_RMinusScalar": "_rminus_scalar",
    "_MulScalar": "_mul_scalar",
    "_DivScalar": "_div_scalar",
    "_RDivScalar": "_rdiv_scalar",
    "_PowerScalar": "_power_scalar",
    "_RPowerScalar": "_rpower_scalar",
    "_MaximumScalar": "_maximum_scalar",
    "_MinimumScalar": "_minimum_scalar",
    "_EqualScalar": "_equal_scalar",
    "_NotEqualScalar": "_not_equal_scalar",
    "_GreaterScalar": "_greater_scalar",
    "_GreaterEqualScalar": "_greater_equal_scalar",
    "_LesserScalar": "_lesser_scalar",
    "_LesserEqualScalar": "_lesser_equal_scalar",
    "_adamw_update": "_contrib_adamw_update",
    "_mp_adamw_update": "_contrib_mp_adamw_update",
}

# Registry ops MXNet has under another operator (with these attributes), for the writer.
WRITTEN_AS = {
    "softrelu": ("Activation", {"act_type": "softrelu"}),
    "_contrib_adamw_update": ("_adamw_update", {}),
    "_contrib_mp_adamw_update": ("_mp_adamw_update", {}),
}
# The nodes whose ``*_locs`` and ``num_args`` count their subgraphs (a ``_CachedOp`` has neither).
_CONTROL_FLOW = ("_foreach", "_while_loop", "_cond")

# Registry ops with no MXNet operator at all: the writer refuses them, saying why.
NOT_IN_MXNET = {
    "_getitem": "indexing a traced Symbol (x[...]); write it with slice, slice_axis, take or "
                "pick for MXNet",
    "_np_fallback": "a NumPy function run in Python; MXNet's graph cannot hold it",
}

# Attributes that choose MXNet kernels, profiling or placement but never change the result.
# They are dropped only where the op's schema does not declare them.
IGNORED_ATTRS = frozenset({
    "__profiler_scope__",
    "__subgraph_name__",
    "__layout__",
    "__ctx_group__",
    "__force_mirroring__",
    "__mirror_stage__",
    "__storage_type__",
    "__lr_mult__",
    "__wd_mult__",
    "__init__",
    "cudnn_tune",
    "cudnn_off",
    "workspace",
})


def is_mxnet_graph(obj: Any) -> bool:
    """Whether a parsed JSON document is MXNet's graph layout (hybrid's own carries ``format``)."""
    return (
        isinstance(obj, dict)
        and "format" not in obj
        and all(key in obj for key in ("nodes", "arg_nodes", "heads"))
    )


def _raw_attrs(entry: dict) -> dict[str, Any]:
    attrs = dict(entry.get("param") or {})
    attrs.update(entry.get("attr") or {})
    attrs.update(entry.get("attrs") or {})
    return attrs


def _op_name(mx_name: str) -> str:
    return OP_MAP.get(mx_name, mx_name)


def _check_ops(nodes: list[dict], source: str) -> None:
    """Raise once, listing every operator with no hybrid counterpart."""
    missing = Counter(
        e["op"] for e in nodes if e["op"] != "null" and _op_name(e["op"]) not in REGISTRY
    )
    if missing:
        listed = ", ".join(f"{op} (x{n})" for op, n in sorted(missing.items()))
        raise HybridError(f"{source}: MXNet operators not supported by hybrid: {listed}")


def _variable(entry: dict) -> Value:
    """A graph input; ``__shape__`` and ``__dtype__`` (a type flag) type it. An unknown dim is
    0 in MXNet's shapes and -1 in those written under ``npx.set_np()``; hybrid's is 0.
    """
    attrs = {k: v for k, v in _raw_attrs(entry).items() if k != "__storage_type__"}
    shape = attrs.pop("__shape__", None)
    try:
        shape = None if shape is None else tuple(max(int(d), 0) for d in ast.literal_eval(shape))
    except (ValueError, SyntaxError, TypeError):
        raise HybridError(f"variable {entry['name']!r}: bad __shape__ {shape!r}") from None
    flag = attrs.pop("__dtype__", None)
    dtype = None if flag is None else TYPE_FLAGS.get(int(flag))
    for key in ("__lr_mult__", "__wd_mult__"):
        if key in attrs:
            attrs[key] = float(attrs[key])
    return variable(entry["name"], shape, dtype, attrs)


def _op_attrs(op_name: str, raw: dict[str, Any]) -> dict[str, Any]:
    specs = REGISTRY[op_name].attr_specs
    return {k: v for k, v in raw.items() if k in specs or k not in IGNORED_ATTRS}


def graph_from_json(obj: dict, source: str = "graph JSON") -> Graph:
    """The hybrid graph of an MXNet graph JSON document (already parsed).

    Parameters
    ----------
    obj : dict
        MXNet's layout: ``nodes``, ``arg_nodes``, ``heads``.
    source : str
        What to call the document in errors (usually the file name).

    Raises
    ------
    HybridError
        Unsupported operators (all listed in one message), an attribute an op does not know, or
        an input entry that points at a missing node or output.
    """
    nodes = obj["nodes"]
    _check_ops(nodes, source)
    made: list[list[Value]] = []
    inputs = []
    for entry in nodes:
        if entry["op"] == "null":
            v = _variable(entry)
            inputs.append(v)
            made.append([v])
            continue
        op_name = _op_name(entry["op"])
        args = [_entry(made, e, entry["name"], source) for e in entry["inputs"]]
        if op_name == "RNN":
            args = _dynamic_begin_states(args)
        attrs = _op_attrs(op_name, _raw_attrs(entry))
        if "subgraphs" in entry:  # control flow: see hybrid/ops/control_flow.py
            attrs.pop("num_args", None)
            attrs["subgraphs"] = tuple(graph_from_json(g, f"{source}: {entry['name']}")
                                       for g in entry["subgraphs"])
        try:
            node = node_from_entry(op_name, entry["name"], args, attrs)
        except HybridError as e:
            raise type(e)(f"{source}: node {entry['name']!r} ({entry['op']}): {e}") from e
        made.append(node.outputs)
    outputs = [_entry(made, e, "heads", source) for e in obj["heads"]]
    return Graph.from_outputs(outputs, inputs=inputs)


def _dynamic_begin_states(args: list[Value]) -> list[Value]:
    """RNN inputs with MXNet's open begin states made to follow the batch size.

    Gluon's RNN layers called without states export them as ``_zeros`` of shape ``(L, 0, H)``:
    0 is the batch size, which MXNet infers backwards from the RNN's data. Here such a state is
    rebuilt from the data (layout TNC) so that the batch axis stays dynamic through hybridize and
    ONNX export: ``tile(zeros_like(sum(data[0:1], axis=2, keepdims)), (L, 1, H))``.
    """
    data, out = args[0], list(args)
    for i in (2, 3):
        fill = args[i].node if i < len(args) else None
        if fill is None or fill.op.name != "_zeros" or fill.inputs:
            continue
        layers, batch, hidden = fill.attrs["shape"]
        if batch != 0 or 0 in (layers, hidden):
            continue
        first = node_from_entry("slice_axis", f"{fill.name}_first", [data],
                                {"axis": 0, "begin": 0, "end": 1}).outputs[0]  # (1, N, C)
        column = node_from_entry("sum", f"{fill.name}_column", [first],
                                 {"axis": 2, "keepdims": True}).outputs[0]  # (1, N, 1)
        zero = node_from_entry("zeros_like", f"{fill.name}_zero", [column], {}).outputs[0]
        out[i] = node_from_entry("tile", fill.name, [zero],
                                 {"reps": (layers, 1, hidden)}).outputs[0]  # (L, N, H)
    return out


def _entry(made: list[list[Value]], entry: list, user: str, source: str) -> Value:
    """The value an ``[node, output, version]`` entry names (old files omit the version)."""
    node, index = entry[0], entry[1]
    if not 0 <= node < len(made) or not 0 <= index < len(made[node]):
        raise HybridError(
            f"{source}: {user!r} reads output {index} of node {node}, which does not exist "
            f"(nodes before it: {len(made)})"
        )
    return made[node][index]


def graph_to_json(graph: Graph, data_names: Any = ()) -> dict:
    """MXNet's JSON document for ``graph`` (see the module docstring); MXNet 1.9.1 loads it.

    ``data_names`` are the data inputs: they get no ``__shape__`` (their shapes vary by call);
    parameter variables record theirs as MXNet's Gluon does.
    """
    if graph.constants:
        raise HybridError("graph: a graph with folded constants cannot be written for MXNet; "
                          "write the traced graph before the passes")
    data = set(data_names)
    index: dict[int, int] = {}
    entries: list[dict] = []
    row_ptr = [0]
    for v in graph.inputs:
        index[id(v)] = len(entries)
        entries.append({"op": "null", "name": v.name, "inputs": [],
                        **_wrapped(_variable_attrs(v, v.name in data))})
        row_ptr.append(row_ptr[-1] + 1)
    refused = sorted({f"{n.name!r} ({n.op.name}: {NOT_IN_MXNET[n.op.name]})"
                      for n in graph.nodes if n.op.name in NOT_IN_MXNET})
    if refused:
        raise HybridError(f"graph JSON for MXNet: no MXNet operator for node {', '.join(refused)}")
    for node in graph.nodes:
        for v in node.outputs:
            index[id(v)] = len(entries)
        op_name, extra = WRITTEN_AS.get(node.op.name, (node.op.name, {}))
        inputs = node.inputs
        if node.op.name == "_CachedOp":  # its inputs are its graph's, in MXNet's order
            inputs = [inputs[i] for i in _mxnet_input_order(node.attrs["subgraphs"][0])]
        entries.append({
            "op": op_name,
            "name": node.name,
            **_wrapped({**extra, **_node_attrs(node)}),
            "inputs": [[index[id(v)], v.index, 0] for v in inputs],
            **_subgraphs(node),
        })
        row_ptr.append(row_ptr[-1] + len(node.outputs))
    return {
        "nodes": entries,
        "arg_nodes": list(range(len(graph.inputs))),
        "node_row_ptr": row_ptr,
        "heads": [[index[id(v)], v.index, 0] for v in graph.outputs],
        "attrs": {"mxnet_version": ["int", MXNET_VERSION]},
    }


def _subgraphs(node: Any) -> dict:
    """A control-flow node's bodies in MXNet's ``subgraphs`` field (their variables untyped:
    loop variables are slices of the node's inputs), in MXNet's input order (see
    :func:`_mxnet_locs`).
    """
    graphs = node.attrs.get("subgraphs")
    if graphs is None:
        return {}
    bodies = [Graph.from_outputs(g.outputs) for g in graphs]
    return {"subgraphs": [graph_to_json(g, [v.name for v in g.inputs]) for g in bodies]}


def _mxnet_input_order(graph: Graph) -> list[int]:
    """Positions among ``graph.inputs`` of the inputs in MXNet's order (depth-first from the
    outputs, as ``list_inputs`` and :func:`graph_from_json` number them)."""
    where = {id(v): i for i, v in enumerate(graph.inputs)}
    return [where[id(v)] for v in Graph.from_outputs(graph.outputs).inputs]


def _mxnet_locs(node: Any) -> dict[str, Any]:
    """A control-flow node's ``*_locs`` for its bodies' inputs in MXNet's order.

    MXNet numbers a body's inputs in depth-first order from its outputs (``list_inputs``), which
    is how :func:`graph_from_json` reads them; a body traced by hybrid lists its loop variables
    first. Positions are renumbered, and per-input tables permuted, into MXNet's order.
    """
    a = node.attrs
    orders = [_mxnet_input_order(g) for g in a["subgraphs"]]

    def moved(locs: tuple, order: list[int]) -> tuple:
        new = {old: k for k, old in enumerate(order)}
        if any(loc not in new for loc in locs):
            raise HybridError(f"graph JSON for MXNet: {node.name}: a loop variable is not read "
                              "by the body, which MXNet does not accept")
        return tuple(new[loc] for loc in locs)

    def picked(table: tuple, order: list[int]) -> tuple:
        return tuple(table[old] for old in order)

    if node.op.name == "_foreach":
        return {k: moved(a[k], orders[0]) for k in ("in_data_locs", "in_state_locs",
                                                     "remain_locs")}
    if node.op.name == "_while_loop":
        return {"cond_input_locs": picked(a["cond_input_locs"], orders[0]),
                "func_input_locs": picked(a["func_input_locs"], orders[1]),
                "func_var_locs": moved(a["func_var_locs"], orders[1])}
    keys = ("cond_input_locs", "then_input_locs", "else_input_locs")  # _cond
    return {k: picked(a[k], order) for k, order in zip(keys, orders)}


def _wrapped(attrs: dict[str, str]) -> dict:
    return {"attrs": attrs} if attrs else {}


def _variable_attrs(v: Value, is_data: bool) -> dict[str, str]:
    attrs = {k: _mx_str(a) for k, a in v.attrs.items()}
    if v.shape is not None and not is_data:
        attrs["__shape__"] = _mx_str(tuple(v.shape))
    if v.dtype is not None and not is_data:
        flags = {dtype: flag for flag, dtype in TYPE_FLAGS.items()}
        flag = flags.get(v.dtype.newbyteorder("<") if v.dtype.itemsize > 1 else v.dtype)
        if flag is not None:
            attrs["__dtype__"] = str(flag)
    return attrs


def _node_attrs(node: Any) -> dict[str, str]:
    """The attributes MXNet needs: those differing from the op's defaults, as strings."""
    specs = node.op.attr_specs
    out = {}
    loop = node.op.name in _CONTROL_FLOW
    attrs = {**node.attrs, **_mxnet_locs(node)} if loop else node.attrs
    for key, value in attrs.items():
        if key in ("is_train", "subgraphs"):
            continue
        spec = specs.get(key)
        if spec is not None and _same(value, spec.default):
            continue
        out[key] = _mx_str(value)
    if "num_args" in specs or loop:
        # MXNet requires the count where its op has the parameter (variadic ops such as Concat;
        # other variadic ops count in their own terms: amp_multicast's num_outputs, Custom's
        # none); a control-flow node counts its subgraphs too.
        out["num_args"] = str(len(node.inputs) + len(node.attrs.get("subgraphs", ())))
    return out


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b) or (a is None and b is None)
    except (ValueError, TypeError):
        return False


def _mx_str(value: Any) -> str:
    """A parsed attribute as MXNet prints it: ``(2, 2)``, ``True``, ``float32``, ``None``."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (np.dtype, type)):
        return np.dtype(value).name
    if isinstance(value, (list, tuple)):
        items = [_mx_str(x) for x in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"  # MXNet's tuples
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if value is None:
        return "None"
    raise HybridError(f"graph JSON for MXNet: cannot write attribute value {value!r}")
