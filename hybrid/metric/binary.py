"""Binary classification metrics from confusion counts: F1 and Matthews correlation (MCC)."""

from __future__ import annotations

import math
from typing import Any

import numpy

from ..base import HybridError
from .base import EvalMetric, as_numpy, check_label_shapes, register


def _confusion_counts(label: Any, pred: Any, metric: str) -> numpy.ndarray:
    """``[tp, fp, fn, tn]`` of ``argmax(pred, axis=1)`` against 0/1 labels."""
    label = as_numpy(label).astype(numpy.int32).ravel()
    pred = as_numpy(pred)
    check_label_shapes(label, pred)
    if len(numpy.unique(label)) > 2:
        raise HybridError(f"{metric} currently only supports binary classification")
    # 2 * predicted + actual: 3 true positive, 2 false positive, 1 false negative, 0 true negative
    outcome = 2 * (pred.argmax(axis=1) == 1) + (label == 1)
    return numpy.bincount(outcome, minlength=4)[[3, 2, 1, 0]].astype(numpy.float64)


class _BinaryMetric(EvalMetric):
    """A score of the confusion counts. ``average='macro'`` averages the scores of the updates;
    ``'micro'`` scores the counts of all updates since the (local or global) reset.
    """

    def __init__(self, name: str, average: str = "macro", **kwargs: Any):
        if average not in ("macro", "micro"):
            raise HybridError(
                f"{type(self).__name__}: average must be 'macro' or 'micro', got {average!r}"
            )
        self._average = average
        super().__init__(name, has_global_stats=True, **kwargs)

    @staticmethod
    def _score(counts: numpy.ndarray) -> float:
        raise NotImplementedError

    def reset_local(self) -> None:
        super().reset_local()
        self._counts = numpy.zeros(4)

    def reset(self) -> None:
        super().reset()
        self._global_counts = numpy.zeros(4)

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        counts = sum(
            (
                _confusion_counts(label, pred, type(self).__name__)
                for label, pred in zip(labels, preds)
            ),
            numpy.zeros(4),
        )
        if self._average == "macro":
            self._add(self._score(counts), 1)
            return
        # micro: one score from all counts so far, weighted so that sum / num is that score
        self._counts += counts
        self._global_counts += counts
        self.num_inst, self.global_num_inst = self._counts.sum(), self._global_counts.sum()
        self.sum_metric = self._score(self._counts) * self.num_inst
        self.global_sum_metric = self._score(self._global_counts) * self.global_num_inst


@register
class F1(_BinaryMetric):
    """Binary F1 score ``2 * precision * recall / (precision + recall)`` of
    ``argmax(pred, axis=1)`` against 0/1 labels (0 where precision and recall are both 0).

    Parameters
    ----------
    name : str, default 'f1'
    average : {'macro', 'micro'}, default 'macro'
        'macro' averages the scores of the updates; 'micro' scores all counts together.
    """

    def __init__(self, name: str = "f1", average: str = "macro", **kwargs: Any):
        super().__init__(name, average, **kwargs)

    @property
    def average(self) -> str:
        return self._average

    @staticmethod
    def _score(counts: numpy.ndarray) -> float:
        tp, fp, fn = (float(c) for c in counts[:3])
        precision = tp / (tp + fp) if tp + fp > 0 else 0.0
        recall = tp / (tp + fn) if tp + fn > 0 else 0.0
        return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


@register
class MCC(_BinaryMetric):
    """Matthews correlation coefficient of a binary classification,
    ``(TP * TN - FP * FN) / sqrt((TP + FP)(TP + FN)(TN + FP)(TN + FN))``, where factors that are
    0 count as 1 (and no examples give 0).

    Parameters
    ----------
    name : str, default 'mcc'
    average : {'macro', 'micro'}, default 'macro'
        'macro' averages the coefficients of the updates; 'micro' takes one from all counts.
    """

    def __init__(self, name: str = "mcc", average: str = "macro", **kwargs: Any):
        super().__init__(name, average, **kwargs)

    @staticmethod
    def _score(counts: numpy.ndarray) -> float:
        tp, fp, fn, tn = (float(c) for c in counts)
        if tp + fp + fn + tn == 0:
            return 0.0
        factors = numpy.array([tp + fp, tp + fn, tn + fp, tn + fn])
        denom = float(numpy.prod(numpy.where(factors == 0, 1.0, factors)))
        return (tp * tn - fp * fn) / math.sqrt(denom)
