"""CachedOp: what a hybridized block runs instead of its Python forward; and ``export``.

A call looks up a traced graph by (input shapes, input dtypes, training mode). On a miss the block
is traced on Symbols (see ``hybrid.graph.tracer``) in that mode; then, per run kind (recording or
not), the passes optimise a copy of the graph and an executor is prepared. BatchNorm folding needs
a run that neither trains nor records, so the two run kinds get separately optimised executors of
one trace.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .. import autograd
from ..base import HybridError
from ..graph.executor import Executor
from ..graph.passes import optimize
from ..graph.tracer import (
    InputStructureError,
    Trace,
    flatten_inputs,
    regroup_inputs,
    trace,
    unflatten,
)
from ..ndarray import NDArray

__all__ = ["CachedOp", "export_block"]

_BACKENDS = (None, "numpy", "onnxruntime")


class CachedOp:
    """The cached graphs of one hybridized block.

    Parameters
    ----------
    block : HybridBlock
        The block to trace.
    static_alloc : bool, default False
        Plan the memory of runs outside ``autograd.record()`` too: liveness-based slot sharing and
        early release of intermediates (see ``hybrid.graph.passes.memory_plan``). Recorded
        (training) runs are always planned: each step reuses its buffers from run to run instead
        of allocating afresh (see Note [Planned buffers] in ``hybrid/ops/_buffers.py``), the main
        training speed-up of a hybridized network.
    static_shape : bool, default False
        Accepted for MXNet compatibility: graphs are always specialised to input shapes.
    backend : None or 'onnxruntime'
        ``'onnxruntime'`` serves inference through ONNX Runtime; training falls back to numpy.
    backend_opts : dict, optional
        With ``backend='onnxruntime'``: attributes of the sessions' ``SessionOptions``, such as
        ``{'intra_op_num_threads': 1}``.
    """

    def __init__(
        self,
        block: Any,
        static_alloc: bool = False,
        static_shape: bool = False,
        backend: str | None = None,
        backend_opts: dict | None = None,
        **kwargs: Any,
    ):
        if backend not in _BACKENDS:
            raise HybridError(
                f"hybridize: unknown backend {backend!r} for {block.name}, expected one of "
                f"{', '.join(map(repr, _BACKENDS))}"
            )
        self.block, self.static_alloc, self.backend = block, static_alloc, backend
        self.session_options = _session_options(block.name, backend, backend_opts)
        self.flags = dict(kwargs, static_alloc=static_alloc, static_shape=static_shape)
        self._traces: dict[tuple, Trace] = {}
        self._executors: dict[tuple, Executor] = {}
        self._sessions: dict[tuple, tuple[Any, list]] = {}
        self.last_trace: Trace | None = None
        self.in_format: Any = None
        self.stats = {"traces": 0, "hits": 0}

    def _executor(self, args: tuple, leaves: list) -> tuple[Trace, Executor]:
        training, recording = autograd._state.training, autograd._state.recording
        key = (_signature(leaves), training)
        hooked = getattr(self.block, "_op_hook", None) is not None
        run_key = (key, recording, hooked)
        ex = self._executors.get(run_key)
        if ex is not None:
            self.stats["hits"] += 1
            return self._traces[key], ex
        tr = self._traces.get(key)
        if tr is None:
            tr = self._traces[key] = trace(self.block, args)
            self.stats["traces"] += 1
        inference = not training and not recording
        # Recorded runs always reuse their step buffers from run to run, as MXNet's memory pool
        # reuses freed blocks: fresh allocations page-fault (see Note [Planned buffers]).
        # An op hook sees the ops the block wrote, so its graph is run unfused and unfolded.
        plan = self.static_alloc or recording
        graph = tr.graph if hooked else optimize(tr.graph, inference, plan)
        ex = Executor(graph)
        ex.source_graph = tr.graph  # the ops as the block wrote them, for autograd.get_symbol
        # MXNet's CachedOp records its ops one by one only while they are few (inlining).
        limit = self.flags.get("inline_limit", 2)
        ex.inline = not self.static_alloc and len(tr.graph.nodes) <= limit
        self._executors[run_key] = ex
        return tr, ex

    def __call__(self, *args: Any) -> Any:
        leaves, fmt = flatten_inputs(list(args), self.block.name)
        self._check_format(fmt)
        _check_contexts(self.block.name, leaves)
        state = autograd._state
        if self.backend == "onnxruntime" and not (state.training or state.recording):
            return self._run_onnxruntime(args, leaves)
        tr, ex = self._executor(args, leaves)
        hook = getattr(self.block, "_op_hook", None)
        ex.monitor = None if hook is None else _op_monitor(*hook)
        data = [a for a in leaves if a is not None]  # the trace's data inputs
        self.last_trace = tr
        recording = autograd._state.recording
        params = []
        for p in tr.params:
            d = p.data()
            if recording:
                p._fresh_grad = True
            params.append(d)
        outs = ex([*data, *params])
        if data and data[0]._ctx is not None:
            for o in outs:
                o._ctx = data[0]._ctx
        return unflatten(tr.structure, outs)

    def _check_format(self, fmt: Any) -> None:
        """The first call fixes the argument structure; a later call may only add or drop
        trailing None arguments (defaults), as MXNet's cached op allows.
        """
        if self.in_format is None:
            self.in_format = fmt
            return
        stored, got = _untyped(self.in_format)[1], _untyped(fmt)[1]
        n = min(len(stored), len(got))
        tail = stored[n:] + got[n:]
        if stored[:n] != got[:n] or any(f != -1 for f in tail):
            raise InputStructureError(
                f"{self.block.name}: the argument structure {_describe(fmt[1])} does not match "
                f"{_describe(self.in_format[1])}, which the hybridized block was first called "
                "with; call hybridize() again to trace for a new structure"
            )

    def _run_onnxruntime(self, args: tuple, leaves: list) -> Any:
        """Inference through an ONNX Runtime session per input signature. The parameters are
        session inputs fed at every call, so in-place updates by a Trainer are always seen.
        """
        key = _signature(leaves)
        entry = self._sessions.get(key)
        if entry is None:
            import onnxruntime as ort

            from hybrid.export import to_onnx  # the core never imports export at module level

            model = to_onnx(
                self.block, example_inputs=list(args), dynamic_batch=False, weights_as_inputs=True
            )
            session = ort.InferenceSession(
                model.SerializeToString(), self.session_options, providers=["CPUExecutionProvider"]
            )
            by_name = {p.name: p for p in self.block.collect_params().values()}
            names = [i.name for i in session.get_inputs()]
            entry = self._sessions[key] = (session, [(n, by_name.get(n)) for n in names])
        session, feeds = entry
        inputs = [a for a in leaves if a is not None]
        data = iter(inputs)
        feed = {n: (next(data) if p is None else p.data())._data for n, p in feeds}
        wrap = inputs[0]._wrap if inputs else NDArray._wrap  # the inputs' array type
        outs = [wrap(o) for o in session.run(None, feed)]
        return outs[0] if len(outs) == 1 else outs


def _session_options(name: str, backend: str | None, opts: dict | None) -> Any:
    """ONNX Runtime's SessionOptions with ``opts`` set (None without the onnxruntime backend)."""
    if backend != "onnxruntime":
        if opts:
            raise HybridError(
                f"hybridize: backend_opts for {name} apply to backend='onnxruntime', got "
                f"backend={backend!r}"
            )
        return None
    import onnxruntime as ort

    options = ort.SessionOptions()
    for key, value in (opts or {}).items():
        if key.startswith("_") or not hasattr(options, key):
            raise HybridError(
                f"hybridize: backend_opts for {name}: onnxruntime.SessionOptions has no "
                f"attribute {key!r}"
            )
        setattr(options, key, value)
    return options


def _op_monitor(callback: Any, monitor_all: bool) -> Any:
    """The executor's per-step monitor for ``Block.register_op_hook``: ``callback(name,
    op_name, array)`` with MXNet's names (``<node>_output``; with ``monitor_all`` first
    ``<node>_<input name>`` per input), names as bytes as MXNet's C callback passes them.
    """

    def monitor(step: Any, ins: list, outs: list) -> None:
        op = step.op.name.encode()
        if monitor_all:
            n = len(ins)
            names = step.op.input_names(n)
            if not step.op.named_inputs:
                names = [f"input{i}" for i in range(n)]
            for name, a in zip(names, ins):
                callback(f"{step.name}_{name}".encode(), op, NDArray._wrap(a))
        for k, a in enumerate(outs):
            suffix = "output" if len(outs) == 1 else f"output{k}"
            callback(f"{step.name}_{suffix}".encode(), op, NDArray._wrap(a))

    return monitor


def _untyped(fmt: Any) -> Any:
    """A format with lists and tuples alike (MXNet's formats do not tell them apart)."""
    return fmt if fmt in (0, -1) else (list, [_untyped(f) for f in fmt[1]])


def _describe(fmts: list) -> str:
    """An argument structure as the call would write it: ``(array, None, [array, array])``."""

    def one(f: Any) -> str:
        if f == 0:
            return "array"
        if f == -1:
            return "None"
        inner = ", ".join(one(g) for g in f[1])
        return f"[{inner}]" if f[0] is list else f"({inner})"

    return "(" + ", ".join(one(f) for f in fmts) + ")"


def _check_contexts(name: str, leaves: list) -> None:
    """A hybridized block runs on one context: its array inputs must share it (MXNet's rule)."""
    ctxs = {a.context for a in leaves if a is not None and hasattr(a, "context")}
    if len(ctxs) > 1:
        raise InputStructureError(
            f"{name}: a hybridized block takes inputs on one context, got "
            f"{sorted(map(str, ctxs))}"
        )


def _signature(args: list) -> tuple:
    """What a trace depends on: each input's shape and dtype, or None for an input left out."""
    return tuple(None if a is None else (a.shape, a._data.dtype) for a in args)


def _leaf_formats(fmt: Any) -> list:
    """0 or -1 per leaf of a ``flatten_inputs`` format, in order."""
    return [fmt] if fmt in (0, -1) else [x for f in fmt[1] for x in _leaf_formats(f)]


def export_block(
    block: Any, path: str, epoch: int = 0, remove_amp_cast: bool = True, format: str = "hybrid"
) -> tuple[str, str]:
    """Write ``path-symbol.json`` (the graph of the last traced call) and ``path-%04d.params``
    (the parameters it reads, keyed ``arg:<name>`` / ``aux:<name>``).

    ``format='hybrid'`` writes hybrid's graph JSON and parameter file, plus ``path.onnx`` (the
    same network in ONNX, with a dynamic batch axis); ``format='mxnet'`` writes MXNet's graph
    JSON and binary parameter file, which MXNet 1.x loads with ``SymbolBlock.imports`` (hybrid
    reads both). Returns the two file names. The block must be hybridized and called once, as in
    MXNet; ``remove_amp_cast`` is accepted for MXNet compatibility (hybrid inserts no casts).
    """
    from .. import mxnet_format, mxnet_graph, serialization

    if format not in ("hybrid", "mxnet"):
        raise HybridError(f"{block.name}: export format {format!r}, expected 'hybrid' or 'mxnet'")
    cached = getattr(block, "_cached_op", None)
    tr = None if cached is None else cached.last_trace
    if tr is None:
        raise HybridError(
            f"{block.name}: export needs a traced graph; call hybridize() and run the block "
            "forward once first"
        )
    graph = tr.graph
    aux = {id(v) for v in graph.aux_inputs()}
    arrays = {}
    for p, v in zip(tr.params, graph.inputs[tr.n_data :]):
        arrays[f"{'aux' if id(v) in aux else 'arg'}:{p.name}"] = p.data()
    sym_file = f"{path}-symbol.json"
    params_file = f"{path}-{epoch:04d}.params"
    directory = os.path.dirname(os.path.abspath(sym_file))
    os.makedirs(directory, exist_ok=True)
    data = graph.inputs[: tr.n_data]
    if format == "mxnet":
        doc = mxnet_graph.graph_to_json(graph, [v.name for v in data])
        serialization.write_atomic(sym_file, json.dumps(doc, indent=2).encode())
        mxnet_format.write(params_file, [a.asnumpy() for a in arrays.values()], list(arrays))
        return sym_file, params_file
    serialization.write_atomic(sym_file, json.dumps(graph.to_json(), indent=1).encode())
    serialization.save(params_file, arrays)
    from hybrid.export import to_onnx  # the core never imports export at module level

    zeros = iter([np.zeros(v.shape, v.dtype) for v in data])
    leaves = [None if f == -1 else next(zeros) for f in _leaf_formats(tr.in_format)]
    example = regroup_inputs(tr.in_format, iter(leaves))
    to_onnx(block, f"{path}.onnx", example_inputs=example)
    return sym_file, params_file
