"""Image classification networks of MXNet 1.9.1's ``gluon.model_zoo.vision``.

AlexNet, DenseNet, Inception v3, ResNet V1 and V2, SqueezeNet, VGG, MobileNet and MobileNetV2,
with MXNet's child structure and parameter names, so a ``.params`` file MXNet wrote for the same
network loads with ``load_parameters``. Constructors build random weights (initialize them with
``net.initialize()``); ``pretrained=True`` loads MXNet's published file from ``root`` when it is
there (hybrid downloads nothing, see :func:`~hybrid.gluon.model_zoo.model_store.get_model_file`).
Pretrained networks expect RGB images in [0, 1] normalized with mean ``(0.485, 0.456, 0.406)`` and
std ``(0.229, 0.224, 0.225)``, at least 224x224 (299x299 for Inception v3).

Examples
--------
>>> import hybrid as mx
>>> from hybrid.gluon.model_zoo import vision
>>> with mx.name.NameManager():  # fresh counters: the first ResNet V1 is resnetv10_
...     net = vision.get_model('resnet18_v1', classes=10)
>>> net.features[0].weight.name
'resnetv10_conv0_weight'
"""

from __future__ import annotations

from typing import Any

from ...block import HybridBlock
from .alexnet import AlexNet, alexnet
from .densenet import DenseNet, densenet121, densenet161, densenet169, densenet201
from .inception import Inception3, inception_v3
from .mobilenet import (
    MobileNet,
    MobileNetV2,
    get_mobilenet,
    get_mobilenet_v2,
    mobilenet0_5,
    mobilenet0_25,
    mobilenet0_75,
    mobilenet1_0,
    mobilenet_v2_0_5,
    mobilenet_v2_0_25,
    mobilenet_v2_0_75,
    mobilenet_v2_1_0,
)
from .resnet import (
    BasicBlockV1,
    BasicBlockV2,
    BottleneckV1,
    BottleneckV2,
    ResNetV1,
    ResNetV2,
    get_resnet,
    resnet18_v1,
    resnet18_v2,
    resnet34_v1,
    resnet34_v2,
    resnet50_v1,
    resnet50_v2,
    resnet101_v1,
    resnet101_v2,
    resnet152_v1,
    resnet152_v2,
)
from .squeezenet import SqueezeNet, squeezenet1_0, squeezenet1_1
from .vgg import (
    VGG,
    get_vgg,
    vgg11,
    vgg11_bn,
    vgg13,
    vgg13_bn,
    vgg16,
    vgg16_bn,
    vgg19,
    vgg19_bn,
)

# get_model's names, MXNet's spellings ('squeezenet1.0', 'mobilenetv2_0.5', ...).
_models = {
    "resnet18_v1": resnet18_v1,
    "resnet34_v1": resnet34_v1,
    "resnet50_v1": resnet50_v1,
    "resnet101_v1": resnet101_v1,
    "resnet152_v1": resnet152_v1,
    "resnet18_v2": resnet18_v2,
    "resnet34_v2": resnet34_v2,
    "resnet50_v2": resnet50_v2,
    "resnet101_v2": resnet101_v2,
    "resnet152_v2": resnet152_v2,
    "vgg11": vgg11,
    "vgg13": vgg13,
    "vgg16": vgg16,
    "vgg19": vgg19,
    "vgg11_bn": vgg11_bn,
    "vgg13_bn": vgg13_bn,
    "vgg16_bn": vgg16_bn,
    "vgg19_bn": vgg19_bn,
    "alexnet": alexnet,
    "densenet121": densenet121,
    "densenet161": densenet161,
    "densenet169": densenet169,
    "densenet201": densenet201,
    "squeezenet1.0": squeezenet1_0,
    "squeezenet1.1": squeezenet1_1,
    "inceptionv3": inception_v3,
    "mobilenet1.0": mobilenet1_0,
    "mobilenet0.75": mobilenet0_75,
    "mobilenet0.5": mobilenet0_5,
    "mobilenet0.25": mobilenet0_25,
    "mobilenetv2_1.0": mobilenet_v2_1_0,
    "mobilenetv2_0.75": mobilenet_v2_0_75,
    "mobilenetv2_0.5": mobilenet_v2_0_5,
    "mobilenetv2_0.25": mobilenet_v2_0_25,
}

__all__ = [
    "get_model",
    "AlexNet",
    "DenseNet",
    "Inception3",
    "MobileNet",
    "MobileNetV2",
    "ResNetV1",
    "ResNetV2",
    "BasicBlockV1",
    "BasicBlockV2",
    "BottleneckV1",
    "BottleneckV2",
    "SqueezeNet",
    "VGG",
    "get_mobilenet",
    "get_mobilenet_v2",
    "get_resnet",
    "get_vgg",
    *[f.__name__ for f in _models.values()],
]


def get_model(name: str, **kwargs: Any) -> HybridBlock:
    """A model-zoo network by name.

    Parameters
    ----------
    name : str
        The model's name, case-insensitive: ``'resnet18_v1'`` ... ``'resnet152_v2'``,
        ``'vgg11'`` ... ``'vgg19_bn'``, ``'alexnet'``, ``'densenet121'`` ... ``'densenet201'``,
        ``'squeezenet1.0'``, ``'squeezenet1.1'``, ``'inceptionv3'``, ``'mobilenet1.0'`` ...
        ``'mobilenet0.25'``, ``'mobilenetv2_1.0'`` ... ``'mobilenetv2_0.25'``.
    **kwargs
        Passed to the constructor: ``pretrained``, ``classes``, ``ctx``, ``root``, ...

    Raises
    ------
    ValueError
        An unknown name; the message lists the valid ones.
    """
    key = name.lower()
    if key not in _models:
        options = "\n\t".join(sorted(_models))
        raise ValueError(f"Model {name} is not supported. Available options are\n\t{options}")
    return _models[key](**kwargs)
