"""MobileNet and MobileNetV2 (``gluon.model_zoo.vision.mobilenet``), as MXNet 1.9.1's model zoo.

MobileNet: "MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications"
(https://arxiv.org/abs/1704.04861). MobileNetV2: "Inverted Residuals and Linear Bottlenecks"
(https://arxiv.org/abs/1801.04381). Prefixes and parameter names are MXNet's (``mobilenet0_conv0_
weight``, ``mobilenetv20_features_linearbottleneck0_conv0_weight``, ...).
"""

from __future__ import annotations

from typing import Any

from ... import nn
from ...block import HybridBlock
from ..model_store import get_model_file

__all__ = [
    "MobileNet",
    "MobileNetV2",
    "mobilenet1_0",
    "mobilenet_v2_1_0",
    "mobilenet0_75",
    "mobilenet_v2_0_75",
    "mobilenet0_5",
    "mobilenet_v2_0_5",
    "mobilenet0_25",
    "mobilenet_v2_0_25",
    "get_mobilenet",
    "get_mobilenet_v2",
]


class RELU6(HybridBlock):
    """``clip(x, 0, 6)``, MobileNetV2's activation."""

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.clip(x, 0, 6, name="relu6")


def _add_conv(
    out: nn.HybridSequential,
    channels: int = 1,
    kernel: int = 1,
    stride: int = 1,
    pad: int = 0,
    num_group: int = 1,
    active: bool = True,
    relu6: bool = False,
) -> None:
    """Append convolution (no bias), BatchNorm and, when ``active``, relu or relu6."""
    out.add(nn.Conv2D(channels, kernel, stride, pad, groups=num_group, use_bias=False))
    out.add(nn.BatchNorm(scale=True))
    if active:
        out.add(RELU6() if relu6 else nn.Activation("relu"))


def _add_conv_dw(
    out: nn.HybridSequential, dw_channels: int, channels: int, stride: int, relu6: bool = False
) -> None:
    """Append a depthwise 3x3 convolution then a pointwise 1x1 one (each with BatchNorm)."""
    _add_conv(out, dw_channels, kernel=3, stride=stride, pad=1, num_group=dw_channels, relu6=relu6)
    _add_conv(out, channels, relu6=relu6)


class LinearBottleneck(HybridBlock):
    """MobileNetV2's inverted residual: 1x1 expansion by ``t``, depthwise 3x3, linear 1x1
    projection; ``x`` is added when the stride is 1 and the channel count is unchanged.

    Parameters
    ----------
    in_channels : int
        Input channels.
    channels : int
        Output channels.
    t : int
        Expansion ratio.
    stride : int
        Stride of the depthwise convolution.
    """

    def __init__(self, in_channels: int, channels: int, t: int, stride: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.use_shortcut = stride == 1 and in_channels == channels
        with self.name_scope():
            self.out = nn.HybridSequential()
            _add_conv(self.out, in_channels * t, relu6=True)
            _add_conv(
                self.out, in_channels * t, kernel=3, stride=stride, pad=1,
                num_group=in_channels * t, relu6=True,
            )
            _add_conv(self.out, channels, active=False, relu6=True)

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        out = self.out(x)
        return F.elemwise_add(out, x) if self.use_shortcut else out


class MobileNet(HybridBlock):
    """MobileNet: a strided 3x3 convolution, 13 depthwise-separable blocks, global average
    pooling and a Dense output.

    Parameters
    ----------
    multiplier : float, default 1.0
        Width multiplier: each layer has ``int(channels * multiplier)`` channels (0.25 or more).
    classes : int, default 1000
        Number of classes of the output layer.

    Inputs: ``data`` ``(batch_size, 3, height, width)``. Outputs: ``(batch_size, classes)``.
    """

    def __init__(self, multiplier: float = 1.0, classes: int = 1000, **kwargs: Any):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            with self.features.name_scope():
                _add_conv(self.features, int(32 * multiplier), kernel=3, pad=1, stride=2)
                dw_channels = [32, 64] + [128] * 2 + [256] * 2 + [512] * 6 + [1024]
                channels = [64] + [128] * 2 + [256] * 2 + [512] * 6 + [1024] * 2
                strides = [1, 2] * 3 + [1] * 5 + [2, 1]
                for dwc, c, s in zip(dw_channels, channels, strides):
                    _add_conv_dw(
                        self.features, int(dwc * multiplier), int(c * multiplier), stride=s
                    )
                self.features.add(nn.GlobalAvgPool2D())
                self.features.add(nn.Flatten())
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return self.output(self.features(x))


class MobileNetV2(HybridBlock):
    """MobileNetV2: a strided 3x3 convolution, 17 linear bottlenecks, a 1x1 convolution to 1280
    channels, global average pooling and a 1x1 convolution as the classifier.

    Parameters
    ----------
    multiplier : float, default 1.0
        Width multiplier: each layer has ``int(channels * multiplier)`` channels (the last
        convolution keeps 1280 unless the multiplier is above 1).
    classes : int, default 1000
        Number of classes of the output layer.

    Inputs: ``data`` ``(batch_size, 3, height, width)``. Outputs: ``(batch_size, classes)``.
    """

    def __init__(self, multiplier: float = 1.0, classes: int = 1000, **kwargs: Any):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="features_")
            with self.features.name_scope():
                _add_conv(
                    self.features, int(32 * multiplier), kernel=3, stride=2, pad=1, relu6=True
                )
                in_group = [32, 16] + [24] * 2 + [32] * 3 + [64] * 4 + [96] * 3 + [160] * 3
                out_group = [16] + [24] * 2 + [32] * 3 + [64] * 4 + [96] * 3 + [160] * 3 + [320]
                ts = [1] + [6] * 16
                strides = [1, 2] * 2 + [1, 1, 2] + [1] * 6 + [2] + [1] * 3
                for in_c, c, t, s in zip(in_group, out_group, ts, strides):
                    self.features.add(
                        LinearBottleneck(int(in_c * multiplier), int(c * multiplier), t, s)
                    )
                last_channels = int(1280 * multiplier) if multiplier > 1.0 else 1280
                _add_conv(self.features, last_channels, relu6=True)
                self.features.add(nn.GlobalAvgPool2D())
            self.output = nn.HybridSequential(prefix="output_")
            with self.output.name_scope():
                self.output.add(nn.Conv2D(classes, 1, use_bias=False, prefix="pred_"), nn.Flatten())

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return self.output(self.features(x))


def _file_suffix(multiplier: float) -> str:
    """MXNet's file-name spelling of a multiplier: 1.0, 0.75, 0.5, 0.25."""
    suffix = f"{multiplier:.2f}"
    return suffix[:-1] if suffix in ("1.00", "0.50") else suffix


def get_mobilenet(
    multiplier: float, pretrained: bool = False, ctx: Any = None, root: str | None = None,
    **kwargs: Any,
) -> MobileNet:
    """MobileNet with a width multiplier.

    Parameters
    ----------
    multiplier : float
        Width multiplier (0.25, 0.5, 0.75, 1.0 have pretrained files).
    pretrained : bool, default False
        Load MXNet's ``mobilenet<multiplier>-*.params`` from ``root`` (nothing is downloaded).
    ctx : Context, default cpu()
        Where to load the pretrained parameters.
    root : str, default ``$MXNET_HOME/models``
        Folder holding pretrained parameter files.
    **kwargs
        Passed to :class:`MobileNet` (``classes``, ``prefix``).
    """
    net = MobileNet(multiplier, **kwargs)
    if pretrained:
        name = f"mobilenet{_file_suffix(multiplier)}"
        net.load_parameters(get_model_file(name, root=root), ctx=ctx)
    return net


def get_mobilenet_v2(
    multiplier: float, pretrained: bool = False, ctx: Any = None, root: str | None = None,
    **kwargs: Any,
) -> MobileNetV2:
    """MobileNetV2 with a width multiplier; arguments as :func:`get_mobilenet` (the pretrained
    file is ``mobilenetv2_<multiplier>-*.params``).
    """
    net = MobileNetV2(multiplier, **kwargs)
    if pretrained:
        name = f"mobilenetv2_{_file_suffix(multiplier)}"
        net.load_parameters(get_model_file(name, root=root), ctx=ctx)
    return net


def mobilenet1_0(**kwargs: Any) -> MobileNet:
    """MobileNet, width 1.0; ``kwargs`` as :func:`get_mobilenet`."""
    return get_mobilenet(1.0, **kwargs)


def mobilenet0_75(**kwargs: Any) -> MobileNet:
    """MobileNet, width 0.75; ``kwargs`` as :func:`get_mobilenet`."""
    return get_mobilenet(0.75, **kwargs)


def mobilenet0_5(**kwargs: Any) -> MobileNet:
    """MobileNet, width 0.5; ``kwargs`` as :func:`get_mobilenet`."""
    return get_mobilenet(0.5, **kwargs)


def mobilenet0_25(**kwargs: Any) -> MobileNet:
    """MobileNet, width 0.25; ``kwargs`` as :func:`get_mobilenet`."""
    return get_mobilenet(0.25, **kwargs)


def mobilenet_v2_1_0(**kwargs: Any) -> MobileNetV2:
    """MobileNetV2, width 1.0; ``kwargs`` as :func:`get_mobilenet_v2`."""
    return get_mobilenet_v2(1.0, **kwargs)


def mobilenet_v2_0_75(**kwargs: Any) -> MobileNetV2:
    """MobileNetV2, width 0.75; ``kwargs`` as :func:`get_mobilenet_v2`."""
    return get_mobilenet_v2(0.75, **kwargs)


def mobilenet_v2_0_5(**kwargs: Any) -> MobileNetV2:
    """MobileNetV2, width 0.5; ``kwargs`` as :func:`get_mobilenet_v2`."""
    return get_mobilenet_v2(0.5, **kwargs)


def mobilenet_v2_0_25(**kwargs: Any) -> MobileNetV2:
    """MobileNetV2, width 0.25; ``kwargs`` as :func:`get_mobilenet_v2`."""
    return get_mobilenet_v2(0.25, **kwargs)
