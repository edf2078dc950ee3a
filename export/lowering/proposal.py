"""Lowerings of Proposal and MultiProposal (``hybrid/ops/proposal.py``): export refuses them."""

from __future__ import annotations

from hybrid.base import HybridError

from ..builder import Builder, Call
from . import lowering


def _refuse(op: str):
    def rule(ctx: Builder, n: Call) -> str:
        raise HybridError(
            f"{op} (node {n.name}): cannot be exported to ONNX: MXNet's proposal layer (scores "
            "of -1 for padded cells and small boxes, greedy suppression with pixel-inclusive "
            "areas, kept boxes repeated to fill rpn_post_nms_top_n rows) has no ONNX "
            "equivalent, whose NonMaxSuppression returns a variable number of indices. Export "
            "the network up to cls_prob and bbox_pred and compute the proposals outside it")

    return rule


for _op in ("_contrib_Proposal", "_contrib_MultiProposal"):
    lowering(_op)(_refuse(_op))
