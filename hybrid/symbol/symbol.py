"""Symbol: a handle on graph values, with MXNet's Symbol API.

Calling an op on Symbols appends a graph node instead of computing (``symbol_invoke`` is the
symbol front end of the one dispatch in ``hybrid.ops.registry``). Shapes propagate at construction
through each op's two-way ``infer``, so unknown dims of variables (a FullyConnected weight) are
completed as soon as the data shape is known.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import autograd
from ..base import FileFormatError, HybridError
from ..graph.infer import infer_graph
from ..graph.ir import Graph, Value, make_node
from ..name import NameManager
from ..ndarray._operators import add_operators
from ..ops import registry
from ..ops.broadcast import ELEMWISE
from ..ops.registry import get_op

__all__ = ["Symbol", "var", "Variable", "Group", "load", "load_json", "symbol_invoke"]


class _TraceState:
    """Which block is being traced, for error messages."""

    block: str | None = None


def _static_only(what: str) -> HybridError:
    where = f"block {_TraceState.block}" if _TraceState.block else "a Symbol"
    hint = (
        f"; call hybridize(False) on {_TraceState.block} to run it eagerly"
        if _TraceState.block
        else ""
    )
    return HybridError(
        f"{where}: {what} needs the value of a Symbol, which is unknown while tracing; "
        f"hybridized code must be shape-static (no Python control flow on array values){hint}"
    )


class Symbol:
    """A symbolic output list: one or more graph values (MXNet's ``Symbol``)."""

    _is_symbol = True
    __array_priority__ = 1001.0

    def __init__(self, outputs: list[Value]):
        self._outputs = list(outputs)

    # -- identity ------------------------------------------------------------------------------
    @property
    def name(self) -> str | None:
        if len(self._outputs) != 1:
            return None
        v = self._outputs[0]
        return v.name if v.node is None else v.node.name

    def attr(self, key: str) -> Any:
        """An attribute of this symbol's single node (variables: ``__shape__``, ``lr_mult``...)."""
        v = self._single("attr")
        if v.node is None:
            if key == "__shape__":
                return None if v.shape is None else str(v.shape)
            value = v.attrs.get(key, v.attrs.get(f"__{key.strip('_')}__"))
        else:
            value = v.node.attrs.get(key)
        return None if value is None else str(value)

    def list_attr(self) -> dict[str, str]:
        """This symbol's attributes; ``__lr_mult__`` and friends also under their plain names."""
        v = self._single("list_attr")
        src = v.attrs if v.node is None else v.node.attrs
        out = {k: str(a) for k, a in src.items() if k != "is_train"}
        out.update({k[2:-2]: a for k, a in out.items() if k[2:-2] in _HIDDEN_KEYS})
        return out

    def attr_dict(self) -> dict[str, dict[str, str]]:
        """Every variable's and node's attributes, by name (MXNet's ``attr_dict``)."""
        internals = self.get_internals()._outputs
        return {
            (v.name if v.node is None else v.node.name): Symbol([v]).list_attr()
            for v in internals if v.node is None or v.index == 0
        }

    @property
    def shape(self) -> tuple | None:
        """The inferred shape of the single output (static while tracing)."""
        return self._single("shape").shape

    @property
    def dtype(self) -> Any:
        d = self._single("dtype").dtype
        return None if d is None else d.type

    @property
    def ndim(self) -> int:
        shape = self.shape
        if shape is None:
            raise _static_only("ndim of a Symbol of unknown shape")
        return len(shape)

    def _single(self, what: str) -> Value:
        if len(self._outputs) != 1:
            raise HybridError(f"Symbol.{what}: the symbol has {len(self._outputs)} outputs")
        return self._outputs[0]

    # -- structure -----------------------------------------------------------------------------
    def _graph(self) -> Graph:
        return Graph.from_outputs(self._outputs)

    def list_inputs(self) -> list[str]:
        return [v.name for v in self._graph().inputs]

    def list_arguments(self) -> list[str]:
        g = self._graph()
        aux = {id(v) for v in g.aux_inputs()}
        return [v.name for v in g.inputs if id(v) not in aux]

    def list_auxiliary_states(self) -> list[str]:
        return [v.name for v in self._graph().aux_inputs()]

    def list_outputs(self) -> list[str]:
        return [v.name for v in self._outputs]

    def get_internals(self) -> Symbol:
        """Every variable and node output of the graph, as one grouped symbol."""
        g = self._graph()
        values = list(g.inputs)
        for node in sorted(g.nodes, key=lambda n: n.uid):
            values.extend(node.outputs)
        return Symbol(values)

    def get_children(self) -> Symbol | None:
        v = self._single("get_children")
        return None if v.node is None else Symbol(v.node.inputs)

    def __len__(self) -> int:
        return len(self._outputs)

    def __iter__(self) -> Iterator[Symbol]:
        if len(self._outputs) == 1:
            raise _static_only("iterating over the rows of a Symbol")
        return (Symbol([v]) for v in self._outputs)

    def __getitem__(self, key: Any) -> Symbol:
        if isinstance(key, str):
            for v in self._outputs:
                if v.name == key or (v.node is not None and v.name == f"{key}_output"):
                    return Symbol([v])
            raise HybridError(f"Symbol: no output named {key!r} in {self.list_outputs()}")
        if isinstance(key, (int, np.integer)) and len(self._outputs) > 1:
            return Symbol([self._outputs[key]])
        # NOTE: on a single output, indexing selects rows as on an NDArray (what traced Gluon code
        # means by x[0]), not MXNet 1.x's output selection, which would return x itself.
        return symbol_invoke(get_op("_getitem"), [self], {"key": key})

    # -- shapes and types ----------------------------------------------------------------------
    def infer_shape(self, *args: Any, **kwargs: Any) -> tuple:
        """(arg_shapes, out_shapes, aux_shapes) from given input shapes; Nones when incomplete."""
        res = self._shapes(args, kwargs)
        if any(s is None or 0 in s for group in res for s in group):
            return None, None, None
        return res

    def infer_shape_partial(self, *args: Any, **kwargs: Any) -> tuple:
        """Like :meth:`infer_shape`, keeping what is known: 0 for an unknown dim, ``()`` for an
        unknown shape, as MXNet writes them.
        """
        groups = self._shapes(args, kwargs)
        return tuple([() if s is None else s for s in group] for group in groups)

    def _shapes(self, args: tuple, kwargs: dict) -> tuple:
        g = self._graph()
        known = _by_name(self.list_arguments(), args, kwargs)
        shapes, _ = infer_graph(g, {k: tuple(s) for k, s in known.items()}, {})
        return self._grouped(g, shapes)

    def infer_type(self, *args: Any, **kwargs: Any) -> tuple:
        """(arg_types, out_types, aux_types) as numpy types; unknown inputs default to float32."""
        g = self._graph()
        known = _by_name(self.list_arguments(), args, kwargs)
        _, dtypes = infer_graph(g, {}, {k: np.dtype(d) for k, d in known.items()})
        return tuple(
            [None if d is None else d.type for d in group] for group in self._grouped(g, dtypes)
        )

    def _grouped(self, g: Graph, table: dict) -> tuple:
        aux = g.aux_inputs()
        aux_ids = {id(v) for v in aux}
        args = [table.get(id(v)) for v in g.inputs if id(v) not in aux_ids]
        return args, [table.get(id(v)) for v in self._outputs], [table.get(id(v)) for v in aux]

    # -- serialisation and evaluation ----------------------------------------------------------
    def tojson(self, remove_amp_cast: bool = True, format: str = "hybrid") -> str:
        """The graph as JSON: hybrid's layout, or MXNet's (``format='mxnet'``; MXNet 1.x's
        ``sym.load_json`` reads it). :func:`load_json` reads both.
        """
        if format == "mxnet":
            from .. import mxnet_graph

            return json.dumps(mxnet_graph.graph_to_json(self._graph()), indent=2)
        if format != "hybrid":
            raise HybridError(f"Symbol.tojson: format {format!r}, expected 'hybrid' or 'mxnet'")
        return json.dumps(self._graph().to_json(), indent=1)

    def save(self, fname: str, remove_amp_cast: bool = True, format: str = "hybrid") -> None:
        """Write :meth:`tojson` to ``fname`` atomically."""
        from ..serialization import write_atomic

        write_atomic(fname, self.tojson(format=format).encode())

    def eval(self, ctx: Any = None, **kwargs: Any) -> list:
        """Run the graph on NDArrays given by variable name; a list of NDArray outputs."""
        from ..graph.executor import Executor

        g = self._graph()
        missing = [v.name for v in g.inputs if v.name not in kwargs]
        if missing:
            raise HybridError(f"Symbol.eval: missing inputs {missing}")
        return Executor(g)([kwargs[v.name] for v in g.inputs])

    def bind(self, ctx: Any, args: Any, args_grad: Any = None, grad_req: Any = "write",
             aux_states: Any = None, group2ctx: Any = None, shared_exec: Any = None) -> Any:
        """An :class:`~hybrid.executor.Executor` over the given argument arrays (a list in
        :meth:`list_arguments` order or a dict by name), gradient arrays and aux states.
        """
        from ..executor import Executor

        return Executor(self, ctx, args, args_grad, grad_req, aux_states)

    def simple_bind(self, ctx: Any, grad_req: Any = "write", type_dict: dict | None = None,
                    stype_dict: Any = None, group2ctx: Any = None, shared_arg_names: Any = None,
                    shared_exec: Any = None, shared_buffer: Any = None, **kwargs: Any) -> Any:
        """An executor with zero-filled arrays shaped from the input shapes in ``kwargs``."""
        from ..executor import simple_bind

        return simple_bind(self, ctx, grad_req, type_dict, **kwargs)

    def __repr__(self) -> str:
        if len(self._outputs) == 1:
            return f"<Symbol {self.name}>"
        return f"<Symbol group [{', '.join(self.list_outputs())}]>"

    # -- value-dependent Python: not traceable -------------------------------------------------
    def __bool__(self) -> bool:
        raise _static_only("bool()")

    def __float__(self) -> float:
        raise _static_only("float()")

    def __int__(self) -> int:
        raise _static_only("int()")

    def __index__(self) -> int:
        raise _static_only("using a Symbol as an index")

    def asnumpy(self) -> np.ndarray:
        raise _static_only("asnumpy()")

    def asscalar(self) -> Any:
        raise _static_only("asscalar()")

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise _static_only("converting to a numpy array")

    __hash__ = object.__hash__

    # -- methods shared with NDArray -----------------------------------------------------------
    def reshape(self, *shape: Any, **kwargs: Any) -> Symbol:
        if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
            shape = tuple(shape[0])
        if "shape" in kwargs:
            shape = kwargs.pop("shape")
        op = get_op("Reshape")
        return symbol_invoke(op, [self], op.parse_attrs({"shape": shape, **kwargs}))

    def astype(self, dtype: Any, copy: bool = True) -> Symbol:
        return symbol_invoke(get_op("Cast"), [self], {"dtype": np.dtype(dtype)})

    def __neg__(self) -> Symbol:
        return symbol_invoke(get_op("negative"), [self], {})

    def __abs__(self) -> Symbol:
        return symbol_invoke(get_op("abs"), [self], {})

    def __pos__(self) -> Symbol:
        return self

    @property
    def T(self) -> Symbol:
        return self.transpose()


def _by_name(names: list[str], args: tuple, kwargs: dict) -> dict:
    known = dict(zip(names, args))
    for k, v in kwargs.items():
        if v is not None:
            known[k] = v
    return {k: v for k, v in known.items() if v is not None}


add_operators(Symbol, {b: e for b, (e, _) in ELEMWISE.items()})


def symbol_invoke(
    op: Any, args: list, attrs: dict, name: str | None = None, own_variables: bool = False
) -> Symbol:
    """Append a node applying ``op`` to Symbol inputs (the registry's symbol front end).

    With ``own_variables`` (calls through the ``sym`` namespace) the inputs left out become new
    variables, as in MXNet; graph replays (``hybrid.graph.eager``) pass exactly a node's inputs.
    """
    # Named by the current NameManager: a traced block's Prefix (see HybridBlock._call_symbolic).
    hint = op.name.lower().lstrip("_")
    name = NameManager.current().get(name, hint)
    if own_variables:
        args = list(args) + _own_variables(op, len(args), attrs, name)
    values = []
    for arg_name, a in zip(op.input_names(len(args)), args):
        if not hasattr(a, "_is_symbol"):
            raise HybridError(
                f"{op.name}: input {arg_name} is a {type(a).__name__} while tracing with Symbols;"
                " every input must be a Symbol (use F.* on the block's arguments and parameters)"
            )
        if len(a._outputs) != 1:
            raise HybridError(
                f"{op.name}: input {arg_name} is a group of {len(a._outputs)} outputs; "
                "pick one with [index]"
            )
        values.append(a._outputs[0])
    if op.train_aware:
        attrs = {**attrs, "is_train": autograd._state.training}
    node = make_node(op, values, attrs, name)
    return Symbol(node.outputs)


# After Symbol: the variable concept builds Symbols.
from ._variables import _HIDDEN_KEYS, Variable, _own_variables, var  # noqa: E402, F401


def Group(symbols: list[Symbol]) -> Symbol:
    """One symbol with the outputs of all ``symbols``."""
    return Symbol([v for s in symbols for v in s._outputs])


def load_json(json_str: str, source: str = "graph JSON") -> Symbol:
    """A symbol from :meth:`Symbol.tojson`'s text or from the graph JSON MXNet 1.x writes (told
    apart by layout; MXNet's is converted by :mod:`hybrid.mxnet_graph`).
    """
    from .. import mxnet_graph

    doc = json.loads(json_str)
    if mxnet_graph.is_mxnet_graph(doc):
        return Symbol(mxnet_graph.graph_from_json(doc, source).outputs)
    return Symbol(Graph.from_json(doc).outputs)


def load(fname: str) -> Symbol:
    """A symbol from a graph JSON file: ``export()``'s ``-symbol.json``, hybrid's or MXNet's.

    Raises
    ------
    hybrid.base.FileFormatError
        The file is missing, not UTF-8 JSON, or not a graph hybrid can build (whatever is wrong
        with it); the message names the file.
    """
    try:
        with open(fname, "rb") as f:
            return load_json(f.read().decode("utf-8"), str(fname))
    except FileFormatError:
        raise
    except Exception as err:  # garbage can break the reader anywhere: it is the file's fault
        raise FileFormatError(f"sym.load: {str(fname)!r} is not a valid graph JSON file: "
                              f"{type(err).__name__}: {err}") from err


registry.symbol_invoke = symbol_invoke
