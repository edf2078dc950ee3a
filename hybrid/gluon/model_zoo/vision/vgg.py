"""VGG (``gluon.model_zoo.vision.vgg``), as MXNet 1.9.1's model zoo.

"Very Deep Convolutional Networks for Large-Scale Image Recognition"
(https://arxiv.org/abs/1409.1556), optionally with BatchNorm after each convolution. Prefixes and
parameter names are MXNet's (``vgg0_conv0_weight``, ``vgg0_dense0_weight``, ...).
"""

from __future__ import annotations

from typing import Any

from ....initializer import Xavier
from ... import nn
from ...block import HybridBlock
from ..model_store import get_model_file

__all__ = [
    "VGG",
    "vgg11",
    "vgg13",
    "vgg16",
    "vgg19",
    "vgg11_bn",
    "vgg13_bn",
    "vgg16_bn",
    "vgg19_bn",
    "get_vgg",
]


class VGG(HybridBlock):
    """VGG: blocks of 3x3 convolutions (each followed by relu) ending in 2x2 max pooling, then
    two Dense(4096, relu) layers with dropout 0.5 and a Dense output.

    Parameters
    ----------
    layers : list of int
        Convolutions per block.
    filters : list of int
        Channels of each block's convolutions (as many entries as ``layers``).
    classes : int, default 1000
        Number of classes of the output layer.
    batch_norm : bool, default False
        Add BatchNorm after every convolution.

    Inputs: ``data`` ``(batch_size, 3, 224, 224)``. Outputs: ``(batch_size, classes)``.
    """

    def __init__(
        self, layers: list, filters: list, classes: int = 1000, batch_norm: bool = False,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if len(layers) != len(filters):
            raise ValueError(
                f"VGG: layers and filters need the same length, got {len(layers)} and "
                f"{len(filters)}"
            )
        with self.name_scope():
            self.features = self._make_features(layers, filters, batch_norm)
            for _ in range(2):
                self.features.add(
                    nn.Dense(
                        4096, activation="relu", weight_initializer="normal",
                        bias_initializer="zeros",
                    )
                )
                self.features.add(nn.Dropout(rate=0.5))
            self.output = nn.Dense(
                classes, weight_initializer="normal", bias_initializer="zeros"
            )

    def _make_features(self, layers: list, filters: list, batch_norm: bool) -> Any:
        featurizer = nn.HybridSequential(prefix="")
        for num, channels in zip(layers, filters):
            for _ in range(num):
                featurizer.add(
                    nn.Conv2D(
                        channels, kernel_size=3, padding=1,
                        weight_initializer=Xavier(
                            rnd_type="gaussian", factor_type="out", magnitude=2
                        ),
                        bias_initializer="zeros",
                    )
                )
                if batch_norm:
                    featurizer.add(nn.BatchNorm())
                featurizer.add(nn.Activation("relu"))
            featurizer.add(nn.MaxPool2D(strides=2))
        return featurizer

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return self.output(self.features(x))


# depth -> (convolutions per block, channels per block)
vgg_spec = {
    11: ([1, 1, 2, 2, 2], [64, 128, 256, 512, 512]),
    13: ([2, 2, 2, 2, 2], [64, 128, 256, 512, 512]),
    16: ([2, 2, 3, 3, 3], [64, 128, 256, 512, 512]),
    19: ([2, 2, 4, 4, 4], [64, 128, 256, 512, 512]),
}


def get_vgg(
    num_layers: int, pretrained: bool = False, ctx: Any = None, root: str | None = None,
    **kwargs: Any,
) -> VGG:
    """VGG of a given depth.

    Parameters
    ----------
    num_layers : int
        11, 13, 16 or 19.
    pretrained : bool, default False
        Load MXNet's ``vgg<num_layers>[_bn]-*.params`` from ``root`` (nothing is downloaded).
    ctx : Context, default cpu()
        Where to load the pretrained parameters.
    root : str, default ``$MXNET_HOME/models``
        Folder holding pretrained parameter files.
    **kwargs
        Passed to :class:`VGG` (``classes``, ``batch_norm``, ``prefix``).
    """
    if num_layers not in vgg_spec:
        raise ValueError(f"Invalid number of layers: {num_layers}. Options are {sorted(vgg_spec)}")
    layers, filters = vgg_spec[num_layers]
    net = VGG(layers, filters, **kwargs)
    if pretrained:
        suffix = "_bn" if kwargs.get("batch_norm") else ""
        net.load_parameters(get_model_file(f"vgg{num_layers}{suffix}", root=root), ctx=ctx)
    return net


def vgg11(**kwargs: Any) -> VGG:
    """VGG-11; ``kwargs`` as :func:`get_vgg`."""
    return get_vgg(11, **kwargs)


def vgg13(**kwargs: Any) -> VGG:
    """VGG-13; ``kwargs`` as :func:`get_vgg`."""
    return get_vgg(13, **kwargs)


def vgg16(**kwargs: Any) -> VGG:
    """VGG-16; ``kwargs`` as :func:`get_vgg`."""
    return get_vgg(16, **kwargs)


def vgg19(**kwargs: Any) -> VGG:
    """VGG-19; ``kwargs`` as :func:`get_vgg`."""
    return get_vgg(19, **kwargs)


def vgg11_bn(**kwargs: Any) -> VGG:
    """VGG-11 with BatchNorm; ``kwargs`` as :func:`get_vgg`."""
    return get_vgg(11, batch_norm=True, **kwargs)


def vgg13_bn(**kwargs: Any) -> VGG:
    """VGG-13 with BatchNorm; ``kwargs`` as :func:`get_vgg`."""
    return get_vgg(13, batch_norm=True, **kwargs)


def vgg16_bn(**kwargs: Any) -> VGG:
    """VGG-16 with BatchNorm; ``kwargs`` as :func:`get_vgg`."""
    return get_vgg(16, batch_norm=True, **kwargs)


def vgg19_bn(**kwargs: Any) -> VGG:
    """VGG-19 with BatchNorm; ``kwargs`` as :func:`get_vgg`."""
    return get_vgg(19, batch_norm=True, **kwargs)
