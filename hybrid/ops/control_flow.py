"""Ops holding subgraphs: the control-flow ops ``_foreach``, ``_while_loop`` and ``_cond``, and
``_CachedOp``, a hybridized block's whole graph as one node.

``sym.contrib.foreach``/``while_loop``/``cond`` (and ``F.contrib`` in a hybridized block) build
these nodes; ``nd.contrib``'s versions loop in Python instead, as MXNet's do. The attributes are
MXNet 1.9.1's, so the nodes of MXNet's ``-symbol.json`` load as they are; ``subgraphs`` holds the
body graphs (MXNet's ``subgraphs`` field of the node).

Note [Subgraph locations]
A node's inputs are the union of what its subgraphs read. ``*_locs`` attributes map between
them: ``_foreach``'s node inputs are the data arrays, then the initial states, then the
remaining (loop-invariant) inputs, and ``in_data_locs``, ``in_state_locs`` and ``remain_locs``
give each one's position among the body's inputs. ``_while_loop``'s ``cond_input_locs`` and
``func_input_locs`` give, per subgraph input, its node input; ``func_var_locs[j]`` is the
position of loop variable ``j`` among ``func``'s inputs. ``_cond``'s ``*_input_locs`` are like
``cond_input_locs``.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from . import _subgraph
from .attrs import REQUIRED, Attr
from .registry import Op, register


def _locs(name: str) -> Attr:
    return Attr(name, "shape", REQUIRED)


def _add(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    return a if b is None else a + b


def _needs(ctx, count: int, slots) -> tuple | None:
    """Per subgraph input (at node input ``slots[k]``, None for a carried state), whether it
    needs a gradient; None when the call records nothing.
    """
    needs = ctx.needs_grad
    if True not in needs:
        return None
    return tuple(True if s is None else needs[s] for s in slots[:count])


@register
class Foreach(Op):
    """``outs, states = foreach(body, data, init_states)``: ``body`` runs on each slice
    ``data[i]`` along axis 0 with the states it returned last; the per-step outputs are stacked
    along a new axis 0. Inputs: data arrays ``(T, ...)``, initial states, loop-invariant inputs
    (see Note [Subgraph locations]); outputs: ``num_out_data`` stacked outputs ``(T, ...)``, then
    the final states.
    """

    name = "_foreach"
    inputs = ("*data",)
    attrs = (
        Attr("subgraphs", "any", REQUIRED, check=_subgraph.check_subgraphs(1)),
        Attr("num_outputs", "int", REQUIRED),
        Attr("num_out_data", "int", REQUIRED),
        _locs("in_state_locs"),
        _locs("in_data_locs"),
        _locs("remain_locs"),
    )
    named_inputs = False

    def num_outputs(attrs):
        return attrs["num_outputs"]

    def infer(in_shapes, in_dtypes, subgraphs, num_outputs, num_out_data, in_state_locs,
              in_data_locs, remain_locs):
        order = in_data_locs + in_state_locs + remain_locs
        n_data = len(in_data_locs)
        if len(in_shapes) != len(order):
            raise ShapeError(f"_foreach: {len(in_shapes)} inputs, the body takes {len(order)}")
        steps = {s[0] for s in in_shapes[:n_data] if s is not None and s[0] != 0}
        if len(steps) > 1:
            raise ShapeError(f"_foreach: data arrays differ in length along axis 0: "
                             f"{[s for s in in_shapes[:n_data]]}")
        sub_shapes, sub_dtypes = [None] * len(order), [None] * len(order)
        for j, (shape, dtype) in enumerate(zip(in_shapes, in_dtypes)):
            if j < n_data and shape is not None:
                shape = tuple(shape[1:])
            sub_shapes[order[j]], sub_dtypes[order[j]] = shape, dtype
        done, outs, dtypes = _subgraph.infer(subgraphs[0], sub_shapes, sub_dtypes)
        for k, loc in enumerate(in_state_locs):
            given, got = sub_shapes[loc], outs[num_out_data + k]
            if given is not None and got is not None and 0 not in given + got and given != got:
                raise ShapeError(f"_foreach: state {k} has shape {given}, the body returns it "
                                 f"with shape {got}")
        step = steps.pop() if steps else 0
        completed = [done[loc] for loc in order]
        for j in range(n_data):
            if completed[j] is not None:
                completed[j] = (step, *completed[j])
        out_shapes = [None if s is None else (step, *s) for s in outs[:num_out_data]]
        return completed, out_shapes + outs[num_out_data:], dtypes

    def forward(ctx, *arrays, subgraphs, num_outputs, num_out_data, in_state_locs, in_data_locs,
                remain_locs):
        body, n_data, n_states = subgraphs[0], len(in_data_locs), len(in_state_locs)
        order = in_data_locs + in_state_locs + remain_locs
        slots = [None] * len(order)
        for j, loc in enumerate(order):
            slots[loc] = None if n_data <= j < n_data + n_states else j
        needs = _needs(ctx, len(order), slots)
        sub = [None] * len(order)
        for j, loc in enumerate(order):
            sub[loc] = arrays[j]
        states = list(arrays[n_data:n_data + n_states])
        steps, runs = arrays[0].shape[0], []
        outs: list[list] = [[] for _ in range(num_out_data)]
        for i in range(steps):
            for k, loc in enumerate(in_data_locs):
                sub[loc] = arrays[k][i]
            for k, loc in enumerate(in_state_locs):
                sub[loc] = states[k]
            res, saved = _subgraph.run(body, sub, needs)
            for k in range(num_out_data):
                outs[k].append(res[k])
            states = res[num_out_data:]
            runs.append(saved)
        if needs is not None:
            ctx.runs, ctx.data = runs, [(a.shape, a.dtype) for a in arrays[:n_data]]
        result = [np.stack(o) for o in outs] + list(states)
        return result[0] if len(result) == 1 else tuple(result)

    def vjp(ctx, *out_grads, subgraphs, num_outputs, num_out_data, in_state_locs, in_data_locs,
            remain_locs):
        need = ctx.needs_grad
        g_data = [np.zeros(s, d) if need[k] else None for k, (s, d) in enumerate(ctx.data)]
        g_states = list(out_grads[num_out_data:])
        g_remain = [None] * len(remain_locs)
        for i in reversed(range(len(ctx.runs))):
            step_grads = [g[i] for g in out_grads[:num_out_data]] + g_states
            sub = _subgraph.backward(subgraphs[0], ctx.runs[i], step_grads)
            for k, loc in enumerate(in_data_locs):
                if g_data[k] is not None and sub[loc] is not None:
                    g_data[k][i] += sub[loc]
            g_states = [sub[loc] for loc in in_state_locs]
            g_remain = [_add(g, sub[loc]) for g, loc in zip(g_remain, remain_locs)]
        grads = g_data + g_states + g_remain
        return tuple(g if need[j] else None for j, g in enumerate(grads[:len(need)]))

    def samples(rng):
        from ._flow_samples import foreach_samples

        return foreach_samples(rng)


@register
class WhileLoop(Op):
    """``outs, vars = while_loop(cond, func, loop_vars, max_iterations)``: while ``cond(*vars)``
    holds and fewer than ``max_iterations`` steps ran, ``outs_i, vars = func(*vars)``. Outputs:
    ``num_out_data`` step outputs stacked along axis 0 and padded to ``(max_iterations, ...)``
    (MXNet leaves the padding undefined; here it is zeros), then the final loop variables. See
    Note [Subgraph locations].
    """

    name = "_while_loop"
    inputs = ("*data",)
    attrs = (
        Attr("subgraphs", "any", REQUIRED, check=_subgraph.check_subgraphs(2)),
        Attr("num_outputs", "int", REQUIRED),
        Attr("num_out_data", "int", REQUIRED),
        Attr("max_iterations", "int", REQUIRED, check=(lambda v: v >= 1, "at least 1")),
        _locs("cond_input_locs"),
        _locs("func_input_locs"),
        _locs("func_var_locs"),
    )
    named_inputs = False

    def num_outputs(attrs):
        return attrs["num_outputs"]

    def infer(in_shapes, in_dtypes, subgraphs, num_outputs, num_out_data, max_iterations,
              cond_input_locs, func_input_locs, func_var_locs):
        sub_shapes = [in_shapes[s] for s in func_input_locs]
        done, outs, dtypes = _subgraph.infer(
            subgraphs[1], sub_shapes, [in_dtypes[s] for s in func_input_locs])
        completed = list(in_shapes)
        for loc, shape in zip(func_input_locs, done):
            completed[loc] = shape if completed[loc] is None else completed[loc]
        out_shapes = [None if s is None else (max_iterations, *s) for s in outs[:num_out_data]]
        for j, loc in enumerate(func_var_locs):
            given, got = sub_shapes[loc], outs[num_out_data + j]
            if given is not None and got is not None and 0 not in given + got and given != got:
                raise ShapeError(f"_while_loop: loop variable {j} has shape {given}, func "
                                 f"returns it with shape {got}")
            out_shapes.append(given if given is not None else got)
        return completed, out_shapes, dtypes

    def forward(ctx, *arrays, subgraphs, num_outputs, num_out_data, max_iterations,
                cond_input_locs, func_input_locs, func_var_locs):
        cond, func = subgraphs
        var_slots = [func_input_locs[loc] for loc in func_var_locs]
        slots = [None if k in func_var_locs else s for k, s in enumerate(func_input_locs)]
        needs = _needs(ctx, len(func_input_locs), slots)
        ins, runs, outs = list(arrays), [], []
        while len(runs) < max_iterations:
            (go,), _ = _subgraph.run(cond, [ins[s] for s in cond_input_locs], None)
            if not _subgraph.as_bool("_while_loop", go):
                break
            res, saved = _subgraph.run(func, [ins[s] for s in func_input_locs], needs)
            outs.append(res[:num_out_data])
            runs.append(saved)
            for slot, value in zip(var_slots, res[num_out_data:]):
                ins[slot] = value
        if outs:
            types = [(o.shape, o.dtype) for o in outs[0]]
        else:  # no step ran: the step outputs' types come from func's shape rule
            _, shapes, dtypes = _subgraph.infer(
                func, [ins[s].shape for s in func_input_locs],
                [ins[s].dtype for s in func_input_locs])
            types = list(zip(shapes, dtypes))[:num_out_data]
        stacked = []
        for k, (shape, dtype) in enumerate(types):
            full = np.zeros((max_iterations, *shape), dtype)
            if outs:
                full[:len(outs)] = np.stack([o[k] for o in outs])
            stacked.append(full)
        if needs is not None:
            ctx.runs = runs
        result = stacked + [ins[s] for s in var_slots]
        return result[0] if len(result) == 1 else tuple(result)

    def vjp(ctx, *out_grads, subgraphs, num_outputs, num_out_data, max_iterations,
            cond_input_locs, func_input_locs, func_var_locs):
        var_of = {loc: j for j, loc in enumerate(func_var_locs)}
        grads = [None] * len(ctx.needs_grad)
        g_vars = list(out_grads[num_out_data:])
        for i in reversed(range(len(ctx.runs))):
            step_grads = [g[i] for g in out_grads[:num_out_data]] + g_vars
            sub = _subgraph.backward(subgraphs[1], ctx.runs[i], step_grads)
            g_vars = [None] * len(func_var_locs)
            for k, g in enumerate(sub):
                if k in var_of:
                    g_vars[var_of[k]] = g
                else:
                    grads[func_input_locs[k]] = _add(grads[func_input_locs[k]], g)
        for loc, g in zip(func_var_locs, g_vars):
            grads[func_input_locs[loc]] = _add(grads[func_input_locs[loc]], g)
        return tuple(g if n else None for g, n in zip(grads, ctx.needs_grad))

    def samples(rng):
        from ._flow_samples import while_loop_samples

        return while_loop_samples(rng)


@register
class Cond(Op):
    """``outs = cond(pred, then_func, else_func)``: the ``then`` subgraph's outputs when the
    single-element ``pred`` subgraph output is nonzero, else the ``else`` subgraph's. Only the
    chosen branch runs and gets gradients. See Note [Subgraph locations].
    """

    name = "_cond"
    inputs = ("*data",)
    attrs = (
        Attr("subgraphs", "any", REQUIRED, check=_subgraph.check_subgraphs(3)),
        Attr("num_outputs", "int", REQUIRED),
        _locs("cond_input_locs"),
        _locs("then_input_locs"),
        _locs("else_input_locs"),
    )
    named_inputs = False

    def num_outputs(attrs):
        return attrs["num_outputs"]

    def infer(in_shapes, in_dtypes, subgraphs, num_outputs, cond_input_locs, then_input_locs,
              else_input_locs):
        completed, results = list(in_shapes), []
        for graph, locs in zip(subgraphs[1:], (then_input_locs, else_input_locs)):
            done, outs, dtypes = _subgraph.infer(
                graph, [in_shapes[s] for s in locs], [in_dtypes[s] for s in locs])
            for loc, shape in zip(locs, done):
                completed[loc] = shape if completed[loc] is None else completed[loc]
            results.append((outs, dtypes))
        (then_shapes, then_dtypes), (else_shapes, _) = results
        for k, (a, b) in enumerate(zip(then_shapes, else_shapes)):
            if a is not None and b is not None and 0 not in a + b and a != b:
                raise ShapeError(f"_cond: output {k} has shape {a} in the then-branch and {b} "
                                 "in the else-branch")
        shapes = [a if a is not None else b for a, b in zip(then_shapes, else_shapes)]
        return completed, shapes, then_dtypes

    def forward(ctx, *arrays, subgraphs, num_outputs, cond_input_locs, then_input_locs,
                else_input_locs):
        (go,), _ = _subgraph.run(subgraphs[0], [arrays[s] for s in cond_input_locs], None)
        taken = 1 if _subgraph.as_bool("_cond", go) else 2
        locs = then_input_locs if taken == 1 else else_input_locs
        needs = _needs(ctx, len(locs), locs)
        res, saved = _subgraph.run(subgraphs[taken], [arrays[s] for s in locs], needs)
        if needs is not None:
            ctx.taken, ctx.saved, ctx.locs = taken, saved, locs
        return res[0] if len(res) == 1 else tuple(res)

    def vjp(ctx, *out_grads, subgraphs, num_outputs, cond_input_locs, then_input_locs,
            else_input_locs):
        grads = [None] * len(ctx.needs_grad)
        sub = _subgraph.backward(subgraphs[ctx.taken], ctx.saved, list(out_grads))
        for loc, g in zip(ctx.locs, sub):
            grads[loc] = _add(grads[loc], g)
        return tuple(g if n else None for g, n in zip(grads, ctx.needs_grad))

    def samples(rng):
        from ._flow_samples import cond_samples

        return cond_samples(rng)


@register
class CachedOpNode(Op):
    """A hybridized block's graph as one node, as ``autograd.get_symbol`` shows a block that
    MXNet does not inline (more ops than ``hybridize(inline_limit=...)``, or ``static_alloc``).
    Inputs: the graph's inputs in order (data, then parameters); outputs: the graph's outputs.
    """

    name = "_CachedOp"
    inputs = ("*data",)
    attrs = (Attr("subgraphs", "any", REQUIRED, check=_subgraph.check_subgraphs(1)),)
    named_inputs = False

    def num_outputs(attrs):
        return len(attrs["subgraphs"][0].outputs)

    def infer(in_shapes, in_dtypes, subgraphs):
        return _subgraph.infer(subgraphs[0], list(in_shapes), list(in_dtypes))

    def forward(ctx, *arrays, subgraphs):
        needs = ctx.needs_grad if True in ctx.needs_grad else None
        res, saved = _subgraph.run(subgraphs[0], list(arrays), needs)
        if needs is not None:
            ctx.saved = saved
        return res[0] if len(res) == 1 else tuple(res)

    def vjp(ctx, *out_grads, subgraphs):
        grads = _subgraph.backward(subgraphs[0], ctx.saved, list(out_grads))
        return tuple(g if n else None for g, n in zip(grads, ctx.needs_grad))

    def samples(rng):
        from ._flow_samples import cached_op_samples

        return cached_op_samples(rng)
