"""The op registry and every op family. Importing this package registers all ops."""

from __future__ import annotations

from . import (  # noqa: F401  (each family module registers its ops on import)
    activation,
    box_coding,
    broadcast,
    conv,
    creation,
    ctc,
    custom,
    deconv,
    detection,
    elemwise,
    image,
    image_color,
    indexing,
    linalg,
    loss_heads,
    multibox,
    nn,
    norm,
    pooling,
    random,
    reduce,
    resize,
    rnn,
    roi,
    sequence,
    shape,
    softmax,
    spatial,
    transformer,
    vision,
)
from .registry import REGISTRY, Op, Sample, all_ops, get_op, invoke, register

__all__ = ["REGISTRY", "Op", "Sample", "all_ops", "get_op", "invoke", "register"]
