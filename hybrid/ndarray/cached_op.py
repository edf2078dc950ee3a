"""``nd.CachedOp``: a Symbol prepared once and run on NDArrays, as MXNet's ``mx.nd.CachedOp``.

The symbol's graph runs through the graph executor a hybridized block uses; while recording, a
call is one tape entry whose VJP runs the graph backward.
"""

from __future__ import annotations

from typing import Any

from ..base import HybridError

__all__ = ["CachedOp"]


class CachedOp:
    """Run ``sym`` on NDArrays given in ``sym.list_inputs()`` order.

    Parameters
    ----------
    sym : Symbol
    flags : sequence of (str, value), optional
        MXNet's CachedOp flags (``static_alloc``, ``inline_limit``...); accepted, they tune
        MXNet's engine and do not change results.

    Examples
    --------
    >>> import hybrid as mx
    >>> op = mx.nd.CachedOp(mx.sym.var('a') * 2 + mx.sym.var('b'))
    >>> op(mx.nd.ones((2,)), mx.nd.ones((2,))).asnumpy().tolist()
    [3.0, 3.0]
    """

    def __init__(self, sym: Any, flags: Any = (), thread_safe: bool = False):
        from ..graph.executor import Executor

        graph = sym._graph()  # its inputs are in list_inputs() order
        self._names = [v.name for v in graph.inputs]
        self._executor = Executor(graph)
        self._num_outputs = len(sym.list_outputs())

    def __call__(self, *args: Any, out: Any = None, default_ctx: Any = None) -> Any:
        if len(args) != len(self._names):
            raise HybridError(
                f"CachedOp: expected {len(self._names)} inputs ({', '.join(self._names)}), "
                f"got {len(args)}"
            )
        outs = self._executor(list(args))
        if out is not None:
            targets = out if isinstance(out, (list, tuple)) else [out]
            if len(targets) != len(outs):
                raise HybridError(
                    f"CachedOp: out has {len(targets)} arrays for {len(outs)} outputs"
                )
            for target, value in zip(targets, outs):
                target[:] = value
            return out
        return outs[0] if self._num_outputs == 1 else outs
