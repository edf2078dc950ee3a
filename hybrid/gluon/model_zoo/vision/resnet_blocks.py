"""The residual blocks of ResNet V1 (post-activation) and V2 (pre-activation), basic and
bottleneck, as MXNet 1.9.1's model zoo builds them (see ``resnet.py``).
"""

from __future__ import annotations

from typing import Any

from ... import nn
from ...block import HybridBlock

__all__ = ["BasicBlockV1", "BasicBlockV2", "BottleneckV1", "BottleneckV2", "conv3x3"]


def conv3x3(channels: int, stride: int, in_channels: int) -> nn.Conv2D:
    return nn.Conv2D(
        channels, kernel_size=3, strides=stride, padding=1, use_bias=False, in_channels=in_channels
    )


def _shortcut_v1(channels: int, stride: int, in_channels: int) -> nn.HybridSequential:
    """V1's projection shortcut: 1x1 convolution (with the block's stride) and BatchNorm."""
    out = nn.HybridSequential(prefix="")
    out.add(
        nn.Conv2D(channels, kernel_size=1, strides=stride, use_bias=False, in_channels=in_channels)
    )
    out.add(nn.BatchNorm())
    return out


class BasicBlockV1(HybridBlock):
    """Two 3x3 convolutions with BatchNorm, ``relu(body(x) + shortcut(x))`` (ResNet-18/34 V1).

    Parameters
    ----------
    channels : int
        Output channels.
    stride : int
        Stride of the first convolution (and of the projection shortcut).
    downsample : bool, default False
        Project the shortcut with a strided 1x1 convolution and BatchNorm.
    in_channels : int, default 0
        Input channels (0: inferred from the first input).
    """

    def __init__(
        self, channels: int, stride: int, downsample: bool = False, in_channels: int = 0,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.body = nn.HybridSequential(prefix="")
        self.body.add(conv3x3(channels, stride, in_channels))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation("relu"))
        self.body.add(conv3x3(channels, 1, channels))
        self.body.add(nn.BatchNorm())
        self.downsample = _shortcut_v1(channels, stride, in_channels) if downsample else None

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        residual = self.downsample(x) if self.downsample else x
        return F.Activation(residual + self.body(x), act_type="relu")


class BottleneckV1(HybridBlock):
    """1x1 (strided), 3x3, 1x1 convolutions with BatchNorm and a residual (ResNet-50+ V1).

    The two 1x1 convolutions of the body have biases, as in MXNet's model zoo.

    Parameters
    ----------
    channels : int
        Output channels; the inner convolutions have ``channels // 4``.
    stride : int
        Stride of the first convolution (and of the projection shortcut).
    downsample : bool, default False
        Project the shortcut with a strided 1x1 convolution and BatchNorm.
    in_channels : int, default 0
        Input channels (0: inferred from the first input).
    """

    def __init__(
        self, channels: int, stride: int, downsample: bool = False, in_channels: int = 0,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.body = nn.HybridSequential(prefix="")
        self.body.add(nn.Conv2D(channels // 4, kernel_size=1, strides=stride))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation("relu"))
        self.body.add(conv3x3(channels // 4, 1, channels // 4))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation("relu"))
        self.body.add(nn.Conv2D(channels, kernel_size=1, strides=1))
        self.body.add(nn.BatchNorm())
        self.downsample = _shortcut_v1(channels, stride, in_channels) if downsample else None

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        residual = self.downsample(x) if self.downsample else x
        return F.Activation(self.body(x) + residual, act_type="relu")


class BasicBlockV2(HybridBlock):
    """Pre-activation basic block: ``x + conv(relu(bn(conv(relu(bn(x))))))`` (ResNet-18/34 V2).

    The projection shortcut (a strided 1x1 convolution) reads the pre-activated input.

    Parameters
    ----------
    channels : int
        Output channels.
    stride : int
        Stride of the first convolution (and of the projection shortcut).
    downsample : bool, default False
        Project the shortcut with a strided 1x1 convolution.
    in_channels : int, default 0
        Input channels (0: inferred from the first input).
    """

    def __init__(
        self, channels: int, stride: int, downsample: bool = False, in_channels: int = 0,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.bn1 = nn.BatchNorm()
        self.conv1 = conv3x3(channels, stride, in_channels)
        self.bn2 = nn.BatchNorm()
        self.conv2 = conv3x3(channels, 1, channels)
        self.downsample = (
            nn.Conv2D(channels, 1, stride, use_bias=False, in_channels=in_channels)
            if downsample
            else None
        )

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        residual = x
        x = F.Activation(self.bn1(x), act_type="relu")
        if self.downsample:
            residual = self.downsample(x)
        x = self.conv1(x)
        x = self.conv2(F.Activation(self.bn2(x), act_type="relu"))
        return x + residual


class BottleneckV2(HybridBlock):
    """Pre-activation bottleneck: BatchNorm-relu before each of 1x1, 3x3 (strided), 1x1
    convolutions, plus the shortcut (ResNet-50+ V2).

    Parameters
    ----------
    channels : int
        Output channels; the inner convolutions have ``channels // 4``.
    stride : int
        Stride of the 3x3 convolution (and of the projection shortcut).
    downsample : bool, default False
        Project the shortcut with a strided 1x1 convolution.
    in_channels : int, default 0
        Input channels (0: inferred from the first input).
    """

    def __init__(
        self, channels: int, stride: int, downsample: bool = False, in_channels: int = 0,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.bn1 = nn.BatchNorm()
        self.conv1 = nn.Conv2D(channels // 4, kernel_size=1, strides=1, use_bias=False)
        self.bn2 = nn.BatchNorm()
        self.conv2 = conv3x3(channels // 4, stride, channels // 4)
        self.bn3 = nn.BatchNorm()
        self.conv3 = nn.Conv2D(channels, kernel_size=1, strides=1, use_bias=False)
        self.downsample = (
            nn.Conv2D(channels, 1, stride, use_bias=False, in_channels=in_channels)
            if downsample
            else None
        )

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        residual = x
        x = F.Activation(self.bn1(x), act_type="relu")
        if self.downsample:
            residual = self.downsample(x)
        x = self.conv1(x)
        x = self.conv2(F.Activation(self.bn2(x), act_type="relu"))
        x = self.conv3(F.Activation(self.bn3(x), act_type="relu"))
        return x + residual
