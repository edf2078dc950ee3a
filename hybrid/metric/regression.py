"""Regression metrics: mean absolute, mean squared and root mean squared error."""

from __future__ import annotations

from typing import Any

import numpy

from .base import EvalMetric, as_numpy, check_label_shapes, register


class _Regression(EvalMetric):
    """Mean over updates of a per-batch error between labels and predictions (1-D inputs are
    columns).
    """

    def _error(self, diff: numpy.ndarray) -> float:
        raise NotImplementedError

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = as_numpy(label), as_numpy(pred)
            label = label.reshape(-1, 1) if label.ndim == 1 else label
            pred = pred.reshape(-1, 1) if pred.ndim == 1 else pred
            self._add(float(self._error(label - pred)), 1)


@register
class MAE(_Regression):
    """Mean absolute error."""

    def __init__(self, name: str = "mae", **kwargs: Any):
        super().__init__(name, has_global_stats=True, **kwargs)

    def _error(self, diff: numpy.ndarray) -> float:
        return numpy.abs(diff).mean()


@register
class MSE(_Regression):
    """Mean squared error."""

    def __init__(self, name: str = "mse", **kwargs: Any):
        super().__init__(name, has_global_stats=True, **kwargs)

    def _error(self, diff: numpy.ndarray) -> float:
        return numpy.square(diff).mean()


@register
class RMSE(_Regression):
    """Root mean squared error (of each update, averaged over updates)."""

    def __init__(self, name: str = "rmse", **kwargs: Any):
        super().__init__(name, has_global_stats=True, **kwargs)

    def _error(self, diff: numpy.ndarray) -> float:
        return numpy.sqrt(numpy.square(diff).mean())
