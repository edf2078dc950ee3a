"""Losses for training, as MXNet Gluon 1.9's ``gluon.loss``.

Every loss is a :class:`~hybrid.gluon.block.HybridBlock` built from registered ops called through
``F``, so it runs eagerly (with autograd for free) and hybridizes into a graph alike. Unless a class
says otherwise, a loss returns one value per sample: the element-wise loss, scaled by
``sample_weight`` (broadcast) and by the scalar ``weight``, then averaged over every axis except
``batch_axis``.
"""

from __future__ import annotations

from .base import Loss
from .classification import (
    HingeLoss,
    KLDivLoss,
    LogisticLoss,
    SigmoidBCELoss,
    SigmoidBinaryCrossEntropyLoss,
    SoftmaxCELoss,
    SoftmaxCrossEntropyLoss,
    SquaredHingeLoss,
)
from .embedding import CosineEmbeddingLoss, SDMLLoss, TripletLoss
from .regression import HuberLoss, L1Loss, L2Loss, PoissonNLLLoss
from .sequence import CTCLoss

__all__ = [
    "Loss",
    "L2Loss",
    "L1Loss",
    "SigmoidBinaryCrossEntropyLoss",
    "SigmoidBCELoss",
    "SoftmaxCrossEntropyLoss",
    "SoftmaxCELoss",
    "KLDivLoss",
    "CTCLoss",
    "HuberLoss",
    "HingeLoss",
    "SquaredHingeLoss",
    "LogisticLoss",
    "TripletLoss",
    "PoissonNLLLoss",
    "CosineEmbeddingLoss",
    "SDMLLoss",
]
