"""gluon.model_zoo.vision: every MXNet 1.9.1 constructor builds with MXNet's parameter names and
counts, the cheap networks run (eager equals hybridized), and pretrained files are found in
``root`` (MXNet's binary ``.params`` files included) without downloading anything.

Parameter counts and output shapes come from shape inference on Symbols (no forward and no
allocation), so even VGG-19 costs milliseconds.
"""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid.base import HybridError
from hybrid.gluon.model_zoo import model_store, vision
from hybrid.graph.ir import Graph
from tests.test_mxnet_files import _array_record, _file

# MXNet 1.9.1's gluon.model_zoo.vision.__all__.
MXNET_NAMES = """
AlexNet alexnet DenseNet densenet121 densenet161 densenet169 densenet201 Inception3 inception_v3
ResNetV1 ResNetV2 BasicBlockV1 BasicBlockV2 BottleneckV1 BottleneckV2 resnet18_v1 resnet34_v1
resnet50_v1 resnet101_v1 resnet152_v1 resnet18_v2 resnet34_v2 resnet50_v2 resnet101_v2
resnet152_v2 get_resnet SqueezeNet squeezenet1_0 squeezenet1_1 VGG vgg11 vgg13 vgg16 vgg19
vgg11_bn vgg13_bn vgg16_bn vgg19_bn get_vgg MobileNet MobileNetV2 mobilenet1_0 mobilenet_v2_1_0
mobilenet0_75 mobilenet_v2_0_75 mobilenet0_5 mobilenet_v2_0_5 mobilenet0_25 mobilenet_v2_0_25
get_mobilenet get_mobilenet_v2 get_model
""".split()

GET_MODEL_NAMES = sorted(vision._models)

# Totals of MXNet's networks with classes=1000 (running statistics included).
MXNET_PARAM_COUNTS = {
    "resnet18_v1": 11_699_112,
    "resnet50_v1": 25_629_032,
    "mobilenet1.0": 4_253_864,
    "mobilenetv2_1.0": 3_539_136,
    "vgg16": 138_357_544,
    "alexnet": 61_100_840,
    "squeezenet1.0": 1_248_424,
    "densenet121": 8_062_504,
}


def _input_size(name: str) -> int:
    return 299 if name == "inceptionv3" else 224


def _inferred(net, size: int) -> tuple[dict[str, tuple], tuple]:
    """({parameter name: shape}, output shape) by shape inference on a Symbol input."""
    out = net(mx.sym.var("data", shape=(1, 3, size, size)))
    graph = Graph.from_outputs(list(out._outputs))
    shapes = {v.name: tuple(v.shape) for v in graph.inputs}
    return {k: shapes[k] for k in net.collect_params().keys()}, tuple(graph.outputs[0].shape)


def test_vision_exports_every_mxnet_name():
    missing = [n for n in MXNET_NAMES if not hasattr(vision, n)]
    assert missing == []
    assert set(MXNET_NAMES) <= set(vision.__all__)
    assert len(GET_MODEL_NAMES) == 34


@pytest.mark.parametrize("name", GET_MODEL_NAMES)
def test_every_model_builds_and_infers_its_shapes(name):
    net = vision.get_model(name, classes=7)
    shapes, out_shape = _inferred(net, _input_size(name))
    assert out_shape == (1, 7)
    assert all(0 not in s for s in shapes.values())
    # Building and inferring allocates nothing: parameters wait for initialize().
    assert all(p._data is None for p in net.collect_params().values())


@pytest.mark.parametrize("name, total", sorted(MXNET_PARAM_COUNTS.items()))
def test_parameter_counts_equal_mxnet(name, total):
    shapes, _ = _inferred(vision.get_model(name), _input_size(name))
    assert sum(int(np.prod(s)) for s in shapes.values()) == total


# Names MXNet 1.9.1 gives (with each network's first automatic prefix stripped).
MXNET_PARAM_NAMES = {
    "resnet18_v1": [
        "conv0_weight", "batchnorm0_gamma", "stage1_conv0_weight", "stage1_batchnorm0_running_var",
        "stage2_conv2_weight", "stage4_batchnorm4_beta", "dense0_weight", "dense0_bias",
    ],
    "resnet50_v1": ["stage1_conv0_bias", "stage1_conv3_weight", "stage4_batchnorm9_gamma"],
    "resnet18_v2": [
        "batchnorm0_gamma", "conv0_weight", "stage1_batchnorm0_beta", "stage2_conv2_weight",
        "batchnorm2_running_mean", "dense0_weight",
    ],
    "mobilenet1.0": ["conv0_weight", "batchnorm26_running_var", "conv26_weight", "dense0_bias"],
    "mobilenetv2_1.0": [
        "features_conv0_weight", "features_linearbottleneck0_conv0_weight",
        "features_linearbottleneck16_batchnorm2_gamma", "features_conv1_weight",
        "output_pred_weight",
    ],
    "vgg16_bn": ["conv12_weight", "batchnorm12_running_mean", "dense2_weight", "dense2_bias"],
    "alexnet": ["conv4_bias", "dense2_weight"],
    "squeezenet1.0": ["conv0_weight", "conv25_weight", "conv25_bias"],
    "densenet121": [
        "conv0_weight", "stage1_batchnorm0_gamma", "stage4_conv31_weight", "conv1_weight",
        "batchnorm4_beta", "dense0_weight",
    ],
    "inceptionv3": ["conv0_weight", "A1_conv0_weight", "E2_batchnorm8_running_var", "dense0_bias"],
}


@pytest.mark.parametrize("name", sorted(MXNET_PARAM_NAMES))
def test_parameter_names_follow_mxnet(name):
    net = vision.get_model(name)
    names = list(net.collect_params().keys())
    assert all(n.startswith(net.prefix) for n in names)
    stripped = {n[len(net.prefix):] for n in names}
    assert set(MXNET_PARAM_NAMES[name]) <= stripped
    assert len(stripped) == len(names)


def test_top_level_prefix_counts_like_mxnet():
    with mx.gluon.block.NameManager():
        first, second = vision.resnet18_v1(), vision.resnet18_v1()
        v2 = vision.mobilenet_v2_0_25()
    assert (first.prefix, second.prefix, v2.prefix) == ("resnetv10_", "resnetv11_", "mobilenetv20_")
    assert first.features[0].weight.name == "resnetv10_conv0_weight"


def _initialized(net):
    """He-initialized weights, so activations keep their scale through deep stacks."""
    net.initialize(mx.init.Xavier(rnd_type="gaussian", factor_type="in", magnitude=2))
    return net


# (get_model name, constructor kwargs, input size): the networks cheap to run at small inputs.
CHEAP = [
    ("resnet18_v1", {"thumbnail": True}, 32),
    ("resnet18_v1", {}, 64),
    ("resnet18_v2", {}, 64),
    ("resnet50_v1", {}, 32),
    ("mobilenet0.25", {}, 64),
    ("mobilenetv2_0.25", {}, 64),
    ("squeezenet1.1", {}, 224),
    ("densenet121", {}, 224),
]


@pytest.mark.parametrize("name, kwargs, size", CHEAP, ids=[f"{c[0]}-{c[2]}" for c in CHEAP])
def test_cheap_models_run_and_hybridize(name, kwargs, size):
    rng = np.random.default_rng(0)
    net = _initialized(vision.get_model(name, classes=10, **kwargs))
    x = mx.nd.array(rng.normal(size=(2, 3, size, size)).astype(np.float32))
    eager = net(x).asnumpy()
    assert eager.shape == (2, 10)
    assert np.isfinite(eager).all() and eager.std() > 0
    net.hybridize()
    # The hybridized graph fuses ops, so float32 rounding differs: compare at the output's scale.
    scale = np.abs(eager).max()
    np.testing.assert_allclose(net(x).asnumpy(), eager, rtol=1e-4, atol=1e-5 * scale)


def test_get_model_is_case_insensitive():
    assert isinstance(vision.get_model("ResNet18_V2"), vision.ResNetV2)
    assert isinstance(mx.gluon.model_zoo.get_model("mobilenetv2_0.5"), vision.MobileNetV2)


def test_get_model_with_a_bad_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="resnet19_v1 is not supported") as err:
        vision.get_model("resnet19_v1")
    for name in ("resnet18_v1", "squeezenet1.0", "mobilenetv2_0.25", "vgg19_bn", "inceptionv3"):
        assert f"\t{name}\n" in err.value.args[0] + "\n"


def test_bad_depths_and_versions_are_refused():
    with pytest.raises(ValueError, match="Invalid number of layers: 20"):
        vision.get_resnet(1, 20)
    with pytest.raises(ValueError, match="Invalid resnet version: 3"):
        vision.get_resnet(3, 18)
    with pytest.raises(ValueError, match="Options are"):
        vision.get_vgg(12)
    with pytest.raises(ValueError, match="1.0 or 1.1 expected"):
        vision.SqueezeNet("1.2")


@pytest.mark.parametrize(
    "build, file_name",
    [
        (vision.mobilenet0_5, "mobilenet0.5-8e9d539c.params"),
        (vision.mobilenet_v2_1_0, "mobilenetv2_1.0-36da4ff1.params"),
        (vision.vgg16_bn, "vgg16_bn-7f01cf05.params"),
        (vision.resnet152_v2, "resnet152_v2-f2695542.params"),
        (vision.squeezenet1_1, "squeezenet1.1-33ba0f93.params"),
    ],
)
def test_pretrained_without_a_file_names_it_and_downloads_nothing(tmp_path, build, file_name):
    with pytest.raises(HybridError, match="downloads nothing") as err:
        build(pretrained=True, root=str(tmp_path))
    assert file_name in str(err.value) and str(tmp_path) in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_default_root_is_mxnet_home_models(tmp_path, monkeypatch):
    monkeypatch.setenv("MXNET_HOME", str(tmp_path))
    with pytest.raises(HybridError, match="alexnet-44335d1f.params") as err:
        model_store.get_model_file("alexnet")
    assert str(tmp_path / "models") in str(err.value)


def _write_mxnet_params(path, arrays: dict[str, np.ndarray]) -> None:
    """A ``.params`` file in MXNet's binary NDArray-list format (float32 records)."""
    records = [_array_record(a.astype(np.float32), flag=0) for a in arrays.values()]
    path.write_bytes(_file(records, list(arrays)))


def _random_arrays(shapes: dict[str, tuple], seed: int) -> dict[str, np.ndarray]:
    """Small random values; running variances positive."""
    rng = np.random.default_rng(seed)
    return {
        k: (rng.uniform(0.5, 1.5, s) if k.endswith("running_var") else rng.normal(0, 0.05, s))
        .astype(np.float32)
        for k, s in shapes.items()
    }


def test_pretrained_loads_an_mxnet_file_with_full_parameter_names(tmp_path):
    # MXNet's published files name parameters as collect_params() does, minus the network's
    # prefix ('conv0_weight'): they load only if every layer's name matches MXNet's.
    template = vision.squeezenet1_1()
    shapes, _ = _inferred(template, 224)
    arrays = _random_arrays({k[len(template.prefix):]: s for k, s in shapes.items()}, seed=1)
    assert "conv25_weight" in arrays
    _write_mxnet_params(tmp_path / "squeezenet1.1-0a1b2c3d.params", arrays)
    net = vision.get_model("squeezenet1.1", pretrained=True, root=str(tmp_path))
    for name, param in net.collect_params().items():
        np.testing.assert_array_equal(param.data().asnumpy(), arrays[name[len(net.prefix):]])
    x = mx.nd.array(np.random.default_rng(2).normal(size=(1, 3, 224, 224)).astype(np.float32))
    y = net(x).asnumpy()
    assert y.shape == (1, 1000) and np.isfinite(y).all()


def test_pretrained_loads_an_mxnet_save_parameters_file(tmp_path):
    # MXNet's save_parameters names parameters by structure ('features.0.weight').
    template = vision.mobilenet0_25(classes=5)
    shapes, _ = _inferred(template, 224)
    structural = {k: p.name for k, p in template._collect_params_with_prefix().items()}
    assert "features.0.weight" in structural and "output.bias" in structural
    arrays = _random_arrays({k: shapes[full] for k, full in structural.items()}, seed=3)
    _write_mxnet_params(tmp_path / "mobilenet0.25-finetuned.params", arrays)
    net = vision.mobilenet0_25(classes=5, pretrained=True, root=str(tmp_path))
    for key, param in net._collect_params_with_prefix().items():
        np.testing.assert_array_equal(param.data().asnumpy(), arrays[key])


def test_an_mxnet_file_name_with_other_contents_is_refused(tmp_path):
    (tmp_path / "alexnet-44335d1f.params").write_bytes(b"truncated download")
    with pytest.raises(HybridError, match="SHA-1"):
        vision.alexnet(pretrained=True, root=str(tmp_path))
