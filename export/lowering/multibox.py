"""Lowerings of MultiBoxPrior and MultiBoxDetection (``hybrid/ops/multibox.py``).

MultiBoxPrior reads only the feature map's height and width, fixed in the traced graph, so its
anchors become a constant.
"""

from __future__ import annotations

from hybrid.base import HybridError
from hybrid.ops.multibox import _floats, prior_boxes

from ..builder import Builder, Call
from . import lowering


@lowering("_contrib_MultiBoxPrior")
def _multibox_prior(ctx: Builder, n: Call) -> str:
    a, (h, w) = n.attrs, n.in_shapes[0][2:4]
    lists = [_floats(n.name, k, a[k]) for k in ("sizes", "ratios", "steps", "offsets")]
    return ctx.const(prior_boxes(h, w, *lists, a["clip"])[None].astype(n.out_dtypes[0]))


@lowering("_contrib_MultiBoxDetection")
def _multibox_detection(ctx: Builder, n: Call) -> str:
    raise HybridError(
        "_contrib_MultiBoxDetection: not lowered to ONNX. Its output (detections compacted in "
        "anchor order, the top nms_topk sorted by score, suppressed rows marked by class -1) is "
        "not ONNX NonMaxSuppression's list of selected indices; export the network up to the "
        "class probabilities and box offsets, and decode and suppress after ONNX Runtime"
    )


@lowering("_contrib_MultiBoxTarget")
def _multibox_target(ctx: Builder, n: Call) -> str:
    raise HybridError(
        "_contrib_MultiBoxTarget: not lowered to ONNX; it computes SSD training targets with "
        "greedy, data-dependent matching and hard negative mining, which an inference model "
        "does not contain (export the network's predictions instead)"
    )
