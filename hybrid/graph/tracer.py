"""The tracer: runs a block once on Symbols and returns the graph it built.

Inputs become variables ``data`` (several: ``data0``, ``data1``, ..., as MXNet names them) with
the call's shapes and dtypes; every parameter's ``_trace_symbol`` is set to a variable named
after it (unknown dims as 0), so both ``hybrid_forward(F, x, **params)`` and a plain
``forward(x)`` reading ``param.data()`` build graph nodes. Train-aware ops take ``is_train``
from the autograd mode during the trace, which the caller sets from its cache key. Deferred
parameter shapes are completed from the shapes the ops inferred.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from ..base import HybridError
from ..name import NameManager
from ..symbol import symbol as _symbol
from .ir import Graph, Value

__all__ = [
    "Trace",
    "trace",
    "flatten",
    "unflatten",
    "flatten_inputs",
    "regroup_inputs",
    "InputStructureError",
]


class InputStructureError(HybridError, ValueError):
    """A hybridized block's inputs are not (nested lists/tuples of) arrays and None, or do not
    have the structure its cached graph was traced for (a ValueError, as in MXNet).
    """


class Trace:
    """A traced block: the graph (data variables first, then the parameters it reads), the
    parameters in graph-input order, the output structure and the input format (see
    ``flatten_inputs``).
    """

    def __init__(
        self, graph: Graph, params: list, n_data: int, structure: Any, in_format: Any = None
    ):
        self.graph, self.params, self.n_data, self.structure = graph, params, n_data, structure
        self.in_format = in_format


def input_names(n: int) -> list[str]:
    """MXNet's names for a traced block's inputs: ``data`` alone, else data0, data1, ..."""
    return ["data"] if n == 1 else [f"data{i}" for i in range(n)]


def flatten(out: Any) -> tuple[list[Value], Any]:
    """(values, structure) of a block's output: a Symbol (one or several outputs), None, or
    nested lists/tuples of them.
    """
    if hasattr(out, "_is_symbol"):
        n = len(out._outputs)
        return list(out._outputs), ("sym", n)
    if out is None:
        return [], ("none",)
    if isinstance(out, (list, tuple)):
        values, parts = [], []
        for o in out:
            v, s = flatten(o)
            values.extend(v)
            parts.append(s)
        return values, (type(out), parts)
    raise HybridError(
        "hybridize: a traced block must return Symbols, None or (nested) lists of them, got "
        f"{type(out).__name__}"
    )


def flatten_inputs(args: Any, where: str) -> tuple[list, Any]:
    """(leaves, format) of a block's call arguments: arrays (NDArrays or Symbols) and None,
    nested in lists and tuples as MXNet's hybridized blocks take them (RNN states). The format
    is 0 for an array, -1 for None and ``(type, [formats])`` for a list or tuple.
    """
    if args is None:
        return [None], -1
    if hasattr(args, "_data") or hasattr(args, "_is_symbol"):
        return [args], 0
    if isinstance(args, (list, tuple)):
        leaves, fmts = [], []
        for a in args:
            leaf, fmt = flatten_inputs(a, where)
            leaves.extend(leaf)
            fmts.append(fmt)
        return leaves, (type(args), fmts)
    raise InputStructureError(
        f"{where}: a hybridized block takes NDArrays, None and (nested) lists or tuples of "
        f"them, got {type(args).__name__}"
    )


def regroup_inputs(fmt: Any, leaves: Any) -> Any:
    """The arguments rebuilt from ``flatten_inputs``' format and an iterator over leaves."""
    if fmt == 0:
        return next(leaves)
    if fmt == -1:
        next(leaves)
        return None
    return fmt[0](regroup_inputs(f, leaves) for f in fmt[1])


def unflatten(structure: Any, arrays: list) -> Any:
    """The output structure rebuilt from the flat list of arrays (a multi-output Symbol becomes
    a list, as a multi-output op returns one eagerly).
    """
    return _rebuild(structure, iter(arrays))


def _rebuild(s: Any, it: Any) -> Any:
    # NOTE: a module-level function, not a closure calling itself: such a closure is a reference
    # cycle holding the outputs until the cyclic collector runs, 28 MB per step of the LSTM LM.
    if s[0] == "none":
        return None
    if s[0] == "sym":
        items = [next(it) for _ in range(s[1])]
        return items[0] if s[1] == 1 else items
    return s[0](_rebuild(p, it) for p in s[1])


@contextmanager
def _tracing(block: Any, params: list, variables: list) -> Any:
    prev = _symbol._TraceState.block
    _symbol._TraceState.block = getattr(block, "name", type(block).__name__)
    for p, v in zip(params, variables):
        p._trace_symbol = v
    try:
        with NameManager():  # fresh counters: a trace names its nodes the same every time
            yield
    finally:
        for p in params:
            p._trace_symbol = None
        _symbol._TraceState.block = prev


def trace(block: Any, args: list) -> Trace:
    """Trace ``block`` on Symbol stand-ins for the NDArrays in ``args`` (nested lists and tuples
    of them allowed). A None argument (an optional input left out, as MXNet allows) reaches the
    block as None and is no graph input.
    """
    name = getattr(block, "name", type(block).__name__)
    leaves, in_format = flatten_inputs(list(args), name)
    stand_ins = [
        None if a is None else _symbol.var(n, shape=a.shape, dtype=a.dtype)
        for n, a in zip(input_names(len(leaves)), leaves)
    ]
    data = [s for s in stand_ins if s is not None]
    params = list(block.collect_params().values())
    pvars = [
        _symbol.var(p.name, shape=p.shape, dtype=p.dtype, lr_mult=p.lr_mult, wd_mult=p.wd_mult)
        for p in params
    ]
    with _tracing(block, params, pvars):
        out = block(*regroup_inputs(in_format, iter(stand_ins)))
    values, structure = flatten(out)
    reachable = {id(v) for v in Graph.from_outputs(values).inputs}
    used = [(p, s._outputs[0]) for p, s in zip(params, pvars) if id(s._outputs[0]) in reachable]
    inputs = [s._outputs[0] for s in data] + [v for _, v in used]
    graph = Graph.from_outputs(values, inputs=inputs)
    for p, v in used:
        _complete_param(p, v)
    return Trace(graph, [p for p, _ in used], len(data), structure, in_format)


def _complete_param(param: Any, v: Value) -> None:
    """Give a deferred parameter the shape the graph inferred for it, then allocate it."""
    if not param._deferred_init:
        return
    if v.shape is None or 0 in v.shape:
        raise HybridError(
            f"hybridize: cannot infer the shape of parameter '{param.name}' from the traced graph "
            f"(got {v.shape}); give its full shape when creating the layer"
        )
    param.shape = v.shape
    param._finish_deferred_init()
