"""Embedding losses: triplet, cosine embedding and SDML."""

from __future__ import annotations

from typing import Any

from ...base import ShapeError
from .base import Loss, apply_weighting, reshape_like
from .classification import KLDivLoss


class TripletLoss(Loss):
    """``L = max(0, sum(|positive - pred|^2) - sum(|negative - pred|^2) + margin)``, the sums
    over every axis but ``batch_axis``. Output: ``(batch_size,)``.
    """

    def __init__(
        self, margin: float = 1, weight: float | None = None, batch_axis: int = 0, **kwargs: Any
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, positive, negative, sample_weight=None):
        positive = reshape_like(F, positive, pred)
        negative = reshape_like(F, negative, pred)
        loss = F.sum(
            F.square(positive - pred) - F.square(negative - pred),
            axis=self._batch_axis,
            exclude=True,
        )
        loss = F.relu(loss + self._margin)
        return apply_weighting(F, loss, self._weight, sample_weight)


class CosineEmbeddingLoss(Loss):
    """``L = 1 - cos(input1, input2)`` where ``label == 1``, ``max(0, cos - margin)`` where
    ``label == -1``; the cosine is taken along the last axis.

    Output: ``(batch_size, 1)``, as MXNet's (no averaging).
    """

    def __init__(
        self, weight: float | None = None, batch_axis: int = 0, margin: float = 0, **kwargs: Any
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, input1, input2, label, sample_weight=None):
        input1 = reshape_like(F, input1, input2)
        label = label.reshape((-1, 1))
        cos_sim = self._cosine_similarity(F, input1, input2)
        loss = (1 - cos_sim) * (label == 1) + F.relu((label == -1) * (cos_sim - self._margin))
        return apply_weighting(F, loss, self._weight, sample_weight)

    @staticmethod
    def _cosine_similarity(F: Any, x: Any, y: Any, axis: int = -1) -> Any:
        x_norm = F.norm(x, axis=axis).reshape((-1, 1))
        y_norm = F.norm(y, axis=axis).reshape((-1, 1))
        x_dot_y = F.sum(x * y, axis=axis).reshape((-1, 1))
        return x_dot_y / F._maximum_scalar(x_norm * y_norm, scalar=1e-12)


class SDMLLoss(Loss):
    """Smoothed deep metric learning loss (MXNet 1.9.1's ``gluon.loss.SDMLLoss``).

    Row ``i`` of ``x2`` is the positive sample of row ``i`` of ``x1``; every other row of the batch
    is a negative. With ``D[i, j] = sum((x1[i] - x2[j])**2)``, the loss of row ``i`` is the KL
    divergence between the smoothed identity labels (``1 - smoothing_parameter`` on the diagonal,
    ``smoothing_parameter / (batch_size - 1)`` elsewhere) and ``log_softmax(-D[i])``, summed
    over the batch, as ``KLDivLoss`` does. As in MXNet, ``weight`` is accepted but not applied.

    Inputs: ``x1``, ``x2`` of shape ``(batch_size, vector_dim)``. Output: ``(batch_size,)``.
    """

    def __init__(
        self,
        smoothing_parameter: float = 0.3,
        weight: float | None = 1.0,
        batch_axis: int = 0,
        **kwargs: Any,
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self.kl_loss = KLDivLoss(from_logits=True)
        self.smoothing_parameter = smoothing_parameter

    def hybrid_forward(self, F, x1, x2):
        if x1.shape is None or x1.shape != x2.shape or len(x1.shape) != 2:
            raise ShapeError(
                f"{self.name}: x1 {x1.shape} and x2 {x2.shape} must both be "
                "(batch_size, vector_dim)"
            )
        n = x1.shape[0]
        gold = F.eye(n, dtype=x1.dtype)
        labels = gold * (1 - self.smoothing_parameter) + (1 - gold) * (
            self.smoothing_parameter / (n - 1)
        )
        diff = F.broadcast_sub(F.expand_dims(x1, axis=1), F.expand_dims(x2, axis=0))  # (N, N, dim)
        distances = F.sum(F.square(diff), axis=2)
        return self.kl_loss(F.log_softmax(-distances, axis=1), labels)
