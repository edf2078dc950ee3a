"""Regression losses: L2, L1, Huber and Poisson negative log-likelihood."""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import Loss, apply_weighting, reshape_like


class L2Loss(Loss):
    """Mean squared error: ``L = 1/2 * (label - pred)^2`` (note the 1/2, as in MXNet).

    Inputs: ``pred`` of any shape, ``label`` with as many elements, optional ``sample_weight``.
    Output: ``(batch_size,)``.
    """

    def __init__(self, weight: float | None = 1.0, batch_axis: int = 0, **kwargs: Any):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = reshape_like(F, label, pred)
        loss = F.square(label - pred)
        return self._batch_mean(F, loss, sample_weight, self._weight / 2)


class L1Loss(Loss):
    """Mean absolute error: ``L = |label - pred|``. Output: ``(batch_size,)``."""

    def __init__(self, weight: float | None = None, batch_axis: int = 0, **kwargs: Any):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = reshape_like(F, label, pred)
        return self._batch_mean(F, F.abs(label - pred), sample_weight, self._weight)


class HuberLoss(Loss):
    """Smoothed L1: ``L = |e| - rho/2`` where ``|e| > rho``, else ``e^2 / (2 rho)``;
    ``e = label - pred``. Output: ``(batch_size,)``.
    """

    def __init__(
        self, rho: float = 1, weight: float | None = None, batch_axis: int = 0, **kwargs: Any
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._rho = rho

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = reshape_like(F, label, pred)
        loss = F.abs(label - pred)
        loss = F.where(loss > self._rho, loss - 0.5 * self._rho, (0.5 / self._rho) * F.square(loss))
        return self._batch_mean(F, loss, sample_weight, self._weight)


class PoissonNLLLoss(Loss):
    """Poisson negative log-likelihood, averaged over every element (a scalar, as in MXNet).

    ``L = exp(pred) - target * pred`` (``from_logits=True``) or
    ``pred - target * log(pred + epsilon)``; ``compute_full`` adds Stirling's approximation of
    ``log(target!)``, ``target * log(target) - target + log(2 pi target) / 2``, where
    ``target > 1``.
    """

    def __init__(
        self,
        weight: float | None = None,
        from_logits: bool = True,
        batch_axis: int = 0,
        compute_full: bool = False,
        **kwargs: Any,
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_logits = from_logits
        self._compute_full = compute_full

    def hybrid_forward(self, F, pred, target, sample_weight=None, epsilon=1e-08):
        target = reshape_like(F, target, pred)
        if self._from_logits:
            loss = F.exp(pred) - target * pred
        else:
            loss = pred - target * F.log(pred + epsilon)
        if self._compute_full:
            # NOTE: evaluated at max(target, 1) and masked, so counts of 0 give 0, not 0 * log 0.
            t = F._maximum_scalar(target, scalar=1.0)
            stirling = t * F.log(t) - t + 0.5 * F.log(2 * np.pi * t)
            loss = loss + stirling * (target > 1)
        loss = apply_weighting(F, loss, self._weight, sample_weight)
        return F.mean(loss)
