"""Inception v3 (``gluon.model_zoo.vision.inception``), as MXNet 1.9.1's model zoo.

"Rethinking the Inception Architecture for Computer Vision" (http://arxiv.org/abs/1512.00567),
for 299x299 inputs. Prefixes and parameter names are MXNet's (``inception30_conv0_weight``,
``inception30_A1_conv0_weight``, ...).
"""

from __future__ import annotations

from typing import Any

from ... import nn
from ...block import HybridBlock
from ..model_store import get_model_file

__all__ = ["Inception3", "inception_v3"]

# A convolution setting: (channels, kernel_size, strides, padding); None keeps Conv2D's default.
_Setting = tuple


def _make_basic_conv(**kwargs: Any) -> nn.HybridSequential:
    """Convolution without bias, BatchNorm (epsilon 0.001), relu."""
    out = nn.HybridSequential(prefix="")
    out.add(nn.Conv2D(use_bias=False, **kwargs))
    out.add(nn.BatchNorm(epsilon=0.001))
    out.add(nn.Activation("relu"))
    return out


def _make_branch(use_pool: str | None, *conv_settings: _Setting) -> nn.HybridSequential:
    """An optional pooling ('avg': 3x3/1 padded, 'max': 3x3/2) then basic convolutions."""
    out = nn.HybridSequential(prefix="")
    if use_pool == "avg":
        out.add(nn.AvgPool2D(pool_size=3, strides=1, padding=1))
    elif use_pool == "max":
        out.add(nn.MaxPool2D(pool_size=3, strides=2))
    names = ("channels", "kernel_size", "strides", "padding")
    for setting in conv_settings:
        out.add(_make_basic_conv(**{k: v for k, v in zip(names, setting) if v is not None}))
    return out


def _concurrent(prefix: str, *branches: tuple) -> nn.HybridConcurrent:
    """Branches (each ``(use_pool, *settings)``) run on the same input, concatenated on
    channels, under ``prefix``.
    """
    out = nn.HybridConcurrent(axis=1, prefix=prefix)
    with out.name_scope():
        for use_pool, *settings in branches:
            out.add(_make_branch(use_pool, *settings))
    return out


def _make_A(pool_features: int, prefix: str) -> nn.HybridConcurrent:
    return _concurrent(
        prefix,
        (None, (64, 1, None, None)),
        (None, (48, 1, None, None), (64, 5, None, 2)),
        (None, (64, 1, None, None), (96, 3, None, 1), (96, 3, None, 1)),
        ("avg", (pool_features, 1, None, None)),
    )


def _make_B(prefix: str) -> nn.HybridConcurrent:
    return _concurrent(
        prefix,
        (None, (384, 3, 2, None)),
        (None, (64, 1, None, None), (96, 3, None, 1), (96, 3, 2, None)),
        ("max",),
    )


def _make_C(channels_7x7: int, prefix: str) -> nn.HybridConcurrent:
    c = channels_7x7
    return _concurrent(
        prefix,
        (None, (192, 1, None, None)),
        (None, (c, 1, None, None), (c, (1, 7), None, (0, 3)), (192, (7, 1), None, (3, 0))),
        (
            None,
            (c, 1, None, None),
            (c, (7, 1), None, (3, 0)),
            (c, (1, 7), None, (0, 3)),
            (c, (7, 1), None, (3, 0)),
            (192, (1, 7), None, (0, 3)),
        ),
        ("avg", (192, 1, None, None)),
    )


def _make_D(prefix: str) -> nn.HybridConcurrent:
    return _concurrent(
        prefix,
        (None, (192, 1, None, None), (320, 3, 2, None)),
        (
            None,
            (192, 1, None, None),
            (192, (1, 7), None, (0, 3)),
            (192, (7, 1), None, (3, 0)),
            (192, 3, 2, None),
        ),
        ("max",),
    )


def _split_3x3(head: nn.HybridSequential, out: nn.HybridConcurrent) -> None:
    """Append to ``out`` a path: ``head``, then 1x3 and 3x1 convolutions concatenated."""
    path = nn.HybridSequential(prefix="")
    out.add(path)
    path.add(head)
    split = nn.HybridConcurrent(axis=1, prefix="")
    split.add(_make_branch(None, (384, (1, 3), None, (0, 1))))
    split.add(_make_branch(None, (384, (3, 1), None, (1, 0))))
    path.add(split)


def _make_E(prefix: str) -> nn.HybridConcurrent:
    out = nn.HybridConcurrent(axis=1, prefix=prefix)
    with out.name_scope():
        out.add(_make_branch(None, (320, 1, None, None)))
        _split_3x3(_make_branch(None, (384, 1, None, None)), out)
        _split_3x3(_make_branch(None, (448, 1, None, None), (384, 3, None, 1)), out)
        out.add(_make_branch("avg", (192, 1, None, None)))
    return out


class Inception3(HybridBlock):
    """Inception v3: a convolution stem, Inception modules A (x3), B, C (x4), D, E (x2), 8x8
    average pooling, dropout 0.5 and a Dense output.

    Parameters
    ----------
    classes : int, default 1000
        Number of classes of the output layer.

    Inputs: ``data`` ``(batch_size, 3, 299, 299)``. Outputs: ``(batch_size, classes)``.
    """

    def __init__(self, classes: int = 1000, **kwargs: Any):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            f = self.features
            f.add(_make_basic_conv(channels=32, kernel_size=3, strides=2))
            f.add(_make_basic_conv(channels=32, kernel_size=3))
            f.add(_make_basic_conv(channels=64, kernel_size=3, padding=1))
            f.add(nn.MaxPool2D(pool_size=3, strides=2))
            f.add(_make_basic_conv(channels=80, kernel_size=1))
            f.add(_make_basic_conv(channels=192, kernel_size=3))
            f.add(nn.MaxPool2D(pool_size=3, strides=2))
            f.add(_make_A(32, "A1_"), _make_A(64, "A2_"), _make_A(64, "A3_"))
            f.add(_make_B("B_"))
            f.add(_make_C(128, "C1_"), _make_C(160, "C2_"), _make_C(160, "C3_"))
            f.add(_make_C(192, "C4_"))
            f.add(_make_D("D_"))
            f.add(_make_E("E1_"), _make_E("E2_"))
            f.add(nn.AvgPool2D(pool_size=8))
            f.add(nn.Dropout(0.5))
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return self.output(self.features(x))


def inception_v3(
    pretrained: bool = False, ctx: Any = None, root: str | None = None, **kwargs: Any
) -> Inception3:
    """Inception v3.

    Parameters
    ----------
    pretrained : bool, default False
        Load MXNet's ``inceptionv3-*.params`` from ``root`` (nothing is downloaded).
    ctx : Context, default cpu()
        Where to load the pretrained parameters.
    root : str, default ``$MXNET_HOME/models``
        Folder holding pretrained parameter files.
    **kwargs
        Passed to :class:`Inception3` (``classes``, ``prefix``).
    """
    net = Inception3(**kwargs)
    if pretrained:
        net.load_parameters(get_model_file("inceptionv3", root=root), ctx=ctx)
    return net
