"""``hybrid.runtime`` also answers MXNet's ``mx.runtime.Features`` (for ``import hybrid as mx``)."""

from __future__ import annotations

import pytest

import hybrid as mx
from hybrid import features


def test_mxnet_runtime_features_are_reachable_from_hybrid_runtime():
    feats = mx.runtime.Features()
    assert mx.runtime.Features is features.Features
    assert feats.is_enabled("INT64_TENSOR_SIZE") and not feats.is_enabled("CUDA")
    assert [f.name for f in mx.runtime.feature_list()][:2] == ["CUDA", "CUDNN"]
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        mx.runtime.Nothing  # noqa: B018
