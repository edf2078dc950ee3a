"""ResNet V1 and V2 (``gluon.model_zoo.vision.resnet``), as MXNet 1.9.1's model zoo.

Child structure, prefixes and parameter names are MXNet's (``resnetv10_conv0_weight``,
``resnetv10_stage1_conv0_weight``, ...), so MXNet's ``.params`` files for these networks load.
V1 is "Deep Residual Learning for Image Recognition" (https://arxiv.org/abs/1512.03385), with the
stride on the block's first convolution; V2 is the pre-activation variant of "Identity Mappings
in Deep Residual Networks" (https://arxiv.org/abs/1603.05027). The residual blocks are in
``resnet_blocks.py``.
"""

from __future__ import annotations

from typing import Any

from ... import nn
from ...block import HybridBlock
from ..model_store import get_model_file
from .resnet_blocks import BasicBlockV1, BasicBlockV2, BottleneckV1, BottleneckV2, conv3x3

__all__ = [
    "ResNetV1",
    "ResNetV2",
    "BasicBlockV1",
    "BasicBlockV2",
    "BottleneckV1",
    "BottleneckV2",
    "resnet18_v1",
    "resnet34_v1",
    "resnet50_v1",
    "resnet101_v1",
    "resnet152_v1",
    "resnet18_v2",
    "resnet34_v2",
    "resnet50_v2",
    "resnet101_v2",
    "resnet152_v2",
    "get_resnet",
]


def _check_spec(layers: list, channels: list, who: str) -> None:
    if len(layers) != len(channels) - 1:
        raise ValueError(
            f"{who}: channels needs one entry more than layers, got {len(channels)} channels for "
            f"{len(layers)} layers"
        )


def _stage(block: type, layers: int, channels: int, stride: int, index: int, in_channels: int):
    """Stage ``index`` (prefix ``stage<index>_``): a first block that may stride and project,
    then ``layers - 1`` blocks at ``channels``.
    """
    stage = nn.HybridSequential(prefix=f"stage{index}_")
    with stage.name_scope():
        stage.add(
            block(channels, stride, channels != in_channels, in_channels=in_channels, prefix="")
        )
        for _ in range(layers - 1):
            stage.add(block(channels, 1, False, in_channels=channels, prefix=""))
    return stage


def _stem(features: nn.HybridSequential, channels: int, thumbnail: bool) -> None:
    """The input layers: a 3x3 convolution for small (thumbnail) images, else 7x7/2 convolution,
    BatchNorm, relu and 3x3/2 max pooling.
    """
    if thumbnail:
        features.add(conv3x3(channels, 1, 0))
        return
    features.add(nn.Conv2D(channels, 7, 2, 3, use_bias=False))
    features.add(nn.BatchNorm())
    features.add(nn.Activation("relu"))
    features.add(nn.MaxPool2D(3, 2, 1))


class ResNetV1(HybridBlock):
    """ResNet V1: stem, four stages of residual blocks, global average pooling, a Dense output.

    Parameters
    ----------
    block : type
        :class:`BasicBlockV1` or :class:`BottleneckV1`.
    layers : list of int
        Blocks per stage.
    channels : list of int
        Stem channels, then each stage's output channels (one more entry than ``layers``).
    classes : int, default 1000
        Number of classes of the output layer.
    thumbnail : bool, default False
        Use a single 3x3 convolution as the stem (for 32x32 images).

    Inputs: ``data`` ``(batch_size, 3, height, width)``. Outputs: ``(batch_size, classes)``.
    """

    def __init__(
        self, block: type, layers: list, channels: list, classes: int = 1000,
        thumbnail: bool = False, **kwargs: Any,
    ):
        super().__init__(**kwargs)
        _check_spec(layers, channels, type(self).__name__)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            _stem(self.features, channels[0], thumbnail)
            for i, num_layer in enumerate(layers):
                stride = 1 if i == 0 else 2
                self.features.add(
                    _stage(block, num_layer, channels[i + 1], stride, i + 1, channels[i])
                )
            self.features.add(nn.GlobalAvgPool2D())
            self.output = nn.Dense(classes, in_units=channels[-1])

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return self.output(self.features(x))


class ResNetV2(HybridBlock):
    """ResNet V2: input BatchNorm (no scale or shift), stem, four stages of pre-activation
    blocks, BatchNorm-relu, global average pooling, a Dense output.

    Parameters
    ----------
    block : type
        :class:`BasicBlockV2` or :class:`BottleneckV2`.
    layers : list of int
        Blocks per stage.
    channels : list of int
        Stem channels, then each stage's output channels (one more entry than ``layers``).
    classes : int, default 1000
        Number of classes of the output layer.
    thumbnail : bool, default False
        Use a single 3x3 convolution as the stem (for 32x32 images).

    Inputs: ``data`` ``(batch_size, 3, height, width)``. Outputs: ``(batch_size, classes)``.
    """

    def __init__(
        self, block: type, layers: list, channels: list, classes: int = 1000,
        thumbnail: bool = False, **kwargs: Any,
    ):
        super().__init__(**kwargs)
        _check_spec(layers, channels, type(self).__name__)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            self.features.add(nn.BatchNorm(scale=False, center=False))
            _stem(self.features, channels[0], thumbnail)
            in_channels = channels[0]
            for i, num_layer in enumerate(layers):
                stride = 1 if i == 0 else 2
                self.features.add(
                    _stage(block, num_layer, channels[i + 1], stride, i + 1, in_channels)
                )
                in_channels = channels[i + 1]
            self.features.add(nn.BatchNorm())
            self.features.add(nn.Activation("relu"))
            self.features.add(nn.GlobalAvgPool2D())
            self.features.add(nn.Flatten())
            self.output = nn.Dense(classes, in_units=in_channels)

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return self.output(self.features(x))


# depth -> (block kind, blocks per stage, stem + stage channels)
resnet_spec = {
    18: ("basic_block", [2, 2, 2, 2], [64, 64, 128, 256, 512]),
    34: ("basic_block", [3, 4, 6, 3], [64, 64, 128, 256, 512]),
    50: ("bottle_neck", [3, 4, 6, 3], [64, 256, 512, 1024, 2048]),
    101: ("bottle_neck", [3, 4, 23, 3], [64, 256, 512, 1024, 2048]),
    152: ("bottle_neck", [3, 8, 36, 3], [64, 256, 512, 1024, 2048]),
}
resnet_net_versions = [ResNetV1, ResNetV2]
resnet_block_versions = [
    {"basic_block": BasicBlockV1, "bottle_neck": BottleneckV1},
    {"basic_block": BasicBlockV2, "bottle_neck": BottleneckV2},
]


def get_resnet(
    version: int,
    num_layers: int,
    pretrained: bool = False,
    ctx: Any = None,
    root: str | None = None,
    **kwargs: Any,
) -> HybridBlock:
    """ResNet V1 or V2 of a given depth.

    Parameters
    ----------
    version : int
        1 or 2.
    num_layers : int
        18, 34, 50, 101 or 152.
    pretrained : bool, default False
        Load MXNet's pretrained parameters ``resnet<num_layers>_v<version>-*.params`` from
        ``root`` (nothing is downloaded; see :func:`~hybrid.gluon.model_zoo.model_store.
        get_model_file`).
    ctx : Context, default cpu()
        Where to load the pretrained parameters.
    root : str, default ``$MXNET_HOME/models``
        Folder holding pretrained parameter files.
    **kwargs
        Passed to :class:`ResNetV1` / :class:`ResNetV2` (``classes``, ``thumbnail``, ``prefix``).

    Examples
    --------
    >>> from hybrid.gluon.model_zoo import vision
    >>> net = vision.get_resnet(1, 18, classes=10, thumbnail=True)
    >>> net.output.weight.shape
    (10, 512)
    """
    if num_layers not in resnet_spec:
        raise ValueError(
            f"Invalid number of layers: {num_layers}. Options are {sorted(resnet_spec)}"
        )
    if version not in (1, 2):
        raise ValueError(f"Invalid resnet version: {version}. Options are 1 and 2.")
    block_type, layers, channels = resnet_spec[num_layers]
    block_class = resnet_block_versions[version - 1][block_type]
    net = resnet_net_versions[version - 1](block_class, layers, channels, **kwargs)
    if pretrained:
        net.load_parameters(get_model_file(f"resnet{num_layers}_v{version}", root=root), ctx=ctx)
    return net


def resnet18_v1(**kwargs: Any) -> HybridBlock:
    """ResNet-18 V1; ``kwargs`` as :func:`get_resnet` (``pretrained``, ``ctx``, ``root``,
    ``classes``, ...).
    """
    return get_resnet(1, 18, **kwargs)


def resnet34_v1(**kwargs: Any) -> HybridBlock:
    """ResNet-34 V1; ``kwargs`` as :func:`get_resnet`."""
    return get_resnet(1, 34, **kwargs)


def resnet50_v1(**kwargs: Any) -> HybridBlock:
    """ResNet-50 V1; ``kwargs`` as :func:`get_resnet`."""
    return get_resnet(1, 50, **kwargs)


def resnet101_v1(**kwargs: Any) -> HybridBlock:
    """ResNet-101 V1; ``kwargs`` as :func:`get_resnet`."""
    return get_resnet(1, 101, **kwargs)


def resnet152_v1(**kwargs: Any) -> HybridBlock:
    """ResNet-152 V1; ``kwargs`` as :func:`get_resnet`."""
    return get_resnet(1, 152, **kwargs)


def resnet18_v2(**kwargs: Any) -> HybridBlock:
    """ResNet-18 V2; ``kwargs`` as :func:`get_resnet`."""
    return get_resnet(2, 18, **kwargs)


def resnet34_v2(**kwargs: Any) -> HybridBlock:
    """ResNet-34 V2; ``kwargs`` as :func:`get_resnet`."""
    return get_resnet(2, 34, **kwargs)


def resnet50_v2(**kwargs: Any) -> HybridBlock:
    """ResNet-50 V2; ``kwargs`` as :func:`get_resnet`."""
    return get_resnet(2, 50, **kwargs)


def resnet101_v2(**kwargs: Any) -> HybridBlock:
    """ResNet-101 V2; ``kwargs`` as :func:`get_resnet`."""
    return get_resnet(2, 101, **kwargs)


def resnet152_v2(**kwargs: Any) -> HybridBlock:
    """ResNet-152 V2; ``kwargs`` as :func:`get_resnet`."""
    return get_resnet(2, 152, **kwargs)
