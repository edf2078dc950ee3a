"""Lowering of CTCLoss (``hybrid/ops/ctc.py``): ONNX has no CTC operator, so export refuses it."""

from __future__ import annotations

from hybrid.base import HybridError

from ..builder import Builder, Call
from . import lowering


@lowering("CTCLoss")
def _ctc_loss(ctx: Builder, n: Call) -> str:
    raise HybridError(
        "CTCLoss: cannot be exported to ONNX, which has no CTC operator (the loss is a dynamic "
        "programme over time steps). Export the network without its loss, i.e. the per-frame "
        "scores, and compute CTC outside the model"
    )
