"""Error conditions and export behaviour of the detection contrib ops (PSROIPooling,
DeformablePSROIPooling, the deformable convolutions, Proposal, MultiProposal, RROIAlign); their
values and gradients are checked against MXNet 1.9.1 in test_mxnet_vision.py and by the registry
tests.
"""

from __future__ import annotations

import numpy as np
import pytest
from hybrid.export import to_onnx

import hybrid as mx
from hybrid.base import AttrError, HybridError, ShapeError

contrib = mx.nd.contrib


def _nd(*shape, value=None):
    rng = np.random.default_rng(sum(shape))
    data = rng.normal(size=shape) if value is None else np.asarray(value)
    return mx.nd.array(data.astype(np.float32))


ROIS = [[0, 0, 0, 12, 10], [1, 2, 4, 9, 11]]


@pytest.mark.parametrize("call,error,message", [
    (lambda: contrib.PSROIPooling(_nd(2, 18, 6, 7), _nd(2, 4), spatial_scale=0.5,
                                  output_dim=2, pooled_size=3),
     ShapeError, r"rois has shape \(2, 4\), expected \(num_rois, 5\)"),
    (lambda: contrib.PSROIPooling(_nd(2, 17, 6, 7), _nd(value=ROIS), spatial_scale=0.5,
                                  output_dim=2, pooled_size=3),
     ShapeError, "17 channels, expected at least output_dim"),
    (lambda: contrib.PSROIPooling(_nd(1, 18, 6, 7), _nd(value=ROIS), spatial_scale=0.5,
                                  output_dim=2, pooled_size=3),
     HybridError, r"batch indices \[0, 1\], expected indices into a batch of 1"),
    (lambda: contrib.PSROIPooling(_nd(2, 18, 6, 7), _nd(value=ROIS), spatial_scale=2.0,
                                  output_dim=2, pooled_size=3),
     AttrError, r"spatial_scale=2.0, expected in \[0, 1\]"),
    (lambda: contrib.DeformablePSROIPooling(_nd(2, 18, 6, 7), _nd(value=ROIS),
                                            spatial_scale=0.5, output_dim=2, group_size=3,
                                            pooled_size=3),
     HybridError, r"no_trans=False the inputs are \(data, rois, trans\), got 2"),
    (lambda: contrib.DeformablePSROIPooling(_nd(2, 18, 6, 7), _nd(value=ROIS), _nd(2, 6, 3, 3),
                                            spatial_scale=0.5, output_dim=2, group_size=3,
                                            pooled_size=3),
     ShapeError, "num_classes dividing output_dim=2"),
    (lambda: contrib.DeformableConvolution(_nd(1, 2, 5, 5), _nd(1, 6, 5), _nd(2, 2, 3),
                                           kernel=(3,), num_filter=2, no_bias=True),
     AttrError, "expected 2 dims"),
    (lambda: contrib.DeformableConvolution(_nd(1, 2, 5, 5), _nd(1, 9, 5, 5), _nd(2, 2, 3, 3),
                                           kernel=(3, 3), pad=(1, 1), num_filter=2,
                                           no_bias=True),
     ShapeError, r"offset has shape \(1, 9, 5, 5\), expected \(1, 18, 5, 5\)"),
    (lambda: contrib.DeformableConvolution(_nd(1, 3, 5, 5), _nd(1, 36, 5, 5), _nd(2, 3, 3, 3),
                                           kernel=(3, 3), pad=(1, 1), num_filter=2,
                                           num_deformable_group=2, no_bias=True),
     ShapeError, "3 channels, not divisible by num_deformable_group=2"),
    (lambda: contrib.ModulatedDeformableConvolution(
        _nd(3, 2, 4, 4), _nd(3, 18, 4, 4), _nd(3, 9, 4, 4), _nd(2, 2, 3, 3), kernel=(3, 3),
        pad=(1, 1), num_filter=2, no_bias=True, im2col_step=2),
     ShapeError, "batch size 3 is larger than im2col_step=2 but not a multiple"),
    (lambda: contrib.Proposal(_nd(2, 12, 4, 5), _nd(2, 24, 4, 5),
                              _nd(value=[[16, 20, 1], [16, 20, 1]]), feature_stride=4,
                              scales=(1, 2)),
     ShapeError, "batch size 2; Proposal handles one image"),
    (lambda: contrib.MultiProposal(_nd(1, 10, 4, 5), _nd(1, 20, 4, 5), _nd(value=[[16, 20, 1]]),
                                   feature_stride=4, scales=(1, 2)),
     HybridError, r"10 channels, expected 2 \* len\(ratios\) \* len\(scales\) = 12"),
    (lambda: contrib.MultiProposal(_nd(1, 12, 4, 5), _nd(1, 20, 4, 5), _nd(value=[[16, 20, 1]]),
                                   feature_stride=4, scales=(1, 2)),
     ShapeError, r"bbox_pred has shape \(1, 20, 4, 5\), expected \(1, 24, 4, 5\)"),
    (lambda: contrib.MultiProposal(_nd(1, 12, 4, 5), _nd(1, 24, 4, 5), _nd(value=[[30, 20, 1]]),
                                   feature_stride=4, scales=(1, 2)),
     HybridError, r"larger than the 4x5 feature map"),
    (lambda: contrib.RROIAlign(_nd(1, 3, 6, 7), _nd(value=[[0, 1, 1, 2, 2]]), pooled_size=(2, 2),
                               spatial_scale=1.0),
     ShapeError, r"rois has shape \(1, 5\), expected \(num_rois, 6\)"),
    (lambda: contrib.RROIAlign(_nd(1, 3, 6, 7), _nd(value=[[0, 1, 1, 2, 2, 0]]),
                               pooled_size=(2,), spatial_scale=1.0),
     AttrError, "two positive sizes"),
])
def test_bad_input_is_refused_with_the_op_name(call, error, message):
    with pytest.raises(error, match=message) as caught:
        call()
    assert "_contrib_" in str(caught.value)


def test_proposal_keeps_repeating_the_survivors_to_fill_its_rows():
    prob = np.zeros((1, 2, 2, 2), np.float32)
    prob[0, 1] = [[0.9, 0.8], [0.7, 0.6]]  # one anchor per cell, all boxes overlapping
    rois, scores = contrib.Proposal(
        mx.nd.array(prob), mx.nd.zeros((1, 4, 2, 2)), mx.nd.array([[8, 8, 1]]),
        feature_stride=4, scales=(2,), ratios=(1,), rpn_min_size=1, rpn_post_nms_top_n=5,
        threshold=0.3, output_score=True)
    # 8x8 anchors 4 pixels apart, clipped to the 8x8 image: the best box suppresses its two
    # neighbours, not the diagonal one, and the two survivors repeat in order (values from
    # MXNet 1.9.1).
    np.testing.assert_allclose(scores.asnumpy()[:, 0], [0.9, 0.6, 0.9, 0.6, 0.9], rtol=1e-6)
    np.testing.assert_array_equal(rois.asnumpy(), [[0, 0, 0, 5, 5], [0, 2, 2, 7, 7]] * 2
                                  + [[0, 0, 0, 5, 5]])


def test_proposals_and_rotated_roi_align_pass_no_gradient():
    rng = np.random.default_rng(0)
    x = mx.nd.array(rng.normal(size=(1, 2, 5, 6)).astype(np.float32))
    x.attach_grad()
    with mx.autograd.record():
        y = contrib.RROIAlign(x, mx.nd.array([[0, 2.5, 2.0, 3.0, 2.0, 20.0]]),
                              pooled_size=(2, 2), spatial_scale=1.0)
        loss = (y * 2).sum() + (x * 0).sum()
    loss.backward()
    assert not x.grad.asnumpy().any()


@pytest.mark.parametrize("name,make", [
    ("_contrib_PSROIPooling", lambda d, r: mx.sym.contrib.PSROIPooling(
        d, r, spatial_scale=0.5, output_dim=2, pooled_size=3)),
    ("_contrib_DeformablePSROIPooling", lambda d, r: mx.sym.contrib.DeformablePSROIPooling(
        d, r, spatial_scale=0.5, output_dim=2, group_size=3, pooled_size=3, no_trans=True)),
])
def test_position_sensitive_pooling_export_names_the_op_and_why(name, make):
    sym = make(mx.sym.var("data"), mx.sym.var("rois"))
    with pytest.raises(HybridError, match=f"{name}: cannot be exported to ONNX, which has no "
                                          "position-sensitive ROI pooling"):
        to_onnx(sym, input_shapes=[(1, 18, 6, 7), (2, 5)])


def test_deformable_convolution_export_needs_opset_19():
    sym = mx.sym.contrib.DeformableConvolution(
        mx.sym.var("data"), mx.sym.var("offset"), mx.sym.var("weight"), kernel=(3, 3),
        pad=(1, 1), num_filter=2, no_bias=True)
    with pytest.raises(HybridError, match="_contrib_DeformableConvolution: ONNX lowering needs "
                                          "opset >= 19, target is 17"):
        to_onnx(sym, input_shapes=[(1, 2, 5, 5), (1, 18, 5, 5), (2, 2, 3, 3)], opset=17)
