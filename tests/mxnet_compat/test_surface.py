"""MXNet 1.9.1's module surface: re-exports, base, context, attribute, registry, util, engine,
library, runtime features, autograd's star import, gluon.utils.download."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest

import hybrid as mx
from hybrid import base, engine, features, gluon, library, registry, util
from hybrid.attribute import AttrScope
from hybrid.gluon import nn
from hybrid.gluon.utils import NoNetworkError

# Public names of MXNet 1.9.1's gluon.nn and gluon (from its own package listing).
MXNET_NN = {
    "Activation", "AvgPool1D", "AvgPool2D", "AvgPool3D", "BatchNorm", "BatchNormReLU", "Block",
    "Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
    "Dense", "Dropout", "ELU", "Embedding", "Flatten", "GELU", "GlobalAvgPool1D",
    "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
    "GroupNorm", "HybridBlock", "HybridLambda", "HybridSequential", "InstanceNorm", "Lambda",
    "LayerNorm", "LeakyReLU", "MaxPool1D", "MaxPool2D", "MaxPool3D", "PReLU", "ReflectionPad2D",
    "SELU", "Sequential", "Swish", "SymbolBlock",
}
MXNET_GLUON = {
    "Block", "Constant", "DeferredInitializationError", "HybridBlock", "Parameter",
    "ParameterDict", "SymbolBlock", "Trainer", "contrib", "data", "loss", "model_zoo", "nn",
    "rnn", "tensor_types", "utils",
}
# ``from mxnet.autograd import *`` in MXNet 1.9.1, less the ctypes and C-API handle names that
# only its C binding uses (hybrid has no C library), and ``get_symbol``, which the semantic
# part of the drop-in work adds.
MXNET_AUTOGRAD_STAR = {
    "Function", "NDArray", "Symbol", "array", "backward", "grad", "is_recording", "is_training",
    "mark_variables", "pause", "predict_mode", "record", "set_recording", "set_training",
    "string_types", "train_mode",
}


def test_gluon_and_nn_have_every_mxnet_name():
    assert MXNET_NN <= set(dir(nn)) and MXNET_GLUON <= set(dir(gluon))
    assert nn.HybridBlock is gluon.HybridBlock and nn.SymbolBlock is gluon.SymbolBlock
    assert gluon.tensor_types == (mx.sym.Symbol, mx.nd.NDArray)
    assert gluon.contrib.nn.HybridConcurrent is nn.HybridConcurrent


def test_autograd_star_import_gives_mxnet_names():
    namespace: dict = {}
    exec("from hybrid.autograd import *", namespace)
    assert MXNET_AUTOGRAD_STAR <= set(namespace)
    assert namespace["NDArray"] is mx.nd.NDArray and namespace["array"] is mx.nd.array


def test_batchnorm_relu_is_relu_of_batchnorm():
    x = mx.nd.array(np.random.default_rng(0).normal(size=(4, 3, 2)))
    fused, plain = nn.BatchNormReLU(in_channels=3), nn.BatchNorm(in_channels=3)
    for layer in (fused, plain):
        layer.initialize(mx.init.Uniform())
    plain.gamma.set_data(fused.gamma.data())
    plain.beta.set_data(fused.beta.data())
    with mx.autograd.record():
        got = fused(x)
        want = plain(x)
    np.testing.assert_allclose(got.asnumpy(), np.maximum(want.asnumpy(), 0), rtol=1e-6)
    assert fused.name.startswith("batchnormrelu")


def test_base_helpers():
    assert base._as_list(1) == [1] and base._as_list((1, 2)) == [1, 2]
    lst = [3]
    assert base._as_list(lst) is lst
    assert repr(base._Null) == "_Null"
    assert base.py_str(b"caf\xc3\xa9") == "café"
    assert isinstance(np.int64(3), base.integer_types) and isinstance(2.5, base.numeric_types)

    class WithProp:
        @base.classproperty
        def kind(cls):
            return cls.__name__

    assert WithProp.kind == "WithProp"
    meta = type("Meta", (type,), {})
    assert type(base.with_metaclass(meta, object)) is meta
    err = base.NotImplementedForSymbol(np.sum, None)
    assert isinstance(err, mx.MXNetError) and "sum" in str(err) and "Symbol" in str(err)


def test_context_surface():
    assert mx.context.Context.default_ctx == mx.cpu() and mx.context.num_gpus() == 0
    assert mx.cpu(0).device_typeid == 1 and mx.gpu(1).device_typeid == 2
    with mx.cpu(3):
        assert mx.context.Context.default_ctx == mx.cpu(3)
    with pytest.raises(mx.HybridError, match="no GPU"):
        mx.context.gpu_memory_info(0)


def test_attr_scope_attaches_attributes_to_variables():
    with AttrScope(group="a", lr="1"):
        with mx.AttrScope(lr="2"):
            v = mx.sym.var("v", attr={"extra": "x"})
        w = mx.sym.var("w")
    u = mx.sym.var("u")
    assert v.list_attr() == {"group": "a", "lr": "2", "extra": "x"}
    assert w.list_attr() == {"group": "a", "lr": "1"} and u.list_attr() == {}
    with pytest.raises(mx.HybridError, match="string"):
        AttrScope(lr=1)


def test_registry_helpers_share_the_family_table():
    create = registry.get_create_func(mx.init.Initializer, "initializer")
    assert isinstance(create("xavier"), mx.init.Xavier)
    assert create('["uniform", {"scale": 0.25}]').scale == 0.25
    same = mx.init.Zero()
    assert create(same) is same

    class Base:
        pass

    register = registry.get_register_func(Base, "thing")
    alias = registry.get_alias_func(Base, "thing")

    @alias("other")
    class Thing(Base):
        def __init__(self, size=1):
            self.size = size

    register(Thing)
    make = registry.get_create_func(Base, "thing")
    assert make("THING").size == 1 and make("other", size=3).size == 3
    assert make({"thing": "thing", "size": 5}).size == 5
    assert set(registry.get_registry(Base)) == {"thing", "other"}
    with pytest.raises(mx.HybridError, match="not a Base subclass"):
        register(int)
    with pytest.raises(mx.HybridError, match="unknown"):
        make("missing")


def test_util_engine_library():
    with util.np_shape(True):
        assert util.is_np_shape()
    assert not util.is_np_shape() and not mx.is_np_array()

    @util.use_np_shape
    def inside():
        return util.is_np_shape()

    assert inside() and not util.is_np_shape()
    util.setenv("HYBRID_TEST_VAR", "1")
    assert util.getenv("HYBRID_TEST_VAR") == "1"
    util.setenv("HYBRID_TEST_VAR", None)
    assert util.getenv("HYBRID_TEST_VAR") is None
    assert util.get_gpu_count() == 0
    before = engine.set_bulk_size(7)
    with engine.bulk(30):
        assert engine.set_bulk_size(30) == 30
    assert engine.set_bulk_size(before) == 7
    with pytest.raises(mx.HybridError, match="C\\+\\+ extension.*CustomOp"):
        library.load("/tmp/libcustom.so")


def test_runtime_features_use_mxnet_names():
    feats = features.Features()
    assert feats is features.Features()
    names = [f.name for f in features.feature_list()]
    assert names[:5] == ["CUDA", "CUDNN", "NCCL", "CUDA_RTC", "TENSORRT"] and len(names) == 32
    assert not feats.is_enabled("cuda") and feats.is_enabled("BLAS_OPEN")
    assert feats.is_enabled("PROFILER")
    with pytest.raises(RuntimeError, match="unknown"):
        feats.is_enabled("WARP_DRIVE")
    assert "✖ CUDA" in repr(feats)


def test_gluon_download_never_fetches(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = "https://example.invalid/models/net-abc.params"
    with pytest.raises(NoNetworkError) as info:
        gluon.utils.download(url, path=str(tmp_path / "models") + "/")
    message = str(info.value)
    assert url in message and str(tmp_path / "models" / "net-abc.params") in message
    (tmp_path / "net-abc.params").write_bytes(b"weights")
    assert gluon.utils.download(url) == str(tmp_path / "net-abc.params")
    with pytest.raises(NoNetworkError, match="SHA-1"):
        gluon.utils.download(url, sha1_hash="0" * 40)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(OSError):
            gluon.utils.download(url, overwrite=True)


def test_storage_type_codes_are_mxnets():
    from hybrid.ndarray.ndarray import _STORAGE_TYPE_ID_TO_STR, _STORAGE_TYPE_STR_TO_ID

    assert _STORAGE_TYPE_STR_TO_ID == {"_undefined": -1, "default": 0, "row_sparse": 1, "csr": 2}
    assert _STORAGE_TYPE_ID_TO_STR[0] == "default"


def test_runtime_features_reached_as_hybrid_runtime():
    """MXNet's ``mx.runtime.Features`` also under ``import hybrid as mx`` (hybrid.runtime is the
    serving package; the feature names resolve lazily to hybrid.features).
    """
    runtime = importlib.import_module("hybrid.runtime")
    assert runtime.Features is features.Features
    assert runtime.feature_list is features.feature_list
    with pytest.raises(AttributeError, match="no attribute 'Featurez'"):
        runtime.Featurez  # noqa: B018
