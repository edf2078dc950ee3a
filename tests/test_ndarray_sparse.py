"""``nd.sparse``: MXNet's sparse namespace over dense arrays (sparse storage is out of scope)."""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid.base import HybridError

sparse = mx.nd.sparse


def test_shared_ops_are_the_nd_objects():
    for name in ("dot", "add", "elemwise_add", "sum", "cast_storage", "zeros_like"):
        assert getattr(sparse, name) is getattr(mx.nd, name)
    a = mx.nd.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(sparse.dot(a, a).asnumpy(), [[7, 10], [15, 22]])
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        sparse.not_a_name  # noqa: B018


def test_default_storage_zeros_is_dense():
    z = sparse.zeros("default", (2, 3), dtype="float64")
    assert type(z) is mx.nd.NDArray and z.dtype == np.float64 and z.stype == "default"
    assert not z.asnumpy().any()


@pytest.mark.parametrize(
    "call",
    [
        lambda: sparse.csr_matrix(([1.0], [0], [0, 1]), shape=(1, 2)),
        lambda: sparse.row_sparse_array(([[1.0]], [0]), shape=(2, 1)),
        lambda: sparse.zeros("csr", (2, 2)),
        lambda: sparse.empty("row_sparse", (2, 2)),
        lambda: sparse.array(np.ones((2, 2))),
        lambda: sparse.retain(mx.nd.ones((2, 2)), mx.nd.array([0])),
        lambda: sparse.CSRNDArray(),
    ],
)
def test_sparse_storage_is_refused_with_the_reason(call):
    with pytest.raises(HybridError, match=r"nd\.sparse\..*storage is not supported"):
        call()


def test_dense_arrays_are_not_sparse_instances():
    assert not isinstance(mx.nd.ones((2,)), (sparse.CSRNDArray, sparse.RowSparseNDArray))
