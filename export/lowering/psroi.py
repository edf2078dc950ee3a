"""Lowerings of PSROIPooling and DeformablePSROIPooling (``hybrid/ops/psroi.py``): ONNX has no
position-sensitive ROI pooling, so export refuses them.
"""

from __future__ import annotations

from hybrid.base import HybridError

from ..builder import Builder, Call
from . import lowering


@lowering("_contrib_PSROIPooling")
def _psroi_pooling(ctx: Builder, n: Call) -> str:
    raise HybridError(
        "_contrib_PSROIPooling: cannot be exported to ONNX, which has no position-sensitive ROI "
        "pooling (each bin reads its own channel group; RoiAlign and MaxRoiPool pool every "
        "channel of every bin). Export the backbone and pool outside the model")


@lowering("_contrib_DeformablePSROIPooling")
def _deformable_psroi_pooling(ctx: Builder, n: Call) -> str:
    raise HybridError(
        "_contrib_DeformablePSROIPooling: cannot be exported to ONNX, which has no "
        "position-sensitive ROI pooling (each bin reads its own channel group at positions "
        "moved by trans). Export the backbone and pool outside the model")
