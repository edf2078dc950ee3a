"""Lowerings from registry ops to ONNX, one module per op family (mirroring ``hybrid/ops``).

A lowering is registered under the op's name with ``@lowering(name, since=opset)``; when the ONNX
form depends on the opset, there is one rule per first opset that needs it and the exporter takes
the newest rule not above the target opset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hybrid.base import HybridError

from ..builder import Builder, Call

__all__ = ["lowering", "lower", "lower_nodes", "LOWERINGS", "has_lowering"]

Rule = Callable[[Builder, Call], Any]
LOWERINGS: dict[str, list[tuple[int, Rule]]] = {}


def lowering(*names: str, since: int = 1) -> Callable[[Rule], Rule]:
    """Register ``fn`` as the lowering of the named ops from opset ``since`` on."""

    def add(fn: Rule) -> Rule:
        for name in names:
            rules = LOWERINGS.setdefault(name, [])
            if any(s == since for s, _ in rules):
                raise HybridError(f"two lowerings of {name} for opset {since}")
            rules.append((since, fn))
            rules.sort(key=lambda r: r[0])
        return fn

    return add


def has_lowering(name: str) -> bool:
    return name in LOWERINGS


def lower(ctx: Builder, op_name: str, call: Call) -> list[str]:
    """Emit ``call`` of ``op_name``; returns the ONNX names of its outputs."""
    rules = LOWERINGS.get(op_name)
    if not rules:
        raise HybridError(f"{op_name}: no ONNX lowering for this op")
    usable = [fn for since, fn in rules if since <= ctx.opset]
    if not usable:
        first = rules[0][0]
        raise HybridError(f"{op_name}: ONNX lowering needs opset >= {first}, target is {ctx.opset}")
    ctx.scope(call.name)
    out = usable[-1](ctx, call)
    return [out] if isinstance(out, str) else list(out)


def lower_nodes(ctx: Builder, graph: Any, onnx_name: dict[int, str],
                types: dict[int, tuple] | None = None) -> None:
    """Emit every node of ``graph``; ``onnx_name`` maps id(value) to its ONNX name, given for
    the graph's inputs and filled for node outputs. ``types`` (id(value) -> (shape, dtype))
    overrides the types stored on values, for subgraphs typed per call.
    """
    def typed(v: Any) -> tuple:
        return types.get(id(v), (v.shape, v.dtype)) if types else (v.shape, v.dtype)

    for node in graph.nodes:
        ins, outs = [typed(v) for v in node.inputs], [typed(v) for v in node.outputs]
        call = Call(node.name, [onnx_name[id(v)] for v in node.inputs], node.attrs,
                    [t[0] for t in ins], [t[1] for t in ins],
                    [t[0] for t in outs], [t[1] for t in outs])
        for v, name in zip(node.outputs, lower(ctx, node.op.name, call)):
            onnx_name[id(v)] = name


def _load_families() -> None:
    from . import (  # noqa: F401  (registration)
        activation,
        backward,
        box_coding,
        broadcast,
        cast,
        control_flow,
        conv,
        creation,
        ctc,
        custom,
        deconv,
        deformable,
        detection,
        elemwise,
        expand,
        fft,
        fused,
        hawkes,
        image,
        indexing,
        join,
        linalg,
        linalg_batch,
        linalg_decomp,
        linalg_diag,
        loss_heads,
        math,
        multibox,
        nn,
        norm,
        np_einsum,
        np_elemwise,
        np_fallback,
        np_linalg,
        np_reduce,
        np_rounding,
        np_shape,
        npx,
        optimizer_ops,
        patches,
        pooling,
        proposal,
        psroi,
        query,
        random,
        random_pdf,
        reduce,
        reorder,
        resize,
        rnn,
        roi,
        rroi,
        scatter,
        sequence,
        shape,
        slice_assign,
        softmax,
        sort,
        spatial,
        stats,
        ste,
        sync_norm,
        transformer,
        trig,
        vision,
    )


_load_families()
