"""Runs a :class:`~hybrid.graph.ir.Graph`: a flat list of prepared op calls over numbered slots.

Preparation happens once: each node becomes a :class:`_Step` holding the op's forward function,
its parsed attributes and the slot numbers of its inputs and outputs, so a run is a loop of plain
calls with no dict lookups or attribute parsing. While ``autograd.record()`` is on and an input
needs a gradient, :meth:`Executor.__call__` appends ONE tape entry for the whole run; its VJP
walks the steps backward calling each op's VJP (see :class:`GraphOp`).

With a memory plan (a hybridized block's recorded runs always have one) each step of a recorded
run also gets an arena of buffers kept across runs (see Note [Planned buffers] in
``hybrid/ops/_buffers.py``). A run leases one set of arenas and gives it back when its saved
contexts are freed (after backward), so a second forward before the first backward gets a set of
its own. The first lease also has the C library keep freed memory for reuse (Note [Keeping freed
memory] in ``hybrid/ops/_buffers.py``). Arrays handed back to the caller (outputs, input
gradients) are copied when they live in an arena.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import autograd
from ..base import HybridError
from ..ops import registry
from ..ops._buffers import Arena, Scratch, keep_freed_memory
from ..ops.registry import Ctx, array_type
from .ir import Graph

__all__ = ["Executor", "GraphOp"]


class _Step:
    __slots__ = ("op", "forward", "vjp", "ins", "outs", "ins_v", "outs_v", "attrs", "n_vis",
                 "aux", "release", "name")


class _Lease:
    """One set of arenas taken from ``pool``; returned to it when the lease is freed."""

    __slots__ = ("pool", "arenas")

    def __init__(self, pool: list, arenas: list[Arena]):
        self.pool, self.arenas = pool, arenas

    def __del__(self) -> None:
        self.pool.append(self.arenas)


class _Run:
    """What backward needs from a recorded run: each step's context (None where none) and the
    lease on the arenas those contexts point into.
    """

    __slots__ = ("ctxs", "lease")

    def __init__(self, ctxs: list, lease: _Lease | None):
        self.ctxs, self.lease = ctxs, lease


class Executor:
    """A graph prepared for repeated runs on numpy arrays.

    ``graph.meta['memory_plan']`` (from :func:`hybrid.graph.passes.memory_plan`), when present,
    maps values to shared slots and lists the slots to release after each step; otherwise every
    value has its own slot and lives to the end of the run.
    """

    def __init__(self, graph: Graph):
        self.graph = graph
        vid: dict[int, int] = {}
        for v in [*graph.inputs, *graph.constants]:
            vid[id(v)] = len(vid)
        for node in graph.nodes:
            for v in node.outputs:
                vid[id(v)] = len(vid)
        self.n_values = len(vid)
        plan = graph.meta.get("memory_plan")
        slot = vid if plan is None else plan["slot"]
        self.n_slots = self.n_values if plan is None else plan["n_slots"]
        self.in_slots = [slot[id(v)] for v in graph.inputs]
        self.in_vids = [vid[id(v)] for v in graph.inputs]
        self.consts = [(slot[id(v)], a) for v, a in graph.constants.items()]
        self.out_slots = [slot[id(v)] for v in graph.outputs]
        self.out_vids = [vid[id(v)] for v in graph.outputs]
        self.out_types = [(v.shape, v.dtype) for v in graph.outputs]
        releases = [()] * len(graph.nodes) if plan is None else plan["release"]
        self.steps = []
        for node, release in zip(graph.nodes, releases):
            s = _Step()
            s.op, s.name, s.attrs = node.op, node.name, node.attrs
            s.forward = node.op.forward
            s.vjp = node.op.vjp if node.op.differentiable else None
            s.ins = [slot[id(v)] for v in node.inputs]
            s.outs = [slot[id(v)] for v in node.outputs]
            s.ins_v = [vid[id(v)] for v in node.inputs]
            s.outs_v = [vid[id(v)] for v in node.outputs]
            s.n_vis = len(node.outputs)
            s.aux = node.op.aux_writeback
            s.release = tuple(release)
            self.steps.append(s)
        self._needs_cache: dict[tuple, list] = {}
        # Block.register_op_hook: called after each step with (step, input arrays, outputs).
        self.monitor: Any = None
        self.source_graph = graph  # the graph before optimisation, when its owner sets it
        self.inline = True  # autograd.get_symbol replays the nodes; see graph/tape_symbol.py
        self.planned = plan is not None
        self._pool: list[list[Arena]] = []  # free arena sets
        self._owned: set[int] = set()  # ids of every arena buffer, see _detach

    def _lease(self) -> _Lease:
        if self._pool:
            return _Lease(self._pool, self._pool.pop())
        keep_freed_memory()  # see Note [Keeping freed memory]
        # One scratch per set: runs in different threads never share a buffer.
        scratch = Scratch(self._owned)
        return _Lease(self._pool, [Arena(scratch) for _ in self.steps])

    def _detach(self, a: Any) -> Any:
        """``a``, or a copy of it when it is (a view of) an arena buffer."""
        if not self._owned or a is None:
            return a
        root = a
        while getattr(root, "base", None) is not None:
            root = root.base
        return a.copy() if id(root) in self._owned else a

    # -- forward -------------------------------------------------------------------------------
    def run(self, arrays: list[np.ndarray], needs: tuple | None = None) -> tuple[list, _Run | None]:
        """Outputs for input ``arrays``; with ``needs`` (which inputs need gradients) it also
        returns what :meth:`backward` needs (None without ``needs``).
        """
        env: list[Any] = [None] * self.n_slots
        for s, a in zip(self.in_slots, arrays):
            env[s] = a
        for s, a in self.consts:
            env[s] = a
        step_needs = None if needs is None else self._step_needs(needs)
        # NOTE: only recorded runs use arenas. An inference run's temporaries die step by step
        # (the memory plan); kept in arenas they would add up over the whole network.
        lease = self._lease() if self.planned and needs is not None else None
        arenas = None if lease is None else lease.arenas
        ctxs: list[Any] = []
        observer = registry.observer  # hybrid.profiler, while it runs: times every step
        for i, step in enumerate(self.steps):
            ctx = Ctx()
            if arenas is not None:
                ctx.arena = arenas[i]
                ctx.arena.scratch.release(0)  # the previous step's scratch is dead
            if step_needs is not None:
                ctx.needs_grad = step_needs[i]
            forward = step.forward if observer is None else observer.step(step.op, step.name)
            res = forward(ctx, *[env[s] for s in step.ins], **step.attrs)
            if type(res) is not tuple:
                env[step.outs[0]] = res
            else:
                if step.aux:
                    n = len(res) - len(step.aux)
                    for k, value in zip(step.aux, res[n:]):
                        if value is not None:
                            env[step.ins[k]][...] = value
                for s, r in zip(step.outs, res):
                    env[s] = r
            if self.monitor is not None:
                self.monitor(step, [env[s] for s in step.ins], [env[s] for s in step.outs])
            if step_needs is None:
                for s in step.release:
                    env[s] = None
            elif True in step_needs[i] and step.vjp is not None:
                ctx._out_types = [(env[s].shape, env[s].dtype) for s in step.outs]
                ctxs.append(ctx)
            else:
                ctxs.append(None)
        outs = [self._detach(env[s]) for s in self.out_slots]
        return outs, None if needs is None else _Run(ctxs, lease)

    def _step_needs(self, needs: tuple) -> list:
        """Per step, which inputs need gradients, given which graph inputs do (cached per mask)."""
        cached = self._needs_cache.get(needs)
        if cached is not None:
            return cached
        flags = [False] * self.n_values
        for v, n in zip(self.in_vids, needs):
            flags[v] = n
        result = []
        for step in self.steps:
            mask = tuple(flags[v] for v in step.ins_v)
            result.append(mask)
            if step.vjp is not None and True in mask:
                for v in step.outs_v:
                    flags[v] = True
        self._needs_cache[needs] = result
        return result

    # -- backward ------------------------------------------------------------------------------
    def backward(self, run: _Run, out_grads: tuple) -> list:
        """Gradients for the graph inputs from gradients of the outputs (None where none)."""
        grads: list[Any] = [None] * self.n_values
        for v, g in zip(self.out_vids, out_grads):
            grads[v] = g if grads[v] is None else grads[v] + g
        observer = registry.observer  # hybrid.profiler, while it runs: times every step
        # Without retain_graph each step's saved arrays go as soon as its VJP has run, so the
        # backward's peak memory is not the forward's saved set plus every gradient.
        free = not autograd._state.retain_graph
        ctxs = run.ctxs
        for i in range(len(ctxs) - 1, -1, -1):
            step, ctx = self.steps[i], ctxs[i]
            if ctx is None:
                continue
            if free:
                ctxs[i] = None
            if run.lease is not None:
                run.lease.arenas[i].scratch.release(0)
            gys = [grads[v] for v in step.outs_v]
            if all(g is None for g in gys):
                continue
            gys = [
                np.zeros(shape, dtype) if g is None else g
                for g, (shape, dtype) in zip(gys, ctx._out_types)
            ]
            vjp = step.vjp if observer is None else observer.step_vjp(step.op, step.name)
            in_grads = vjp(ctx, *gys, **step.attrs)
            for v, g, need in zip(step.ins_v, in_grads, ctx.needs_grad):
                if g is not None and need:
                    grads[v] = g if grads[v] is None else grads[v] + g
            for v in step.outs_v:
                grads[v] = None
        return [self._detach(grads[v]) for v in self.in_vids]

    # -- on NDArrays ---------------------------------------------------------------------------
    def __call__(self, inputs: list) -> list:
        """Run on NDArrays; while recording, the run becomes one tape entry over ``inputs``."""
        datas = [a._data for a in inputs]
        needs = None
        if autograd._state.recording:
            needs = tuple(a._entry is not None or a._grad is not None for a in inputs)
            if True not in needs:
                needs = None
        outs, run = self.run(datas, needs)
        # Results take the first input's array type (NDArray or np.ndarray), as eager ops do.
        wrap = inputs[0]._wrap if inputs else array_type._wrap
        results = [wrap(o) for o in outs]
        if needs is not None:
            entry_ctx = Ctx()
            entry_ctx.executor, entry_ctx.run = self, run
            entry = autograd.TapeEntry(
                GraphOp, entry_ctx, {}, tuple(inputs), tuple((o.shape, o.dtype) for o in outs)
            )
            for i, r in enumerate(results):
                r._entry, r._out_index = entry, i
        return results


class GraphOp:
    """Stands in the tape for one graph run: its VJP runs the graph's steps backward."""

    name = "CachedOp"

    def vjp(ctx: Any, *out_grads: np.ndarray) -> tuple:
        if ctx.run is None:
            raise HybridError("CachedOp: backward through a freed graph run")
        return tuple(ctx.executor.backward(ctx.run, out_grads))
