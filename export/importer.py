"""ONNX -> hybrid: ``from_onnx`` reads an ONNX model into a trainable ``SymbolBlock``.

Each ONNX node is translated by one rule in ``export/import_rules`` (one module per op family) into
one or more registry ops with MXNet semantics, appended to hybrid's graph IR. The model's
initializers become Parameters named after them (trainable when floating point), so a model from
another framework runs eagerly, hybridizes, trains further and exports again. Initializers and
``Constant`` outputs that feed shape-like operands (Reshape's shape, Slice's starts, ...) are read
as attributes instead and never become parameters.

Note [Unknown dims on import]
Symbolic ONNX dims (``batch``) become 0, hybrid's "unknown dim". Most rules do not need them; the
few that compute a static attribute from a shape (auto_pad SAME, Expand, Flatten with axis != 1)
ask for the shape and raise naming the input when it is unknown. Pass ``input_shapes`` to fix
them. Shape arithmetic (``Shape`` -> ``Gather`` -> ``Concat`` -> ``Reshape``, how exporters keep
a reshape batch-independent) is evaluated while importing: see Note [Shape arithmetic on import]
in ``import_rules/shape_folding.py``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from hybrid.base import FileFormatError, HybridError
from hybrid.gluon.parameter import Constant
from hybrid.gluon.parameter_dict import ParameterDict
from hybrid.gluon.symbol_block import SymbolBlock
from hybrid.graph.ir import Graph, Value, make_node, variable
from hybrid.ndarray.ndarray import NDArray
from hybrid.ops.registry import get_op
from hybrid.symbol.symbol import Symbol

from .import_rules import RULES
from .import_rules.shape_folding import FOLDS, fold_shape_arithmetic

__all__ = ["CONSTANT_NODES", "from_onnx", "unsupported_ops"]


class OnnxNode:
    """One ONNX node as rules see it: op type, input/output names ('' = absent), Python attrs."""

    def __init__(self, proto: onnx.NodeProto, index: int):
        self.op_type = proto.op_type
        self.name = proto.name or f"{proto.op_type.lower()}{index}"
        self.inputs = list(proto.input)
        self.outputs = list(proto.output)
        self.attrs = {a.name: _attr_value(a) for a in proto.attribute}

    def input(self, i: int) -> str:
        """The name of input ``i``, or '' when it is absent."""
        return self.inputs[i] if i < len(self.inputs) else ""


def _attr_value(attr: onnx.AttributeProto) -> Any:
    value = helper.get_attribute_value(attr)
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, onnx.TensorProto):
        return numpy_helper.to_array(value)
    if isinstance(value, list) and value and isinstance(value[0], bytes):
        return [v.decode() for v in value]
    return value


class ImportContext:
    """What a rule works with: ONNX names resolved to graph values or constant arrays, and a way
    to append registry ops to the graph.
    """

    def __init__(self, opset: int, constants: dict[str, np.ndarray], trainable: set[str]):
        self.opset = opset
        self.constants = constants  # initializers and Constant outputs, by ONNX name
        self.values: dict[str, Value] = {}
        self.trainable = trainable  # initializer names (the rest of ``constants`` is fixed)
        self.param_values: dict[str, Value] = {}
        # Shape-arithmetic results by ONNX name: float arrays, NaN where a dim is unknown; the
        # fully known ones are also in ``constants`` (see Note [Shape arithmetic on import]).
        self.partial: dict[str, np.ndarray] = {}
        self.partial_labels: dict[str, np.ndarray] = {}  # where each unknown element came from
        self.node: OnnxNode | None = None
        self._counter = itertools.count()
        self.outer: ImportContext | None = None  # the enclosing graph's, in a body
        self.free: list[tuple[Value, Value]] = []  # a body's (stand-in, outer value) pairs

    def body(self, formals: list[Value]) -> ImportContext:
        """A context for a Scan/Loop/If body whose inputs are ``formals``: it reads the
        enclosing graph's constants, and its other operands from the enclosing graph become
        stand-in variables listed in ``free`` (see :meth:`value`).
        """
        child = ImportContext(self.opset, dict(self.constants), self.trainable)
        child.partial, child.partial_labels = dict(self.partial), dict(self.partial_labels)
        child.outer, child.node, child._counter = self, self.node, self._counter
        child.values.update({v.name: v for v in formals})
        return child

    # -- operands ----------------------------------------------------------------------------
    def is_const(self, name: str) -> bool:
        return name in self.constants and name not in self.values

    def const(self, name: str, what: str) -> np.ndarray:
        """The constant array behind ``name``: a shape-like operand read as an attribute."""
        if not self.is_const(name):
            self._check_known(name, what)
            raise self.error(f"{what} ({name!r}) must be an initializer or a Constant output")
        return self.constants[name]

    def partial_ints(self, name: str, what: str) -> tuple[Any, ...]:
        """A 1-D integer operand whose elements may be unknown at import: those are
        ``(tensor name, axis)`` when they are that dim, else None.
        """
        if name in self.partial:
            values = self.partial[name].reshape(-1)
            labels = self.partial_labels[name].reshape(-1)
            return tuple(label if np.isnan(d) else int(d) for d, label in zip(values, labels))
        return tuple(int(d) for d in np.asarray(self.const(name, what)).reshape(-1))

    def _check_known(self, name: str, what: str) -> None:
        if name in self.partial and name not in self.constants:
            raise self.error(
                f"{what} ({name!r}) depends on a dim unknown at import, {self.partial[name]} "
                "(NaN: unknown); pass input_shapes to from_onnx"
            )

    def value(self, name: str) -> Value:
        """The graph value of a data operand; a constant becomes a parameter variable."""
        if name in self.values:
            return self.values[name]
        if self.outer is not None:  # a body reading the enclosing graph
            if name in self.constants and name not in self.outer.constants:
                self.outer.constants[name] = self.constants[name]  # a body's own Constant
            outside = self.outer.value(name)
            stand_in = variable(name, outside.shape, outside.dtype)
            self.values[name] = stand_in
            self.free.append((stand_in, outside))
            return stand_in
        self._check_known(name, "the operand")
        if name not in self.constants:
            raise self.error(f"input {name!r} is not produced by any node or initializer")
        arr = self.constants[name]
        v = variable(name, arr.shape, arr.dtype)
        self.values[name] = self.param_values[name] = v
        return v

    def shape(self, name: str) -> tuple[int, ...] | None:
        """The fully known shape of an operand, or None."""
        if self.is_const(name):
            return tuple(self.constants[name].shape)
        shape = self.value(name).shape
        return None if shape is None or 0 in shape else tuple(shape)

    def known_shape(self, name: str, why: str) -> tuple[int, ...]:
        """The shape of an operand that ``why`` needs; see Note [Unknown dims on import]."""
        shape = self.shape(name)
        if shape is None:
            raise self.error(
                f"{why} needs the static shape of {name!r}, which is unknown "
                "(pass input_shapes to from_onnx)"
            )
        return shape

    def dtype(self, name: str) -> np.dtype:
        if self.is_const(name):
            return self.constants[name].dtype
        return self.value(name).dtype or np.dtype(np.float32)

    # -- emitting ----------------------------------------------------------------------------
    def op(self, op_name: str, inputs: Sequence[Value], **attrs: Any) -> Value:
        """Append one registry op; its first output."""
        return self.multi(op_name, inputs, **attrs)[0]

    def multi(self, op_name: str, inputs: Sequence[Value], **attrs: Any) -> list[Value]:
        """Append one registry op; all its outputs."""
        op = get_op(op_name)
        base = self.node.name if self.node is not None else "import"
        name = f"{base}_{next(self._counter)}"
        return make_node(op, list(inputs), op.parse_attrs(attrs), name).outputs

    def error(self, reason: str) -> HybridError:
        where = f"{self.node.op_type} (node {self.node.name})" if self.node else "from_onnx"
        return HybridError(f"from_onnx: {where}: {reason}")


def _load(model: Any) -> onnx.ModelProto:
    if isinstance(model, onnx.ModelProto):
        return model
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        try:
            return onnx.load(path)
        except Exception as err:  # protobuf and onnx raise unrelated classes for bad bytes
            raise FileFormatError(f"from_onnx: {path!r} is not a valid ONNX file: "
                                  f"{type(err).__name__}: {err}") from err
    raise HybridError(f"from_onnx: expected a path or an onnx.ModelProto, got {type(model)}")


def _default_opset(model: onnx.ModelProto) -> int:
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return int(entry.version)
    return 1


def unsupported_ops(model: Any) -> list[str]:
    """``'<op type> (opset <n>)'`` for every node type of ``model`` that has no import rule."""
    model = _load(model)
    opsets = {e.domain: int(e.version) for e in model.opset_import}
    found: dict[str, None] = {}
    for node in _with_bodies(model.graph.node):
        domain = node.domain or ""
        known = node.op_type in RULES or node.op_type in FOLDS or node.op_type in CONSTANT_NODES
        if domain in ("", "ai.onnx") and known:
            continue
        label = node.op_type if domain in ("", "ai.onnx") else f"{domain}.{node.op_type}"
        found[f"{label} (opset {opsets.get(domain, opsets.get('ai.onnx', 1))})"] = None
    return list(found)


def _with_bodies(nodes: Any) -> list[onnx.NodeProto]:
    """``nodes`` and, recursively, the nodes of their bodies (Scan, Loop, If)."""
    found = []
    for node in nodes:
        found.append(node)
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                found.extend(_with_bodies(attr.g.node))
    return found


def _input_value(info: onnx.ValueInfoProto, shape: Any) -> Value:
    ttype = info.type.tensor_type
    dtype = helper.tensor_dtype_to_np_dtype(ttype.elem_type) if ttype.elem_type else None
    if shape is None and ttype.HasField("shape"):
        shape = tuple(d.dim_value if d.HasField("dim_value") else 0 for d in ttype.shape.dim)
    return variable(info.name, shape, dtype)


def _parameters(ctx: ImportContext, aux: set[str]) -> ParameterDict:
    """Parameters for the constants that became data operands, holding their values; ``aux``
    (running statistics that ops update in place) are not trained.
    """
    params = ParameterDict()
    for name in ctx.param_values:
        arr = ctx.constants[name]
        if name not in ctx.trainable:
            const = Constant(name, NDArray._wrap(arr.copy()))
            const.initialize()
            params.update({name: const})
            continue
        floating = arr.dtype.kind == "f" and name not in aux
        p = params.get(
            name,
            shape=arr.shape,
            dtype=arr.dtype,
            grad_req="write" if floating else "null",
            differentiable=floating,
        )
        p._load_init(arr)
    return params


def from_onnx(model: Any, input_shapes: dict[str, Sequence[int]] | None = None) -> SymbolBlock:
    """A trainable ``SymbolBlock`` computing an ONNX model.

    Parameters
    ----------
    model : str or onnx.ModelProto
        The model, or the path of an ``.onnx`` file.
    input_shapes : dict, optional
        Static shapes for graph inputs by name, replacing symbolic dims
        (see Note [Unknown dims on import]).

    Returns
    -------
    SymbolBlock
        Called with the graph inputs that are not initializers, in the model's order. Floating
        initializers are trainable Parameters named after them; the others and Constant outputs
        are fixed (``grad_req='null'``).

    Raises
    ------
    HybridError
        Listing every unsupported op type with its opset, before anything is built; or naming
        the node whose attributes hybrid cannot express.
    hybrid.base.FileFormatError
        ``model`` is a path and anything is wrong with the file (garbage, empty, truncated,
        or any of the errors above); the message names the file.
    """
    if not isinstance(model, (str, os.PathLike)):
        return _from_proto(_load(model), input_shapes)
    path = os.fspath(model)
    try:
        proto = _load(path)
        if not proto.graph.output:
            raise FileFormatError(f"from_onnx: {path!r} holds no graph outputs (empty or not "
                                  "an ONNX model)")
        return _from_proto(proto, input_shapes)
    except FileFormatError:
        raise
    except Exception as err:  # a corrupt file can break the importer anywhere: it is the file's
        raise FileFormatError(f"from_onnx: {path!r}: {type(err).__name__}: {err}") from err


def _from_proto(model: onnx.ModelProto,
                input_shapes: dict[str, Sequence[int]] | None) -> SymbolBlock:
    missing = unsupported_ops(model)
    if missing:
        raise HybridError(f"from_onnx: unsupported ONNX ops: {', '.join(missing)}")
    graph = model.graph
    constants = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    ctx = ImportContext(_default_opset(model), constants, set(constants))
    shapes = dict(input_shapes or {})
    data = [
        _input_value(info, shapes.get(info.name))
        for info in graph.input
        if info.name not in constants
    ]
    ctx.values.update({v.name: v for v in data})
    import_nodes(ctx, graph.node)
    outputs = [ctx.value(info.name) for info in graph.output]
    aux = {v.name for v in Graph.from_outputs(outputs).aux_inputs()}
    params = _parameters(ctx, aux)
    return SymbolBlock([Symbol([v]) for v in outputs], [Symbol([v]) for v in data], params=params)


def import_nodes(ctx: ImportContext, protos: Any) -> None:
    """Translate ONNX nodes in order into ``ctx``'s graph (a model's or a body's)."""
    outer = ctx.node
    for index, proto in enumerate(protos):
        node = OnnxNode(proto, index)
        ctx.node = node
        if node.op_type in CONSTANT_NODES:
            ctx.constants[node.outputs[0]] = CONSTANT_NODES[node.op_type](ctx, node)
            continue
        if fold_shape_arithmetic(ctx, node):
            continue
        outs = RULES[node.op_type](ctx, node)
        for name, v in zip(node.outputs, outs):
            if name:
                ctx.values[name] = v
    ctx.node = outer


def _constant_of(ctx: ImportContext, node: OnnxNode) -> np.ndarray:
    """The array of a ``Constant`` node, from whichever ``value*`` attribute it has."""
    a = node.attrs
    if "value" in a:
        return np.asarray(a["value"])
    for key, dtype in (("value_float", np.float32), ("value_int", np.int64)):
        if key in a:
            return np.array(a[key], dtype=dtype)
    for key, dtype in (("value_floats", np.float32), ("value_ints", np.int64)):
        if key in a:
            return np.array(list(a[key]), dtype=dtype)
    raise ctx.error(f"unsupported Constant attributes {sorted(a)}")


def _constant_of_shape(ctx: ImportContext, node: OnnxNode) -> np.ndarray:
    """The array of a ``ConstantOfShape`` node: its shape operand must be known at import
    (the light model zoo stores its weights this way); ``value`` defaults to float32 0.
    """
    shape = tuple(int(d) for d in np.asarray(ctx.const(node.input(0), "the shape")).reshape(-1))
    value = np.asarray(node.attrs.get("value", np.zeros(1, np.float32)))
    if value.size != 1:
        raise ctx.error(f"value must hold one element, got shape {value.shape}")
    return np.full(shape, value.reshape(()), dtype=value.dtype)


# Nodes evaluated while importing into constants (never parameters to train).
CONSTANT_NODES = {"Constant": _constant_of, "ConstantOfShape": _constant_of_shape}
