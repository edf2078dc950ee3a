"""SqueezeNet 1.0 and 1.1 (``gluon.model_zoo.vision.squeezenet``), as MXNet 1.9.1's model zoo.

"SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size"
(https://arxiv.org/abs/1602.07360); 1.1 is the cheaper variant of the official SqueezeNet
repository. Parameter names are MXNet's (``squeezenet0_conv0_weight``, ...).
"""

from __future__ import annotations

from typing import Any

from ... import nn
from ...block import HybridBlock
from ..model_store import get_model_file

__all__ = ["SqueezeNet", "squeezenet1_0", "squeezenet1_1"]


def _make_fire_conv(channels: int, kernel_size: int, padding: int = 0) -> nn.HybridSequential:
    out = nn.HybridSequential(prefix="")
    out.add(nn.Conv2D(channels, kernel_size, padding=padding))
    out.add(nn.Activation("relu"))
    return out


def _make_fire(squeeze: int, expand1x1: int, expand3x3: int) -> nn.HybridSequential:
    """A fire module: a 1x1 squeeze convolution, then 1x1 and 3x3 expansions concatenated
    along the channel axis.
    """
    out = nn.HybridSequential(prefix="")
    out.add(_make_fire_conv(squeeze, 1))
    paths = nn.HybridConcurrent(axis=1, prefix="")
    paths.add(_make_fire_conv(expand1x1, 1))
    paths.add(_make_fire_conv(expand3x3, 3, 1))
    out.add(paths)
    return out


def _pool() -> nn.MaxPool2D:
    return nn.MaxPool2D(pool_size=3, strides=2, ceil_mode=True)


class SqueezeNet(HybridBlock):
    """SqueezeNet: a strided convolution, max poolings and fire modules, dropout, then a 1x1
    convolution to ``classes`` channels with relu and 13x13 average pooling.

    Parameters
    ----------
    version : str
        '1.0' or '1.1'.
    classes : int, default 1000
        Number of classes of the output layer.

    Inputs: ``data`` ``(batch_size, 3, 224, 224)``. Outputs: ``(batch_size, classes)``.
    """

    def __init__(self, version: str, classes: int = 1000, **kwargs: Any):
        super().__init__(**kwargs)
        if version not in ("1.0", "1.1"):
            raise ValueError(f"Unsupported SqueezeNet version {version}: 1.0 or 1.1 expected")
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            f = self.features
            if version == "1.0":
                f.add(nn.Conv2D(96, kernel_size=7, strides=2), nn.Activation("relu"), _pool())
                f.add(_make_fire(16, 64, 64), _make_fire(16, 64, 64), _make_fire(32, 128, 128))
                f.add(_pool())
                f.add(_make_fire(32, 128, 128), _make_fire(48, 192, 192))
                f.add(_make_fire(48, 192, 192), _make_fire(64, 256, 256))
                f.add(_pool())
                f.add(_make_fire(64, 256, 256))
            else:
                f.add(nn.Conv2D(64, kernel_size=3, strides=2), nn.Activation("relu"), _pool())
                f.add(_make_fire(16, 64, 64), _make_fire(16, 64, 64))
                f.add(_pool())
                f.add(_make_fire(32, 128, 128), _make_fire(32, 128, 128))
                f.add(_pool())
                f.add(_make_fire(48, 192, 192), _make_fire(48, 192, 192))
                f.add(_make_fire(64, 256, 256), _make_fire(64, 256, 256))
            f.add(nn.Dropout(0.5))
            self.output = nn.HybridSequential(prefix="")
            self.output.add(nn.Conv2D(classes, kernel_size=1))
            self.output.add(nn.Activation("relu"))
            self.output.add(nn.AvgPool2D(13))
            self.output.add(nn.Flatten())

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return self.output(self.features(x))


def get_squeezenet(
    version: str, pretrained: bool = False, ctx: Any = None, root: str | None = None,
    **kwargs: Any,
) -> SqueezeNet:
    """SqueezeNet of a given version.

    Parameters
    ----------
    version : str
        '1.0' or '1.1'.
    pretrained : bool, default False
        Load MXNet's ``squeezenet<version>-*.params`` from ``root`` (nothing is downloaded).
    ctx : Context, default cpu()
        Where to load the pretrained parameters.
    root : str, default ``$MXNET_HOME/models``
        Folder holding pretrained parameter files.
    **kwargs
        Passed to :class:`SqueezeNet` (``classes``, ``prefix``).
    """
    net = SqueezeNet(version, **kwargs)
    if pretrained:
        net.load_parameters(get_model_file(f"squeezenet{version}", root=root), ctx=ctx)
    return net


def squeezenet1_0(**kwargs: Any) -> SqueezeNet:
    """SqueezeNet 1.0; ``kwargs`` as :func:`get_squeezenet`."""
    return get_squeezenet("1.0", **kwargs)


def squeezenet1_1(**kwargs: Any) -> SqueezeNet:
    """SqueezeNet 1.1; ``kwargs`` as :func:`get_squeezenet`."""
    return get_squeezenet("1.1", **kwargs)
