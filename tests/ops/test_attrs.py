"""Attribute parsing is remembered across calls without changing what it accepts or returns."""

from __future__ import annotations

import pytest

from hybrid import nd
from hybrid.base import AttrError
from hybrid.ops import attrs
from hybrid.ops.registry import get_op


def test_string_literals_are_evaluated_once():
    attrs._literal_text.cache_clear()
    for _ in range(3):
        assert attrs._literal(" relu ") == "relu"
        assert attrs._literal("(2, 2)") == (2, 2)
        assert attrs._literal("True") is True
    info = attrs._literal_text.cache_info()
    assert (info.misses, info.hits) == (3, 6)


def test_a_repeated_eager_call_reuses_the_parse():
    op = get_op("Pooling")
    x = nd.ones((1, 2, 4, 4))
    nd.Pooling(x, kernel="(2, 2)", pool_type="max")
    cached = dict(op._parsed_attrs)
    y = nd.Pooling(x, kernel="(2, 2)", pool_type="max")
    assert op._parsed_attrs == cached and y.shape == (1, 2, 3, 3)


def test_cached_parse_is_a_fresh_equal_dict_and_types_stay_distinct():
    op = get_op("Pooling")
    first = op.parse_attrs({"kernel": (2, 2), "pool_type": "max"})
    first["is_train"] = True
    second = op.parse_attrs({"kernel": (2, 2), "pool_type": "max"})
    assert "is_train" not in second and second["kernel"] == (2, 2)
    assert op.parse_attrs({"kernel": "(3, 3)"})["kernel"] == (3, 3)
    op_sum = get_op("sum")
    assert op_sum.parse_attrs({"axis": 1})["axis"] == 1
    with pytest.raises(AttrError):
        op_sum.parse_attrs({"axis": True})


def test_an_optional_attribute_accepts_an_explicit_none():
    # MXNet's Python front ends pass dtype=None through to log_softmax and softmax.
    x = nd.array([[1.0, 2.0, 3.0]])
    got = nd.log_softmax(x, dtype=None)
    assert got.dtype == x.dtype
    assert abs(float(nd.exp(got).sum().asscalar()) - 1.0) < 1e-6
    with pytest.raises(AttrError, match="dtype"):
        nd.log_softmax(x, dtype="int32")
