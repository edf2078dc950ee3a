"""Lowerings of the optimizer update ops (``hybrid/ops/optimizer_ops.py`` and
``optimizer_mp.py``): training-only weight updates with in-place state, which ONNX cannot express.
"""

from __future__ import annotations

from hybrid.base import HybridError
from hybrid.ops.optimizer_ops import Update
from hybrid.ops.registry import all_ops

from ..builder import Builder, Call
from . import lowering


def _training_only(ctx: Builder, n: Call) -> str:
    raise HybridError(
        f"{n.name}: cannot be exported to ONNX: optimizer updates are training-only (they "
        "update weights and optimizer state in place) and have no ONNX form"
    )


for _op in all_ops():
    if issubclass(_op, Update):
        lowering(_op.name)(_training_only)
