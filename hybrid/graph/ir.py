"""The graph IR: typed SSA values, op nodes and graphs; a text dump; a JSON round trip.

A :class:`Value` is produced by one :class:`Node` output or is a variable (a graph input: data or
parameter). A :class:`Node` applies one registered op to input values with parsed attributes.
Symbols are thin handles on values, so the graph a Symbol describes is the set of nodes reachable
from its outputs; :meth:`Graph.from_outputs` flattens it. Nodes carry a creation number: a graph
runs its nodes in creation order, which is the order eager code would have run them in (random
ops then draw from the generator in the same order).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..base import HybridError, ShapeError
from ..ops.registry import get_op

__all__ = ["Value", "Node", "Graph", "make_node", "variable", "encode_attr", "decode_attr"]

_uids = itertools.count()
_FLOAT32 = np.dtype(np.float32)


class Value:
    """One SSA value: an output of ``node`` (at ``index``), or a variable when ``node`` is None.

    ``shape`` is a tuple (0 = unknown dim) or None (unknown); ``dtype`` a numpy dtype or None.
    Variables keep their declared attributes (``__init__``, ``__lr_mult__``, user attrs) in
    ``attrs``.
    """

    __slots__ = ("node", "index", "shape", "dtype", "name", "attrs", "uid")

    def __init__(self, node: Node | None, index: int, shape: Any, dtype: Any, name: str):
        self.node, self.index, self.name = node, index, name
        self.shape = None if shape is None else tuple(int(d) for d in shape)
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.attrs: dict[str, Any] = {}
        self.uid = next(_uids)

    @property
    def is_variable(self) -> bool:
        return self.node is None

    def __repr__(self) -> str:
        return f"Value({self.name}, {self.shape}, {self.dtype})"


class Node:
    """One op application: ``outputs = op(inputs, **attrs)``; ``op`` is the op record itself."""

    __slots__ = ("op", "name", "inputs", "attrs", "outputs", "uid")

    def __init__(self, op: Any, name: str, inputs: list[Value], attrs: dict[str, Any]):
        self.op, self.name, self.inputs, self.attrs = op, name, list(inputs), dict(attrs)
        self.outputs: list[Value] = []
        self.uid = next(_uids)

    def __repr__(self) -> str:
        return f"Node({self.op.name}, {self.name})"


def variable(name: str, shape: Any = None, dtype: Any = None, attrs: dict | None = None) -> Value:
    """A new variable value (a graph input)."""
    v = Value(None, 0, shape, dtype, name)
    v.attrs = dict(attrs or {})
    return v


def _known(shape: Any) -> bool:
    return shape is not None and 0 not in shape


def _infer(op: Any, in_shapes: list, in_dtypes: list, attrs: dict) -> tuple[list, list, list]:
    """``op.infer`` where shapes may be unknown: with every input known, errors stand; otherwise
    the outputs stay unknown (MXNet also leaves partial inference incomplete).
    """
    n_out = op.num_outputs(attrs)
    dtypes = [_FLOAT32 if d is None else d for d in in_dtypes]
    try:
        return op.infer(list(in_shapes), dtypes, **attrs)
    except HybridError:
        if all(_known(s) for s in in_shapes):
            raise
    except Exception as e:  # noqa: BLE001 - rules may not expect unknown dims; see below
        if all(_known(s) for s in in_shapes):
            shapes = ", ".join(str(s) for s in in_shapes)
            raise ShapeError(f"{op.name}: shape inference failed on inputs {shapes}: {e}") from e
    return list(in_shapes), [None] * n_out, [None] * n_out


def _more_known(new: Any, old: Any) -> bool:
    if new is None:
        return False
    if old is None:
        return True
    return len(new) == len(old) and sum(d == 0 for d in new) < sum(d == 0 for d in old)


def make_node(op: Any, inputs: list[Value], attrs: dict[str, Any], name: str) -> Node:
    """A node with typed outputs; unknown dims of variable inputs are completed from ``infer``."""
    node = Node(op, name, inputs, attrs)
    in_shapes, out_shapes, out_dtypes = _infer(
        op, [v.shape for v in inputs], [v.dtype for v in inputs], attrs
    )
    for v, s in zip(inputs, in_shapes):
        if v.node is None and _more_known(s, v.shape):
            v.shape = tuple(int(d) for d in s)
    n_out = op.num_outputs(attrs)
    out_names = [f"{name}_output"] if n_out == 1 else [f"{name}_output{i}" for i in range(n_out)]
    node.outputs = [
        Value(node, i, s, d, n)
        for i, (s, d, n) in enumerate(zip(out_shapes, out_dtypes, out_names))
    ]
    return node


class Graph:
    """A flat graph: ``inputs`` (variables), ``nodes`` in execution order, ``outputs``.

    ``constants`` maps values computed ahead of time (by constant folding) to their arrays; the
    nodes that produced them are gone. ``meta`` carries pass results (e.g. the memory plan).
    """

    def __init__(
        self,
        inputs: list[Value],
        nodes: list[Node],
        outputs: list[Value],
        constants: dict[Value, np.ndarray] | None = None,
        meta: dict | None = None,
    ):
        self.inputs, self.nodes, self.outputs = list(inputs), list(nodes), list(outputs)
        self.constants = dict(constants or {})
        self.meta = dict(meta or {})

    @classmethod
    def from_outputs(cls, outputs: list[Value], inputs: list[Value] | None = None) -> Graph:
        """The graph computing ``outputs``; variables listed in depth-first order (MXNet's
        ``list_inputs`` order) unless ``inputs`` fixes them.
        """
        seen: set[int] = set()
        nodes: list[Node] = []
        variables: list[Value] = []
        stack: list[Any] = [iter(outputs)]
        while stack:
            for v in stack[-1]:
                owner = v if v.node is None else v.node
                if id(owner) in seen:
                    continue
                seen.add(id(owner))
                if v.node is None:
                    variables.append(v)
                else:
                    nodes.append(v.node)
                    stack.append(iter(v.node.inputs))
                break
            else:
                stack.pop()
        nodes.sort(key=lambda n: n.uid)
        if inputs is not None:
            missing = [v.name for v in variables if all(v is not i for i in inputs)]
            if missing:
                raise HybridError(f"graph: outputs depend on variables {missing} not in inputs")
            variables = list(inputs)
        return cls(variables, nodes, outputs)

    def aux_inputs(self) -> list[Value]:
        """Variables that ops update in place (BatchNorm's running statistics)."""
        aux: dict[int, Value] = {}
        for node in self.nodes:
            for i in node.op.aux_writeback:
                if i < len(node.inputs) and node.inputs[i].node is None:
                    aux[id(node.inputs[i])] = node.inputs[i]
        return [v for v in self.inputs if id(v) in aux]

    def consumers(self) -> dict[int, list[Node]]:
        """id(value) -> the nodes reading it."""
        users: dict[int, list[Node]] = {}
        for node in self.nodes:
            for v in node.inputs:
                users.setdefault(id(v), []).append(node)
        return users

    # -- text dump -----------------------------------------------------------------------------
    def dump(self) -> str:
        """A readable listing, one node per line with its output types."""
        names = _value_names(self)

        def typed(v: Value) -> str:
            dtype = "?" if v.dtype is None else v.dtype.name
            return f"{names[id(v)]}: {v.shape} {dtype}"

        lines = [f"graph({', '.join(typed(v) for v in self.inputs)}) {{"]
        for v in self.constants:
            lines.append(f"  {typed(v)} = constant")
        for node in self.nodes:
            attrs = ", ".join(f"{k}={a!r}" for k, a in node.attrs.items())
            args = ", ".join(names[id(v)] for v in node.inputs)
            outs = ", ".join(typed(v) for v in node.outputs)
            lines.append(f"  {outs} = {node.op.name}[{attrs}]({args})  # {node.name}")
        lines.append(f"  return {', '.join(names[id(v)] for v in self.outputs)}")
        lines.append("}")
        return "\n".join(lines)

    __str__ = dump

    # -- JSON ----------------------------------------------------------------------------------
    def to_json(self) -> dict:
        """A JSON-serialisable description (MXNet's layout: nodes, arg_nodes, heads)."""
        if self.constants:
            raise HybridError("graph: a graph with folded constants cannot be serialised; "
                              "serialise the graph before running the passes")
        index: dict[int, int] = {}
        entries = []
        for v in self.inputs:
            index[id(v)] = len(entries)
            attrs = {k: encode_attr(a) for k, a in v.attrs.items()}
            if v.shape is not None:
                attrs["__shape__"] = list(v.shape)
            if v.dtype is not None:
                attrs["__dtype__"] = v.dtype.name
            entries.append({"op": "null", "name": v.name, "attrs": attrs, "inputs": []})
        for node in self.nodes:
            for v in node.outputs:
                index[id(v)] = len(entries)
            entries.append({
                "op": node.op.name,
                "name": node.name,
                "attrs": {k: encode_attr(a) for k, a in node.attrs.items()},
                "inputs": [[index[id(v)], v.index] for v in node.inputs],
            })
        return {
            "format": "hybrid-graph",
            "version": 1,
            "nodes": entries,
            "arg_nodes": list(range(len(self.inputs))),
            "heads": [[index[id(v)], v.index] for v in self.outputs],
        }

    @classmethod
    def from_json(cls, obj: dict) -> Graph:
        """The graph that :meth:`to_json` described."""
        if obj.get("format") != "hybrid-graph":
            raise HybridError("graph JSON: not a hybrid graph (missing format 'hybrid-graph')")
        made: list[list[Value]] = []
        inputs = []
        for entry in obj["nodes"]:
            attrs = {k: decode_attr(a) for k, a in entry.get("attrs", {}).items()}
            if entry["op"] == "null":
                shape, dtype = attrs.pop("__shape__", None), attrs.pop("__dtype__", None)
                v = variable(entry["name"], shape, dtype, attrs)
                inputs.append(v)
                made.append([v])
                continue
            args = [made[i][k] for i, k, *_ in entry["inputs"]]
            made.append(node_from_entry(entry["op"], entry["name"], args, attrs).outputs)
        outputs = [made[i][k] for i, k, *_ in obj["heads"]]
        return cls.from_outputs(outputs, inputs=inputs)


def node_from_entry(op_name: str, name: str, inputs: list[Value], raw_attrs: dict) -> Node:
    """A node from a serialised op name and raw attributes: the one place a loader parses them."""
    op = get_op(op_name)
    return make_node(op, inputs, op.parse_attrs(raw_attrs), name)


def _value_names(graph: Graph) -> dict[int, str]:
    names = {id(v): f"%{v.name}" for v in graph.inputs}
    counter = itertools.count()
    for v in graph.constants:
        names[id(v)] = f"%c{next(counter)}"
    for node in graph.nodes:
        for v in node.outputs:
            names[id(v)] = f"%{next(counter)}"
    return names


def encode_attr(value: Any) -> Any:
    """A JSON-serialisable form of a parsed attribute (tuples, dtypes, slices, arrays)."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return {"dtype": np.dtype(value).name}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"tuple": [encode_attr(x) for x in value]}
    if isinstance(value, list):
        return [encode_attr(x) for x in value]
    if isinstance(value, slice):
        return {"slice": [encode_attr(value.start), encode_attr(value.stop),
                          encode_attr(value.step)]}
    if value is Ellipsis:
        return {"ellipsis": True}
    if isinstance(value, np.ndarray):
        return {"array": value.tolist(), "array_dtype": value.dtype.name}
    if isinstance(value, dict):
        return {"dict": {k: encode_attr(x) for k, x in value.items()}}
    if isinstance(value, Graph):  # a control-flow node's body (hybrid/ops/control_flow.py)
        return {"graph": value.to_json()}
    raise HybridError(f"graph JSON: cannot serialise attribute value {value!r}")


def decode_attr(value: Any) -> Any:
    """The inverse of :func:`encode_attr`."""
    if isinstance(value, list):
        return [decode_attr(x) for x in value]
    if not isinstance(value, dict):
        return value
    if "dtype" in value:
        return np.dtype(value["dtype"])
    if "tuple" in value:
        return tuple(decode_attr(x) for x in value["tuple"])
    if "slice" in value:
        return slice(*(decode_attr(x) for x in value["slice"]))
    if "ellipsis" in value:
        return Ellipsis
    if "array" in value:
        return np.array(value["array"], dtype=value["array_dtype"])
    if "dict" in value:
        return {k: decode_attr(x) for k, x in value["dict"].items()}
    if "graph" in value:
        return Graph.from_json(value["graph"])
    raise HybridError(f"graph JSON: unknown attribute encoding {value!r}")
