"""``autograd.get_symbol``: the computation recorded on the tape as a Symbol.

Walks back from an array's tape entry. Every input that no recorded op produced (a variable
marked with ``attach_grad`` or a constant array) becomes a variable ``var0``, ``var1``, ... in
the order the walk first meets it, as MXNet names them. A hybridized block's run (one tape
entry) is replayed node by node from its traced graph, so the symbol shows the ops the block
wrote (not the fused ones the executor runs), when MXNet would inline it: at most
``inline_limit`` ops and no ``static_alloc``. Otherwise it is one ``_CachedOp`` node holding
that graph.
"""

from __future__ import annotations

from typing import Any

from ..base import HybridError
from ..name import NameManager
from ..ops.registry import get_op
from ..symbol import symbol as _symbol

__all__ = ["get_symbol"]


def get_symbol(x: Any) -> Any:
    """The Symbol of the recorded computation that produced ``x`` (an NDArray)."""
    if getattr(x, "_entry", None) is None:
        raise HybridError(
            "autograd.get_symbol: the array was not computed inside autograd.record(), so no "
            "graph was recorded for it"
        )
    leaves: dict[int, Any] = {}
    done: dict[int, list] = {}

    def symbol_of(a: Any) -> Any:
        entry = a._entry
        if entry is None:
            if id(a) not in leaves:
                leaves[id(a)] = _symbol.var(f"var{len(leaves)}", shape=a.shape, dtype=a.dtype)
            return leaves[id(a)]
        if id(entry) not in done:
            ins = [symbol_of(i) for i in entry.inputs]
            done[id(entry)] = _replay(entry, ins)
        return _symbol.Symbol([done[id(entry)][a._out_index]])

    with NameManager():
        return symbol_of(x)


def _replay(entry: Any, ins: list) -> list:
    """The output values of one tape entry applied to Symbols ``ins``."""
    executor = getattr(entry.ctx, "executor", None)
    if executor is None:
        attrs = {k: v for k, v in entry.attrs.items() if k != "is_train"}
        return list(_symbol.symbol_invoke(entry.op, ins, attrs)._outputs)
    graph = executor.source_graph
    if graph.constants:
        raise HybridError(
            "autograd.get_symbol: a hybridized block's graph holds folded constants; "
            "hybridize it again and record before reading its symbol"
        )
    if not executor.inline:
        op = get_op("_CachedOp")
        return list(_symbol.symbol_invoke(op, ins, {"subgraphs": (graph,)})._outputs)
    env = {id(v): s._outputs[0] for v, s in zip(graph.inputs, ins)}
    for node in graph.nodes:
        args = [_symbol.Symbol([env[id(v)]]) for v in node.inputs]
        attrs = {k: v for k, v in node.attrs.items() if k != "is_train"}
        outs = _symbol.symbol_invoke(node.op, args, attrs, node.name)._outputs
        env.update({id(v): o for v, o in zip(node.outputs, outs)})
    return [env[id(v)] for v in graph.outputs]
