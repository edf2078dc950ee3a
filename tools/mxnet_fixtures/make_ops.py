"""Record real MXNet 1.9.1 outputs and gradients of the vision, detection, sequence, resize,
transformer and loss-head ops into tests/fixtures/mxnet/ops/<op>.npz.

Run with an interpreter that has mxnet==1.9.1:
``/path/to/mxnet-venv/bin/python tools/mxnet_fixtures/make_ops.py``. Each file holds, per case
``k``: ``k.in<i>`` (float32 or integer inputs), ``k.attrs`` (JSON), ``k.out<j>`` (outputs),
``k.head<j>`` (the head gradients fed to backward) and ``k.grad<i>`` (input gradients, for the
inputs listed in ``k.grads``). tests/ops/test_mxnet_vision.py replays them on hybrid.
"""

from __future__ import annotations

import json
import os
import sys

import mxnet as mx
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "mxnet", "ops")


def mx_function(name: str):
    if name.startswith("_contrib_"):
        return getattr(mx.nd.contrib, name[len("_contrib_"):])
    return getattr(mx.nd, name)


def record(name: str, inputs: list, attrs: dict, grads: tuple = ()) -> dict:
    """One case: run ``name`` on ``inputs`` (numpy), backward with random head gradients."""
    rng = np.random.default_rng(len(inputs) + len(attrs))
    arrays = [mx.nd.array(x, dtype=x.dtype) for x in inputs]
    for i in grads:
        arrays[i].attach_grad()
    with mx.autograd.record():
        out = mx_function(name)(*arrays, **attrs)
    outs = out if isinstance(out, list) else [out]
    heads = [rng.normal(size=o.shape).astype(np.float32) for o in outs]
    if grads:
        mx.autograd.backward(outs, [mx.nd.array(h) for h in heads])
    case = {"attrs": np.array(json.dumps(attrs)), "grads": np.array(list(grads), np.int64)}
    for i, x in enumerate(inputs):
        case[f"in{i}"] = x
    for j, (o, h) in enumerate(zip(outs, heads)):
        case[f"out{j}"], case[f"head{j}"] = o.asnumpy(), h
    for i in grads:
        case[f"grad{i}"] = arrays[i].grad.asnumpy()
    return case


def f32(rng, *shape, scale=1.0):
    return (rng.normal(size=shape) * scale).astype(np.float32)


def cases(rng) -> dict:
    x45, x234 = f32(rng, 4, 5), f32(rng, 2, 3, 4)
    img = f32(rng, 2, 3, 5, 4)
    seq = f32(rng, 4, 3, 2)
    lens = np.array([1, 4, 2], np.float32)
    lab4 = np.array([0, 3, 4, 3], np.float32)
    # Sampling positions off integer pixels (the sampler's kinks), some outside the input.
    grid = (np.round(rng.uniform(-1.2, 1.2, (2, 2, 3, 3)) * 2) / 2 + 0.13).astype(np.float32)
    loc = (np.array([[0.9, 0.1, 0.05, -0.1, 0.8, 0.1]]) + f32(rng, 2, 6) * 0.05)
    loc = loc.astype(np.float32)
    xy = rng.uniform(0, 8, (2, 8, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(1, 6, (2, 8, 2))], -1).astype(np.float32)
    # Detections [class id, score, box]: distinct scores, boxes that overlap.
    dets = np.concatenate([rng.integers(0, 2, (2, 8, 1)), rng.permutation(16).reshape(2, 8, 1)
                           / 16 + 0.02, boxes], -1).astype(np.float32)
    priors = mx.nd.contrib.MultiBoxPrior(mx.nd.zeros((1, 1, 3, 3)), sizes=(0.4, 0.25),
                                         ratios=(1, 2)).asnumpy()
    logits = rng.normal(size=(2, 4, priors.shape[1])) * 2
    prob = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype(np.float32)
    ssd_loc = f32(rng, 2, priors.shape[1] * 4, scale=0.3)
    gt = np.full((3, 3, 5), -1, np.float32)
    gt[0, :2] = [[1, 0.1, 0.1, 0.5, 0.45], [0, 0.5, 0.4, 0.95, 0.9]]
    gt[1, :1] = [[2, 0.3, 0.2, 0.7, 0.8]]
    ssd_pred = f32(rng, 3, 4, priors.shape[1])
    match = (rng.permutation(24).reshape(2, 3, 4) / 24).astype(np.float32)
    # Distinct values, so every max-pooling bin has one maximum.
    feat = (rng.permutation(2 * 3 * 6 * 7).reshape(2, 3, 6, 7) / 10.0).astype(np.float32)
    rois = np.array([[0, 0.5, 0.4, 9.7, 8.2], [1, 2.2, 4.1, 9.1, 11.5], [1, 6, 6, 6.5, 7],
                     [0, -3, 1, 16, 14], [1, 3, 2, 3, 2]], np.float32)
    return {
        "SoftmaxOutput": [
            ([x45, lab4], {}, (0,)),
            ([x45, lab4], {"use_ignore": True, "ignore_label": 3, "normalization": "valid",
                           "grad_scale": 2.0}, (0,)),
            ([x45, lab4], {"normalization": "batch", "smooth_alpha": 0.1}, (0,)),
            ([x234, np.array([[0, 2, 1, 1], [2, 0, 0, 1]], np.float32)],
             {"multi_output": True, "normalization": "null"}, (0,)),
            ([x234, np.array([[0, 2, 1, 1], [2, 0, 0, 1]], np.float32)],
             {"multi_output": True, "normalization": "batch", "use_ignore": True,
              "ignore_label": 1}, (0,)),
            ([x234, np.array([[0, 1, 3], [2, 0, 1]], np.float32)], {"preserve_shape": True},
             (0,)),
            ([x45, np.abs(f32(rng, 4, 5))], {"grad_scale": 0.5}, (0,)),
            ([x45, lab4], {"out_grad": True}, (0,)),
        ],
        "LinearRegressionOutput": [([x45, f32(rng, 4, 5)], {"grad_scale": 2.0}, (0,)),
                                   ([x45[:, :1], f32(rng, 4)], {}, (0,))],
        "LogisticRegressionOutput": [([x45, f32(rng, 4, 5)], {}, (0,))],
        "MAERegressionOutput": [([x45, f32(rng, 4, 5)], {"grad_scale": 3.0}, (0,))],
        "SVMOutput": [([x45, lab4], {}, (0,)),
                      ([x45, lab4], {"use_linear": True, "margin": 0.5,
                                     "regularization_coefficient": 2.0}, (0,))],
        "MakeLoss": [([x45], {"grad_scale": 2.0}, (0,)),
                     ([x45], {"normalization": "batch"}, (0,)),
                     ([x45], {"normalization": "valid", "valid_thresh": 0.2}, (0,))],
        "make_loss": [([x45], {}, (0,))],
        "BlockGrad": [([x45], {}, (0,))],
        "_contrib_div_sqrt_dim": [([x234], {}, (0,))],
        "_contrib_arange_like": [([x234], {}, ()),
                                 ([x234], {"start": 1.5, "step": 0.5, "repeat": 2}, ()),
                                 ([x234], {"axis": -2}, ())],
        "_contrib_interleaved_matmul_selfatt_qk": [([f32(rng, 4, 2, 12)], {"heads": 2}, (0,))],
        "_contrib_interleaved_matmul_selfatt_valatt": [
            ([f32(rng, 4, 2, 12), f32(rng, 4, 4, 4)], {"heads": 2}, (0, 1))],
        "_contrib_interleaved_matmul_encdec_qk": [
            ([f32(rng, 3, 2, 8), f32(rng, 5, 2, 16)], {"heads": 2}, (0, 1))],
        "_contrib_interleaved_matmul_encdec_valatt": [
            ([f32(rng, 5, 2, 16), f32(rng, 4, 3, 5)], {"heads": 2}, (0, 1))],
        "SequenceLast": [([seq, lens], {"use_sequence_length": True}, (0,)),
                         ([seq, np.array([2, 1, 3, 3], np.float32)],
                          {"use_sequence_length": True, "axis": 1}, (0,)),
                         # NOTE: MXNet 1.9.1's backward without lengths corrupts its heap.
                         ([seq], {}, ())],
        "SequenceReverse": [([seq, lens], {"use_sequence_length": True}, (0,)),
                            ([seq], {}, (0,))],
        "LRN": [([f32(rng, 2, 6, 3, 3)], {"nsize": 3}, (0,)),
                ([f32(rng, 2, 6, 3, 3)], {"nsize": 5, "alpha": 0.1, "beta": 0.5, "knorm": 1.0},
                 (0,))],
        "L2Normalization": [([img], {"mode": mode}, (0,)) for mode in
                            ("instance", "channel", "spatial")],
        "Crop": [([img], {"num_args": 1, "h_w": (3, 2), "offset": (1, 1)}, (0,)),
                 ([img], {"num_args": 1, "h_w": (3, 3), "center_crop": True}, (0,)),
                 ([img, f32(rng, 1, 1, 2, 3)], {"num_args": 2, "center_crop": True}, (0,))],
        "Correlation": [
            ([f32(rng, 2, 3, 5, 6), f32(rng, 2, 3, 5, 6)],
             {"max_displacement": 1, "pad_size": 1}, (0, 1)),
            ([f32(rng, 2, 3, 7, 6), f32(rng, 2, 3, 7, 6)],
             {"kernel_size": 3, "max_displacement": 2, "stride1": 2, "stride2": 2,
              "pad_size": 2}, (0, 1)),
            ([f32(rng, 1, 2, 5, 5), f32(rng, 1, 2, 5, 5)],
             {"max_displacement": 1, "is_multiply": False}, (0, 1)),
        ],
        "_contrib_BilinearResize2D": [
            ([img], {"height": 9, "width": 7}, (0,)),
            ([img], {"height": 3, "width": 6, "align_corners": False}, (0,)),
            ([img], {"height": 1, "width": 1, "align_corners": False}, (0,)),
            ([img], {"scale_height": 2.0, "scale_width": 1.5}, (0,)),
            ([img], {"mode": "odd_scale", "scale_height": 2.0, "scale_width": 2.0}, (0,)),
            # NOTE: MXNet 1.9.1's backward in mode 'like' corrupts its heap: forward only.
            ([img, f32(rng, 1, 1, 8, 8)], {"mode": "like"}, ()),
        ] + [([img], {"mode": m}, (0,)) for m in
             ("to_even_down", "to_even_up", "to_odd_down", "to_odd_up")],
        "_contrib_AdaptiveAvgPooling2D": [([f32(rng, 2, 3, 7, 6)], {}, (0,)),
                                          ([f32(rng, 2, 3, 7, 6)], {"output_size": 3}, (0,)),
                                          ([f32(rng, 2, 3, 7, 6)], {"output_size": (4, 2)},
                                           (0,))],
        "GridGenerator": [
            ([f32(rng, 2, 6)], {"transform_type": "affine", "target_shape": (3, 4)}, (0,)),
            ([f32(rng, 2, 2, 3, 4)], {"transform_type": "warp"}, (0,))],
        "BilinearSampler": [([f32(rng, 2, 3, 4, 5), grid], {}, (0, 1))],
        "SpatialTransformer": [
            ([f32(rng, 2, 3, 5, 6), loc], {"target_shape": (3, 4), "transform_type": "affine",
                                           "sampler_type": "bilinear"}, (0, 1))],
        "ROIPooling": [([feat, rois], {"pooled_size": (2, 3), "spatial_scale": 0.5}, (0,)),
                       ([feat, rois], {"pooled_size": (3, 3), "spatial_scale": 1.0}, (0,))],
        "_contrib_ROIAlign": [
            ([f32(rng, 2, 8, 6, 7), rois], {"pooled_size": (2, 2), "spatial_scale": 0.5}, (0,)),
            ([f32(rng, 2, 8, 6, 7), rois[:4]], {"pooled_size": (3, 2), "spatial_scale": 0.5,
                                            "sample_ratio": 2, "aligned": True}, (0,)),
            ([f32(rng, 2, 8, 6, 7), rois], {"pooled_size": (2, 2), "spatial_scale": 0.5,
                                            "position_sensitive": True}, (0,)),
            ([f32(rng, 2, 8, 6, 7), rois], {"pooled_size": (2, 2), "spatial_scale": 0.25,
                                            "sample_ratio": 3}, (0,))],
        "_contrib_box_iou": [([boxes[0, :3], boxes[1]], {}, ()),
                             ([center(boxes[0, :3]), center(boxes[1, :4])],
                              {"format": "center"}, ())],
        "_contrib_box_nms": [
            ([dets], {}, (0,)),
            ([dets], {"id_index": 0, "topk": 4, "valid_thresh": 0.2, "overlap_thresh": 0.3},
             (0,)),
            ([dets], {"id_index": 0, "force_suppress": True, "out_format": "center"}, (0,)),
            ([dets], {"id_index": 0, "background_id": 0, "overlap_thresh": 0.1}, (0,)),
            ([center(dets[..., 2:])[..., [0, 1, 2, 3, 0]]],
             {"coord_start": 0, "score_index": 4, "in_format": "center", "overlap_thresh": 0.2},
             ()),
            ([dets.reshape(2, 1, 8, 6)], {"topk": 0}, ()),
        ],
        "_contrib_box_encode": [
            ([np.array([[1, 0, 1, -1, 1], [0, 1, 1, 1, 0]], np.float32),
              rng.integers(0, 3, (2, 5)).astype(np.float32), boxes[:, :5], boxes[:, 5:],
              np.array([0, 0.1, 0, 0], np.float32), np.array([0.1, 0.1, 0.2, 0.2], np.float32)],
             {}, ())],
        "_contrib_box_decode": [
            ([f32(rng, 2, 5, 4, scale=0.5), boxes[:1, :5]], {"format": "corner", "std0": 0.1,
                                                             "std2": 0.2}, ()),
            ([f32(rng, 2, 5, 4, scale=0.5), center(boxes[:1, :5])], {"clip": 0.3}, ())],
        "_contrib_bipartite_matching": [
            ([match], {"threshold": 0.2}, ()),
            ([match], {"threshold": 0.6, "is_ascend": True}, ()),
            ([match], {"threshold": 0.0, "topk": 1}, ()),
            ([match[0]], {"threshold": 0.5}, ())],
        "_contrib_MultiBoxPrior": [
            ([f32(rng, 1, 2, 3, 4)], {}, ()),
            ([f32(rng, 1, 2, 3, 4)], {"sizes": (0.5, 0.25), "ratios": (1, 2, 0.5), "clip": True},
             ()),
            ([f32(rng, 2, 2, 5, 3)], {"sizes": (0.3,), "steps": (0.2, 0.1),
                                      "offsets": (0.2, 0.7)}, ())],
        "_contrib_MultiBoxDetection": [
            ([prob, ssd_loc, priors], {}, ()),
            ([prob, ssd_loc, priors], {"threshold": 0.3, "nms_topk": 4, "force_suppress": True,
                                       "nms_threshold": 0.3}, ()),
            ([prob, ssd_loc, priors], {"threshold": 0.2, "nms_topk": 3}, ()),
            ([prob, ssd_loc, priors], {"clip": False, "nms_threshold": 0}, ())],
        "_contrib_MultiBoxTarget": [
            ([priors, gt, ssd_pred], {}, ()),
            ([priors, gt, ssd_pred], {"negative_mining_ratio": 2.0, "overlap_threshold": 0.3},
             ()),
            ([priors, gt, ssd_pred], {"overlap_threshold": 0.0, "ignore_label": -2.0}, ())],
    }


def center(b):
    return np.concatenate([(b[..., :2] + b[..., 2:4]) / 2, b[..., 2:4] - b[..., :2]], axis=-1)


def save(name: str, calls: list) -> None:
    """Record every ``(inputs, attrs, grads)`` call of ``name`` into ``OUT/<name>.npz``."""
    os.makedirs(OUT, exist_ok=True)
    data = {}
    for k, (inputs, attrs, grads) in enumerate(calls):
        for key, value in record(name, inputs, attrs, grads).items():
            data[f"{k}.{key}"] = value
    tmp = os.path.join(OUT, f".{name}.tmp.npz")
    np.savez_compressed(tmp, **data)
    os.replace(tmp, os.path.join(OUT, f"{name}.npz"))
    print(f"{name}: {len(calls)} cases")


def main() -> None:
    only = set(sys.argv[1:])
    for name, calls in cases(np.random.default_rng(0)).items():
        if not only or name in only:
            save(name, calls)


if __name__ == "__main__":
    main()
