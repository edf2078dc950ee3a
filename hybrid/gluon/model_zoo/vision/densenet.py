"""DenseNet-BC (``gluon.model_zoo.vision.densenet``), as MXNet 1.9.1's model zoo.

"Densely Connected Convolutional Networks" (https://arxiv.org/abs/1608.06993). Prefixes and
parameter names are MXNet's (``densenet0_conv0_weight``, ``densenet0_stage1_batchnorm0_gamma``,
...).
"""

from __future__ import annotations

from typing import Any

from ... import nn
from ...block import HybridBlock
from ..model_store import get_model_file

__all__ = ["DenseNet", "densenet121", "densenet161", "densenet169", "densenet201"]


def _make_dense_layer(growth_rate: int, bn_size: int, dropout: float) -> nn.HybridConcurrent:
    """``concat([x, conv3x3(relu(bn(conv1x1(relu(bn(x))))))], axis=1)``: adds ``growth_rate``
    channels.
    """
    new_features = nn.HybridSequential(prefix="")
    new_features.add(nn.BatchNorm())
    new_features.add(nn.Activation("relu"))
    new_features.add(nn.Conv2D(bn_size * growth_rate, kernel_size=1, use_bias=False))
    new_features.add(nn.BatchNorm())
    new_features.add(nn.Activation("relu"))
    new_features.add(nn.Conv2D(growth_rate, kernel_size=3, padding=1, use_bias=False))
    if dropout:
        new_features.add(nn.Dropout(dropout))
    out = nn.HybridConcurrent(axis=1, prefix="")
    out.add(nn.Identity())
    out.add(new_features)
    return out


def _make_dense_block(
    num_layers: int, bn_size: int, growth_rate: int, dropout: float, stage_index: int
) -> nn.HybridSequential:
    out = nn.HybridSequential(prefix=f"stage{stage_index}_")
    with out.name_scope():
        for _ in range(num_layers):
            out.add(_make_dense_layer(growth_rate, bn_size, dropout))
    return out


def _make_transition(num_output_features: int) -> nn.HybridSequential:
    """BatchNorm, relu, 1x1 convolution to ``num_output_features``, 2x2/2 average pooling."""
    out = nn.HybridSequential(prefix="")
    out.add(nn.BatchNorm())
    out.add(nn.Activation("relu"))
    out.add(nn.Conv2D(num_output_features, kernel_size=1, use_bias=False))
    out.add(nn.AvgPool2D(pool_size=2, strides=2))
    return out


class DenseNet(HybridBlock):
    """DenseNet-BC: a 7x7/2 convolution with BatchNorm, relu and 3x3/2 max pooling, dense blocks
    separated by transitions that halve the channels, BatchNorm-relu, 7x7 average pooling and a
    Dense output.

    Parameters
    ----------
    num_init_features : int
        Channels of the first convolution.
    growth_rate : int
        Channels each dense layer adds (``k`` in the paper).
    block_config : list of int
        Dense layers per block.
    bn_size : int, default 4
        The bottleneck 1x1 convolutions have ``bn_size * growth_rate`` channels.
    dropout : float, default 0
        Dropout rate after each dense layer.
    classes : int, default 1000
        Number of classes of the output layer.

    Inputs: ``data`` ``(batch_size, 3, 224, 224)``. Outputs: ``(batch_size, classes)``.
    """

    def __init__(
        self, num_init_features: int, growth_rate: int, block_config: list, bn_size: int = 4,
        dropout: float = 0, classes: int = 1000, **kwargs: Any,
    ):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            self.features.add(
                nn.Conv2D(num_init_features, kernel_size=7, strides=2, padding=3, use_bias=False)
            )
            self.features.add(nn.BatchNorm())
            self.features.add(nn.Activation("relu"))
            self.features.add(nn.MaxPool2D(pool_size=3, strides=2, padding=1))
            num_features = num_init_features
            for i, num_layers in enumerate(block_config):
                self.features.add(
                    _make_dense_block(num_layers, bn_size, growth_rate, dropout, i + 1)
                )
                num_features += num_layers * growth_rate
                if i != len(block_config) - 1:
                    num_features //= 2
                    self.features.add(_make_transition(num_features))
            self.features.add(nn.BatchNorm())
            self.features.add(nn.Activation("relu"))
            self.features.add(nn.AvgPool2D(pool_size=7))
            self.features.add(nn.Flatten())
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return self.output(self.features(x))


# depth -> (first convolution's channels, growth rate, dense layers per block)
densenet_spec = {
    121: (64, 32, [6, 12, 24, 16]),
    161: (96, 48, [6, 12, 36, 24]),
    169: (64, 32, [6, 12, 32, 32]),
    201: (64, 32, [6, 12, 48, 32]),
}


def get_densenet(
    num_layers: int, pretrained: bool = False, ctx: Any = None, root: str | None = None,
    **kwargs: Any,
) -> DenseNet:
    """DenseNet-BC of a given depth.

    Parameters
    ----------
    num_layers : int
        121, 161, 169 or 201.
    pretrained : bool, default False
        Load MXNet's ``densenet<num_layers>-*.params`` from ``root`` (nothing is downloaded).
    ctx : Context, default cpu()
        Where to load the pretrained parameters.
    root : str, default ``$MXNET_HOME/models``
        Folder holding pretrained parameter files.
    **kwargs
        Passed to :class:`DenseNet` (``bn_size``, ``dropout``, ``classes``, ``prefix``).
    """
    if num_layers not in densenet_spec:
        raise ValueError(
            f"Invalid number of layers: {num_layers}. Options are {sorted(densenet_spec)}"
        )
    num_init_features, growth_rate, block_config = densenet_spec[num_layers]
    net = DenseNet(num_init_features, growth_rate, block_config, **kwargs)
    if pretrained:
        net.load_parameters(get_model_file(f"densenet{num_layers}", root=root), ctx=ctx)
    return net


def densenet121(**kwargs: Any) -> DenseNet:
    """DenseNet-BC-121; ``kwargs`` as :func:`get_densenet`."""
    return get_densenet(121, **kwargs)


def densenet161(**kwargs: Any) -> DenseNet:
    """DenseNet-BC-161; ``kwargs`` as :func:`get_densenet`."""
    return get_densenet(161, **kwargs)


def densenet169(**kwargs: Any) -> DenseNet:
    """DenseNet-BC-169; ``kwargs`` as :func:`get_densenet`."""
    return get_densenet(169, **kwargs)


def densenet201(**kwargs: Any) -> DenseNet:
    """DenseNet-BC-201; ``kwargs`` as :func:`get_densenet`."""
    return get_densenet(201, **kwargs)
