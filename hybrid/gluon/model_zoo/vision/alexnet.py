"""AlexNet (``gluon.model_zoo.vision.alexnet``), as MXNet 1.9.1's model zoo.

The single-tower variant of "One weird trick for parallelizing convolutional neural networks"
(https://arxiv.org/abs/1404.5997). Parameter names are MXNet's (``alexnet0_conv0_weight``, ...).
"""

from __future__ import annotations

from typing import Any

from ... import nn
from ...block import HybridBlock
from ..model_store import get_model_file

__all__ = ["AlexNet", "alexnet"]


class AlexNet(HybridBlock):
    """AlexNet: five convolutions (11x11/4, 5x5, three 3x3) with relu and three 3x3/2 max
    poolings, two Dense(4096, relu) layers with dropout 0.5, and a Dense output.

    Parameters
    ----------
    classes : int, default 1000
        Number of classes of the output layer.

    Inputs: ``data`` ``(batch_size, 3, 224, 224)``. Outputs: ``(batch_size, classes)``.
    """

    def __init__(self, classes: int = 1000, **kwargs: Any):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            with self.features.name_scope():
                f = self.features
                f.add(nn.Conv2D(64, kernel_size=11, strides=4, padding=2, activation="relu"))
                f.add(nn.MaxPool2D(pool_size=3, strides=2))
                f.add(nn.Conv2D(192, kernel_size=5, padding=2, activation="relu"))
                f.add(nn.MaxPool2D(pool_size=3, strides=2))
                f.add(nn.Conv2D(384, kernel_size=3, padding=1, activation="relu"))
                f.add(nn.Conv2D(256, kernel_size=3, padding=1, activation="relu"))
                f.add(nn.Conv2D(256, kernel_size=3, padding=1, activation="relu"))
                f.add(nn.MaxPool2D(pool_size=3, strides=2))
                f.add(nn.Flatten())
                f.add(nn.Dense(4096, activation="relu"))
                f.add(nn.Dropout(0.5))
                f.add(nn.Dense(4096, activation="relu"))
                f.add(nn.Dropout(0.5))
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return self.output(self.features(x))


def alexnet(
    pretrained: bool = False, ctx: Any = None, root: str | None = None, **kwargs: Any
) -> AlexNet:
    """AlexNet.

    Parameters
    ----------
    pretrained : bool, default False
        Load MXNet's ``alexnet-*.params`` from ``root`` (nothing is downloaded).
    ctx : Context, default cpu()
        Where to load the pretrained parameters.
    root : str, default ``$MXNET_HOME/models``
        Folder holding pretrained parameter files.
    **kwargs
        Passed to :class:`AlexNet` (``classes``, ``prefix``).
    """
    net = AlexNet(**kwargs)
    if pretrained:
        net.load_parameters(get_model_file("alexnet", root=root), ctx=ctx)
    return net
