"""``mx.npx``: every MXNet 1.9.1 name, the ops behind them (np.ndarray in and out, MXNet's
argument names), the numpy-extension reshape codes, and the errors for arrays of the wrong mode.
"""

from __future__ import annotations

import inspect
import json
import pathlib

import numpy as onp
import pytest

import hybrid as mx
from hybrid import autograd, np, npx
from hybrid.base import ArrayKindError
from hybrid.ops.registry import REGISTRY

NAMES = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "mxnet_1.9.1_api_names.json").read_text()
)["npx"]


@pytest.mark.parametrize("name", NAMES)
def test_every_mxnet_npx_name_is_present(name):
    assert callable(getattr(npx, name, None)), name


def test_op_functions_name_npx_ops_with_mxnet_arguments():
    assert len(npx._OPS) == 39
    for public in npx._OPS:
        op = REGISTRY[f"_npx_{public}"]
        assert getattr(npx, public).__name__ == public
        params = list(inspect.signature(getattr(npx, public)).parameters)
        assert params[: len(op.inputs)] == list(op.inputs), public
    assert list(inspect.signature(npx.reshape).parameters)[:4] == [
        "a", "newshape", "reverse", "order"]
    assert REGISTRY["_npx_fully_connected"] is REGISTRY["FullyConnected"]
    assert REGISTRY["_npx_relu"] is REGISTRY["relu"]


def test_mxnet_numpy_extension_module_alias():
    import importlib
    import sys

    import hybrid.mxnet as drop_in

    drop_in.install()
    try:
        assert importlib.import_module("mxnet.numpy_extension") is npx
        assert importlib.import_module("mxnet.npx") is npx
        assert importlib.import_module("mxnet").numpy_extension is npx
    finally:
        for name in [n for n in sys.modules if n == "mxnet" or n.startswith("mxnet.")]:
            del sys.modules[name]
        drop_in.uninstall()
    assert mx.nd.npx is npx and mx.sym.np is np and mx.nd.numpy_extension is npx


def test_nn_ops_return_np_arrays_with_numpy_values():
    rng = onp.random.default_rng(0)
    x = rng.normal(size=(3, 5)).astype(onp.float32)
    a = np.array(x)
    out = npx.relu(a)
    assert isinstance(out, np.ndarray)
    onp.testing.assert_allclose(out.asnumpy(), onp.maximum(x, 0))
    onp.testing.assert_allclose(npx.sigmoid(a).asnumpy(), 1 / (1 + onp.exp(-x)), rtol=1e-6)
    e = onp.exp(x - x.max(axis=-1, keepdims=True))
    onp.testing.assert_allclose(npx.softmax(a).asnumpy(), e / e.sum(-1, keepdims=True),
                                rtol=1e-5)
    onp.testing.assert_allclose(npx.log_softmax(a, axis=0).asnumpy(),
                                x - onp.log(onp.exp(x).sum(0, keepdims=True)), rtol=1e-5)
    w = rng.normal(size=(4, 5)).astype(onp.float32)
    fc = npx.fully_connected(a, np.array(w), None, num_hidden=4, no_bias=True)
    onp.testing.assert_allclose(fc.asnumpy(), x @ w.T, rtol=1e-5)
    idx = np.array([0, 4, 2], dtype="int32")
    onp.testing.assert_allclose(npx.pick(a, idx).asnumpy(), x[[0, 1, 2], [0, 4, 2]])
    onp.testing.assert_allclose(npx.one_hot(idx, 5).asnumpy(), onp.eye(5)[[0, 4, 2]])
    top = npx.topk(a, k=2, ret_typ="value")
    onp.testing.assert_allclose(top.asnumpy(), -onp.sort(-x, axis=-1)[:, :2])
    lhs, rhs = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 5))
    onp.testing.assert_allclose(npx.batch_dot(np.array(lhs), np.array(rhs)).asnumpy(),
                                (lhs @ rhs).astype(onp.float32), rtol=1e-5)
    seq = np.array(onp.ones((4, 2, 3), onp.float32))
    masked = npx.sequence_mask(seq, np.array([1, 3]), use_sequence_length=True, value=-1)
    assert masked.asnumpy()[1:, 0].min() == -1 and masked.asnumpy()[:3, 1].min() == 1


def test_nonzero_and_constraint_check():
    x = onp.array([[0, 2, 0], [1, 0, 3]], onp.float32)
    nz = npx.nonzero(np.array(x))
    assert nz.dtype == onp.int64
    onp.testing.assert_array_equal(nz.asnumpy(), onp.argwhere(x))
    ok = npx.constraint_check(np.array(x) >= 0, "non-negative")
    assert ok.shape == () and bool(ok)
    with pytest.raises(ValueError, match="must be positive"):
        npx.constraint_check(np.array(x) > 0, "must be positive")


# (input shape, newshape, reverse) -> the shape real MXNet 1.9.1's npx.reshape gives.
RESHAPES = [
    ((2, 3, 4), (-2, -1), False, (2, 12)),
    ((2, 3, 4), (-5, -4), False, (6, 4)),
    ((2, 3, 4), (-2, -6, 3, -1, 2, 2), False, (2, 3, 1, 2, 2)),
    ((10, 5, 4), (-1, -2), True, (50, 4)),
    ((6, 3), (-6, -1, 2, -4), False, (3, 2, 3)),
    ((2, 1, 4), (-2, -3, 4), False, (2, 4)),
    ((2, 1, 4), (-3, -1), True, (8,)),
    ((3, 4, 5), (-4,), False, (3, 4, 5)),
]


@pytest.mark.parametrize("shape,newshape,reverse,expected", RESHAPES)
def test_reshape_codes_match_mxnet(shape, newshape, reverse, expected):
    x = onp.arange(onp.prod(shape), dtype=onp.float32).reshape(shape)
    out = npx.reshape(np.array(x), newshape, reverse=reverse)
    assert out.shape == expected
    onp.testing.assert_array_equal(out.asnumpy().ravel(), x.ravel())


@pytest.mark.parametrize("shape,newshape", [((3, 4, 5), (0, -1)), ((2, 3), (-3, -1)),
                                            ((2, 3), (4, -1)), ((2, 3), (-1, -1))])
def test_reshape_rejects_what_mxnet_rejects(shape, newshape):
    with pytest.raises(mx.HybridError, match="_npx_reshape"):
        npx.reshape(np.zeros(shape), newshape)


def test_reshape_gradient_and_tracing():
    x = np.array(onp.arange(6, dtype=onp.float32).reshape(2, 3))
    x.attach_grad()
    with autograd.record():
        y = npx.reshape(x, (-5,)) * np.array(onp.arange(6, dtype=onp.float32))
    y.backward()
    onp.testing.assert_array_equal(x.grad.asnumpy(), onp.arange(6).reshape(2, 3))
    s = npx.reshape(mx.sym.var("a"), (-2, -6, 1, -1))
    assert s.infer_shape(a=(4, 6))[1] == [(4, 1, 6)]


def test_legacy_arrays_get_mxnets_advice():
    with pytest.raises(ArrayKindError, match=r"npx\.relu.*npx\.set_np\(\).*as_np_ndarray"):
        npx.relu(mx.nd.ones((2,)))
    with pytest.raises(TypeError):
        npx.softmax(mx.nd.ones((2,)))


def test_save_and_load_need_numpy_mode(tmp_path):
    path = str(tmp_path / "arrays")
    with pytest.raises(ValueError, match="legacy mode"):
        npx.save(path, np.ones((2,)))
    npx.set_np()
    try:
        npx.save(path, {"a": np.arange(3), "b": np.ones((2, 2))})
        back = npx.load(path)
        assert isinstance(back["a"], np.ndarray)
        onp.testing.assert_array_equal(back["a"].asnumpy(), onp.arange(3))
        npx.save(path, np.ones((2,)))
        assert isinstance(npx.load(path), list)
        with pytest.raises(TypeError):
            npx.save(path, [mx.nd.ones((2,))])
    finally:
        npx.reset_np()
    with pytest.raises(ValueError, match="npx.set_np"):
        npx.load(path)


def test_context_and_mode_helpers():
    assert npx.cpu() == mx.cpu() and npx.num_gpus() == 0
    assert npx.current_context() == mx.cpu()
    with pytest.raises(ValueError, match="gpu context"):
        npx.get_cuda_compute_capability(mx.cpu())
    npx.check_call(0)
    with pytest.raises(mx.MXNetError):
        npx.check_call(-1)
    assert not npx.is_np_array()
    npx.set_np()
    try:
        assert npx.is_np_array() and npx.is_np_shape()
    finally:
        npx.reset_np()
    assert not npx.is_np_array() and not npx.is_np_shape()
