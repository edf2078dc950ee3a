"""ONNX import rules: one function per ONNX op type, grouped by family in this package's modules.

A rule ``fn(ctx, node) -> list[Value]`` receives the :class:`~hybrid.export.importer.ImportContext`
and the :class:`~hybrid.export.importer.OnnxNode`, appends registry ops through ``ctx.op`` and
returns one value per ONNX output. ``RULES`` is filled by the modules below on import, so the set
of supported op types is exactly the set of rules (nothing to keep in sync by hand).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["RULES", "constant", "rule"]

RULES: dict[str, Callable[..., list]] = {}


def constant(ctx: Any, array: Any) -> Any:
    """A fixed array (computed at import) as a graph value: a non-trainable parameter."""
    name = f"{ctx.node.name or ctx.node.op_type}_const{len(ctx.constants)}"
    ctx.constants[name] = array
    return ctx.value(name)


def rule(*op_types: str) -> Callable[[Callable], Callable]:
    """Register ``fn`` as the import rule of ``op_types``."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        for op_type in op_types:
            RULES[op_type] = fn
        return fn

    return deco


from . import (  # noqa: E402, F401  (register the rules they declare)
    activation,
    attention,
    control_flow,
    elemwise,
    loss,
    nn,
    normalization,
    quantize,
    reduce,
    resize,
    rnn,
    sampling,
    shape,
    stateful,
    tensor,
)
