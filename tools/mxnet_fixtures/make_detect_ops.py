"""Record real MXNet 1.9.1 outputs and gradients of the detection contrib ops (position-sensitive
and deformable ROI pooling, deformable convolutions, region proposals, rotated ROIAlign) into
tests/fixtures/mxnet/ops/<op>.npz, in make_ops.py's case format, so tests/ops/test_mxnet_vision.py
replays them on hybrid.

Run with an interpreter that has mxnet==1.9.1:
``/path/to/mxnet-venv/bin/python tools/mxnet_fixtures/make_detect_ops.py [OP ...]``.
"""

from __future__ import annotations

import sys

import numpy as np
from make_ops import f32, save


def psroi_cases(rng) -> dict:
    x = f32(rng, 2, 2 * 9, 6, 7)
    # Corners on and off halves (rounded away from zero), one ROI past the map, one a point.
    rois = np.array([[0, 0, 0, 12, 10], [1, 2.5, 4.1, 9.7, 11.5], [1, 6, 6, 6, 6],
                     [0, -3, 1, 20, 30], [1, 3.5, 0.5, 7.5, 5.5]], np.float32)
    trans = f32(rng, 5, 4, 3, 3)
    base = {"spatial_scale": 0.5, "output_dim": 2, "group_size": 3, "pooled_size": 3}
    return {
        "_contrib_DeformablePSROIPooling": [
            ([x, rois], {**base, "no_trans": True, "sample_per_part": 2}, (0,)),
            ([x, rois, trans], {**base, "sample_per_part": 2, "trans_std": 0.1}, (0, 2)),
            ([x[:, :8], rois, trans[:, :2, :2, :2]],
             {**base, "group_size": 2, "part_size": 2, "trans_std": 0.2}, (0, 2)),
            ([x, rois, trans], {**base, "sample_per_part": 3, "trans_std": 0.5,
                                "spatial_scale": 1.0}, (0, 2)),
        ],
        "_contrib_PSROIPooling": [
            ([x, rois], {"spatial_scale": 0.5, "output_dim": 2, "pooled_size": 3}, (0,)),
            ([x[:, :8], rois], {"spatial_scale": 0.25, "output_dim": 2, "pooled_size": 3,
                                "group_size": 2}, (0,)),
            ([x, rois], {"spatial_scale": 1.0, "output_dim": 2, "pooled_size": 3}, (0,)),
        ],
    }


def deformable_cases(rng) -> dict:
    x = f32(rng, 2, 4, 5, 6)
    # Offsets off integer pixels (the sampler's kinks), some samples outside the image.
    off = (np.round(rng.uniform(-1.9, 1.9, (2, 18, 5, 6)) * 4) / 4 + 0.13).astype(np.float32)
    off2 = (np.round(rng.uniform(-1.9, 1.9, (2, 24, 2, 2)) * 4) / 4 + 0.13).astype(np.float32)
    w, b = f32(rng, 3, 4, 3, 3), f32(rng, 3)
    w2 = f32(rng, 4, 2, 2, 3)
    mask = rng.uniform(0.1, 1.0, (2, 9, 5, 6)).astype(np.float32)
    mask2 = rng.uniform(0.1, 1.0, (2, 12, 2, 2)).astype(np.float32)
    plain = {"kernel": (3, 3), "num_filter": 3, "pad": (1, 1)}
    grouped = {"kernel": (2, 3), "num_filter": 4, "num_group": 2, "num_deformable_group": 2,
               "stride": (2, 1), "dilate": (1, 2), "no_bias": True}
    return {
        "_contrib_DeformableConvolution": [
            ([x, off, w, b], plain, (0, 1, 2, 3)),
            ([x, off2, w2], grouped, (0, 1, 2)),
        ],
        # MXNet 1.9.1 has no CPU backward for DCNv2 ("only implemented in GPU").
        "_contrib_ModulatedDeformableConvolution": [
            ([x, off, mask, w, b], plain, ()),
            ([x, off2, mask2, w2], grouped, ()),
        ],
    }


def proposal_cases(rng) -> dict:
    na, h, w = 6, 5, 6
    logits = rng.normal(size=(2, 2, na, h, w))
    prob = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).reshape(2, -1, h, w)
    prob = prob.astype(np.float32)
    deltas = f32(rng, 2, na * 4, h, w, scale=0.3)
    # The second image is smaller than the feature map covers (padded cells score -1).
    info = np.array([[20, 24, 1.0], [13, 17, 0.5]], np.float32)
    a = {"feature_stride": 4, "ratios": (0.5, 1.0, 2.0), "scales": (1.0, 2.0),
         "rpn_min_size": 3, "rpn_pre_nms_top_n": 60, "rpn_post_nms_top_n": 20,
         "threshold": 0.5}
    # Few survivors: the kept boxes repeat to fill rpn_post_nms_top_n rows.
    sparse = {**a, "rpn_pre_nms_top_n": 8, "rpn_post_nms_top_n": 12, "threshold": 0.1,
              "rpn_min_size": 6}
    calls = [
        ([prob, deltas, info], a, ()),
        ([prob, deltas, info], {**a, "output_score": True, "rpn_pre_nms_top_n": -1}, ()),
        ([prob, deltas * 4, info], {**a, "iou_loss": True, "output_score": True}, ()),
        ([prob, deltas, info], {**sparse, "output_score": True}, ()),
        # Most boxes below the minimum size: they score -1 and grow by half of it.
        ([prob, deltas, info], {**a, "rpn_min_size": 12, "output_score": True}, ()),
    ]
    return {
        "_contrib_Proposal": [([x[:1] for x in ins], attrs, g) for ins, attrs, g in calls],
        "_contrib_MultiProposal": calls,
    }


def rroi_cases(rng) -> dict:
    x = f32(rng, 2, 3, 6, 7)
    # Angles both ways, a ROI past the map, a tiny one (forced to 1x1), one across the border.
    rois = np.array([[0, 6.0, 5.0, 8.0, 4.0, 30.0], [1, 3.3, 8.1, 5.2, 9.7, -45.0],
                     [1, 12.0, 10.0, 1.0, 1.0, 0.0], [0, 2.0, 2.0, 20.0, 14.0, 120.0],
                     [1, 13.5, 11.0, 6.0, 3.0, 200.0]], np.float32)
    return {
        "_contrib_RROIAlign": [
            ([x, rois], {"pooled_size": (2, 3), "spatial_scale": 0.5}, ()),
            ([x, rois], {"pooled_size": (3, 2), "spatial_scale": 1.0, "sampling_ratio": 2}, ()),
            ([x, rois], {"pooled_size": (2, 2), "spatial_scale": 0.25}, ()),
        ],
    }


CASES = [psroi_cases, deformable_cases, proposal_cases, rroi_cases]


def main() -> None:
    only = set(sys.argv[1:])
    rng = np.random.default_rng(16)
    for make in CASES:
        for name, calls in make(rng).items():
            if not only or name in only:
                save(name, calls)


if __name__ == "__main__":
    main()
