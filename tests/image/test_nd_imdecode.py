"""nd.imdecode, MXNet's legacy decoder: channels first, BGR as OpenCV stores it, float32, with
clip_rect, channels, mean and out at index, checked against OpenCV's own decoding.
"""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from hybrid import nd
from hybrid.base import HybridError, ShapeError
from hybrid.image._codec import cv2

PNG = (
    pathlib.Path(__file__).parents[1] / "fixtures" / "mxnet" / "images" / "shapes.png"
).read_bytes()


def _bgr() -> np.ndarray:
    return cv2().imdecode(np.frombuffer(PNG, np.uint8), -1).astype(np.float32)  # (H, W, 3)


def test_whole_image_channels_first_bgr():
    out = nd.imdecode(PNG)
    assert out.shape == (3, 20, 28) and out.dtype == np.float32
    np.testing.assert_array_equal(out.asnumpy(), _bgr().transpose(2, 0, 1))


def test_clip_rect_mean_and_grey():
    mean = nd.array(np.full((3, 2, 4), 5.0))
    out = nd.imdecode(PNG, clip_rect=(1, 2, 5, 4), mean=mean)
    np.testing.assert_array_equal(out.asnumpy(), _bgr()[2:4, 1:5].transpose(2, 0, 1) - 5.0)
    grey = cv2().imdecode(np.frombuffer(PNG, np.uint8), 0)
    np.testing.assert_array_equal(nd.imdecode(PNG, channels=1).asnumpy()[0], grey)


def test_out_at_index_and_errors():
    buffer = nd.zeros((2, 3, 20, 28))
    assert nd.imdecode(PNG, out=buffer, index=1) is buffer
    np.testing.assert_array_equal(buffer.asnumpy()[1], _bgr().transpose(2, 0, 1))
    assert not buffer.asnumpy()[0].any()
    with pytest.raises(ShapeError, match="clip_rect"):
        nd.imdecode(PNG, clip_rect=(0, 0, 40, 5))
    with pytest.raises(ShapeError, match="out has shape"):
        nd.imdecode(PNG, out=nd.zeros((3, 5, 5)))
    with pytest.raises(HybridError, match="channels=4"):
        nd.imdecode(PNG, channels=4)
    with pytest.raises(HybridError, match="nd.imdecode: cannot decode"):
        nd.imdecode(b"not an image")
