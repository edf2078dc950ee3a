"""Lowerings of the control-flow ops (``hybrid/ops/control_flow.py``)."""

from __future__ import annotations

from hybrid.base import HybridError

from ..builder import Builder, Call
from . import lowering


@lowering("_foreach", "_while_loop", "_cond")
def _control_flow(ctx: Builder, n: Call) -> list[str]:
    raise HybridError(f"{n.name}: control-flow nodes have no ONNX lowering yet")
