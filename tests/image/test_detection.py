"""Detection augmenters and ImageDetIter against MXNet 1.9.1's outputs (same seeds of Python's
random and numpy.random; resizes within one grey level, see test_image_mxnet.py).
"""

from __future__ import annotations

import os
import random
import sys

import numpy as np
import pytest

import hybrid as mx

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet", "images")
REF = np.load(os.path.join(FIX, "mxnet_outputs.npz"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools",
                                "mxnet_fixtures"))
from make_images import DET_LABEL, det_augs  # noqa: E402

SRC = mx.image.imdecode(open(os.path.join(FIX, "noise.jpg"), "rb").read())


@pytest.mark.parametrize("k,name", list(enumerate(det_augs(mx.image))))
def test_detection_augmenter_with_mxnet_seeds(k, name):
    aug = det_augs(mx.image)[name]
    random.seed(k)
    np.random.seed(k)
    data, label = aug(SRC, DET_LABEL.copy())
    np.testing.assert_array_equal(data.asnumpy(), REF[f"det/{name}/data"])
    np.testing.assert_allclose(label, REF[f"det/{name}/label"], rtol=1e-6)


def test_create_det_augmenter_chain():
    random.seed(9)
    np.random.seed(9)
    x, label = SRC, DET_LABEL.copy()
    for aug in mx.image.CreateDetAugmenter((3, 16, 16), rand_crop=1, rand_pad=0.5,
                                           rand_mirror=True, mean=True, std=True,
                                           brightness=0.1):
        x, label = aug(x, label)
    np.testing.assert_allclose(x.asnumpy(), REF["det/CreateDetAugmenter/data"], atol=0.03)
    np.testing.assert_allclose(label, REF["det/CreateDetAugmenter/label"], rtol=1e-6)


def test_image_det_iter():
    it = mx.image.ImageDetIter(2, (3, 16, 16), path_imgrec=os.path.join(FIX, "det.rec"),
                               path_imgidx=os.path.join(FIX, "det.idx"))
    assert it.provide_label == [("label", (2, 2, 5))]
    batch = it.next()
    np.testing.assert_allclose(batch.data[0].asnumpy(), REF["ImageDetIter/data"], atol=1)
    np.testing.assert_array_equal(batch.label[0].asnumpy(), REF["ImageDetIter/label"])
    it.reshape(label_shape=(4, 5))
    assert it.next().label[0].shape == (2, 4, 5)
    with pytest.raises(mx.HybridError, match="cannot replace"):
        it.reshape(label_shape=(1, 5))
