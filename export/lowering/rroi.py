"""Lowering of RROIAlign (``hybrid/ops/rroi.py``): ONNX's RoiAlign has no rotation, so export
refuses it.
"""

from __future__ import annotations

from hybrid.base import HybridError

from ..builder import Builder, Call
from . import lowering


@lowering("_contrib_RROIAlign")
def _rroi_align(ctx: Builder, n: Call) -> str:
    raise HybridError(
        "_contrib_RROIAlign: cannot be exported to ONNX, whose RoiAlign pools axis-aligned "
        "boxes only (no rotation angle). Export the backbone and pool the rotated ROIs outside "
        "the model")
