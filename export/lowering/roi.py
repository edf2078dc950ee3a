"""Lowerings of ROIPooling and ROIAlign (``hybrid/ops/roi.py``).

ROIPooling is ONNX's MaxRoiPool, which takes MXNet's ``[batch, x1, y1, x2, y2]`` rows and rounds
the corners the same way. ROIAlign is RoiAlign (opset 16 for its coordinate mode): the batch
column becomes the separate int64 ``batch_indices`` input, ``aligned`` is ``half_pixel`` (else
``output_half_pixel``), and ``sample_ratio <= 0`` is RoiAlign's adaptive 0.
"""

from __future__ import annotations

import numpy as np

from hybrid.base import HybridError

from ..builder import Builder, Call, onnx_type
from . import lowering


@lowering("ROIPooling")
def _roi_pooling(ctx: Builder, n: Call) -> str:
    a = n.attrs
    return ctx.node("MaxRoiPool", n.inputs, pooled_shape=list(a["pooled_size"]),
                    spatial_scale=a["spatial_scale"])


@lowering("_contrib_ROIAlign", since=16)
def _roi_align(ctx: Builder, n: Call) -> str:
    a, (x, rois) = n.attrs, n.inputs
    if a["position_sensitive"]:
        raise HybridError(
            "_contrib_ROIAlign: position_sensitive=True has no ONNX form (RoiAlign pools every "
            "channel of every bin; picking one channel group per bin is not an ONNX operator)")
    batch = ctx.node("Gather", [rois, ctx.ints([0])], axis=1)
    batch = ctx.node("Cast", [ctx.node("Squeeze", [batch, ctx.ints([1])])],
                     to=onnx_type(np.int64))
    boxes = ctx.node("Slice", [rois, ctx.ints([1]), ctx.ints([5]), ctx.ints([1])])
    mode = "half_pixel" if a["aligned"] else "output_half_pixel"
    ph, pw = a["pooled_size"]
    return ctx.node("RoiAlign", [x, boxes, batch], coordinate_transformation_mode=mode,
                    mode="avg", output_height=ph, output_width=pw,
                    sampling_ratio=max(a["sample_ratio"], 0), spatial_scale=a["spatial_scale"])
