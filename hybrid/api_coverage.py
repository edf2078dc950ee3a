"""Which of MXNet 1.9.1's public ``nd`` names hybrid leaves out, and why: the one place saying so.

``tests/test_api_coverage.py`` compares hybrid's ``nd`` and ``sym`` namespaces with MXNet 1.9.1's
public names (``tests/fixtures/mxnet_1.9.1_api_names.json``): every name must be present or listed
in :data:`EXCLUDED` with its reason. :data:`ND_ONLY` lists the ``nd`` names that MXNet's own ``sym``
namespace lacks (Python-level NDArray helpers), which the test therefore does not look for in
``sym``.
"""

from __future__ import annotations

__all__ = ["EXCLUDED", "ND_ONLY", "NP_EXCLUDED", "excluded_reason"]

_DLPACK = "DLPack exchange is not supported: hybrid's arrays are numpy arrays (use asnumpy())"
_FUSED = (
    "fused multi-array optimizer kernel (multi_*/preloaded_*): hybrid's optimizers call the "
    "single-array update ops once per parameter"
)
_QUANT = "quantization (int8 kernels and calibration) is out of scope: hybrid computes in float"
_DGL = "DGL graph-sampling op: needs sparse CSR storage, which hybrid does not have"
_SPARSE = "sparse (CSR/row_sparse) storage is out of scope: hybrid's arrays are dense"


def _same(reason: str, *names: str) -> dict[str, str]:
    return dict.fromkeys(names, reason)


EXCLUDED: dict[str, dict[str, str]] = {
    "nd": {
        **_same(_DLPACK, "from_dlpack", "to_dlpack_for_read", "to_dlpack_for_write"),
        **_same(
            _FUSED,
            "multi_lars",
            "multi_sum_sq",
            "multi_sgd_update",
            "multi_sgd_mom_update",
            "multi_mp_sgd_update",
            "multi_mp_sgd_mom_update",
            "preloaded_multi_sgd_update",
            "preloaded_multi_sgd_mom_update",
            "preloaded_multi_mp_sgd_update",
            "preloaded_multi_mp_sgd_mom_update",
        ),
    },
    "nd.contrib": {
        **_same(
            _QUANT,
            "quantize",
            "quantize_asym",
            "quantize_v2",
            "dequantize",
            "requantize",
            "calibrate_entropy",
            "quantized_act",
            "quantized_batch_norm",
            "quantized_concat",
            "quantized_conv",
            "quantized_elemwise_add",
            "quantized_elemwise_mul",
            "quantized_embedding",
            "quantized_flatten",
            "quantized_fully_connected",
            "quantized_pooling",
            "quantized_rnn",
        ),
        **_same(
            _DGL,
            "dgl_adjacency",
            "dgl_csr_neighbor_non_uniform_sample",
            "dgl_csr_neighbor_uniform_sample",
            "dgl_graph_compact",
            "dgl_subgraph",
            "edge_id",
        ),
        "getnnz": _SPARSE + " (getnnz counts the stored values of a CSR matrix)",
        **_same(
            _FUSED,
            "multi_adamw_update",
            "multi_mp_adamw_update",
            "multi_lamb_update",
            "multi_mp_lamb_update",
        ),
    },
    "nd.linalg": {},
    "nd.random": {},
}

_HELPER = "Python-level NDArray helper; MXNet's sym has no such name"
ND_ONLY: dict[str, dict[str, str]] = {
    "nd": _same(
        _HELPER,
        "add", "array", "concatenate", "divide", "empty", "equal", "from_dlpack", "from_numpy",
        "get_indexing_dispatch_code", "get_oshape_of_gather_nd_op", "greater", "greater_equal",
        "imdecode", "indexing_key_expand_implicit_axes", "lesser", "lesser_equal",
        "load_frombuffer", "logical_and", "logical_or", "logical_xor", "modulo", "moveaxis",
        "multiply", "not_equal", "onehot_encode", "save", "subtract", "to_dlpack_for_read",
        "to_dlpack_for_write", "true_divide", "waitall",
    ),
    "nd.contrib": _same(_HELPER, "current_context", "isfinite", "isinf", "isnan"),
    "nd.linalg": {},
    "nd.random": _same(_HELPER, "current_context"),
}


def excluded_reason(namespace: str, name: str) -> str | None:
    """Why ``namespace.name`` (e.g. ``"nd.contrib"``, ``"quantize"``) is left out, or None."""
    return EXCLUDED.get(namespace, {}).get(name) or NP_EXCLUDED.get(namespace, {}).get(name)


# NOTE: MXNet 1.9.1 binds these to NumPy's, which removed them in NumPy 1.20 (NEP 32): under the
# NumPy MXNet 1.9.1 ships with, calling them raises, pointing to the numpy_financial package.
_NEP32 = "removed from NumPy 1.20 (NEP 32); MXNet 1.9.1 with NumPy >= 1.20 raises on every call"
# ``np``, ``np.random`` and ``np.linalg`` names hybrid leaves out, and why
# (``tests/numpy/test_np_names.py`` reads it).
NP_EXCLUDED: dict[str, dict[str, str]] = {
    "np": _same(_NEP32, "mirr", "npv", "ppmt", "pv", "rate"),
    "np.random": {},
    "np.linalg": {},
}
