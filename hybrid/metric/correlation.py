"""Correlation metrics: Pearson correlation of values and PCC, the multiclass Matthews
correlation of a confusion matrix.
"""

from __future__ import annotations

from typing import Any

import numpy

from ..base import HybridError
from .base import EvalMetric, alias, as_numpy, check_label_shapes, register


@register
@alias("pearsonr")
class PearsonCorrelation(EvalMetric):
    """Pearson correlation ``cov(label, pred) / (std(label) * std(pred))`` of the flattened arrays.

    Parameters
    ----------
    name : str, default 'pearsonr'
    average : {'macro', 'micro'}, default 'macro'
        'macro' averages the correlations of the updates; 'micro' computes one correlation over
        every value since ``reset`` from running means, sums of squares and co-moment (so
        ``get_global`` returns it too).
    """

    def __init__(self, name: str = "pearsonr", average: str = "macro", **kwargs: Any):
        if average not in ("macro", "micro"):
            raise HybridError(
                f"PearsonCorrelation: average must be 'macro' or 'micro', got {average!r}"
            )
        self.average = average
        super().__init__(name, has_global_stats=True, **kwargs)

    def reset(self) -> None:
        super().reset()
        # count, mean and sum of squared deviations of labels and of preds; their co-moment
        self._label_stats = (0, 0.0, 0.0)
        self._pred_stats = (0, 0.0, 0.0)
        self._comoment = 0.0

    @staticmethod
    def _merged(values: numpy.ndarray, stats: tuple) -> tuple:
        """Running (count, mean, squared deviations) after a batch: Welford's update."""
        count, mean, m2 = stats
        count += values.size
        delta = values - mean
        mean += float(delta.sum() / count)
        return count, mean, m2 + float((delta * (values - mean)).sum())

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            check_label_shapes(label, pred, False, True)
            label = as_numpy(label).ravel().astype(numpy.float64)
            pred = as_numpy(pred).ravel().astype(numpy.float64)
            if self.average == "macro":
                self._add(float(numpy.corrcoef(pred, label)[0, 1]), 1)
                continue
            self._add(0.0, 1)
            self._label_stats = self._merged(label, self._label_stats)
            # co-moment update between the label mean after and the pred mean before the batch
            self._comoment += float(
                ((label - self._label_stats[1]) * (pred - self._pred_stats[1])).sum()
            )
            self._pred_stats = self._merged(pred, self._pred_stats)

    def _micro(self) -> float:
        n = self._label_stats[0]
        spread = numpy.sqrt(self._pred_stats[2] / (n - 1) * (self._label_stats[2] / (n - 1)))
        return float(self._comoment / ((n - 1) * spread))

    def get(self) -> tuple:
        if self.average == "macro" or self.num_inst == 0:
            return super().get()
        return self.name, self._micro()

    def get_global(self) -> tuple:
        if self.average == "macro" or self.global_num_inst == 0:
            return super().get_global()
        return self.name, self._micro()


@register
class PCC(EvalMetric):
    """Multiclass Matthews correlation (the discrete Pearson correlation) of the confusion matrix
    ``C`` of predicted against true classes:
    ``sum(diag(C) * n - x * y) / sqrt(sum(x * (n - x)) * sum(y * (n - y)))`` with ``x``, ``y``
    the row and column sums and ``n`` the count; NaN when either sum under the root is 0.

    Predictions are class scores (reduced with argmax over axis 1) or class ids shaped like the
    labels. The matrix grows with the largest class seen; ``get`` reads it since
    ``reset_local``, ``get_global`` since ``reset``.

    Parameters
    ----------
    name : str, default 'pcc'
    has_global_stats : bool, default True
    """

    def __init__(self, name: str = "pcc", has_global_stats: bool = True, **kwargs: Any):
        self.k = 2
        super().__init__(name, has_global_stats=has_global_stats, **kwargs)

    def reset(self) -> None:
        self.global_num_inst = 0
        self.gcm = numpy.zeros((self.k, self.k))
        self.reset_local()

    def reset_local(self) -> None:
        self.num_inst = 0
        self.lcm = numpy.zeros((self.k, self.k))

    @property
    def sum_metric(self) -> float:
        return _pcc(self.lcm) * self.num_inst

    @property
    def global_sum_metric(self) -> float:
        return _pcc(self.gcm) * self.global_num_inst

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = as_numpy(label).astype(numpy.int32), as_numpy(pred)
            pred = pred.argmax(axis=1) if pred.shape != label.shape else pred.astype(numpy.int32)
            pred, label = pred.ravel(), label.ravel()
            check_label_shapes(label, pred)
            size = int(max(pred.max(), label.max())) + 1
            if size > self.k:
                grow = ((0, size - self.k), (0, size - self.k))
                self.lcm, self.gcm = numpy.pad(self.lcm, grow), numpy.pad(self.gcm, grow)
                self.k = size
            counts = numpy.zeros((self.k, self.k))
            numpy.add.at(counts, (pred, label), 1)  # (predicted class, true class)
            self.lcm += counts
            self.gcm += counts
        self.num_inst += 1
        self.global_num_inst += 1


def _pcc(cmat: numpy.ndarray) -> float:
    n = cmat.sum()
    x, y = cmat.sum(axis=1), cmat.sum(axis=0)
    cov_xx, cov_yy = float(numpy.sum(x * (n - x))), float(numpy.sum(y * (n - y)))
    if cov_xx == 0 or cov_yy == 0:
        return float("nan")
    cov_xy = float(numpy.sum(cmat.diagonal() * n - x * y))
    return cov_xy / (cov_xx * cov_yy) ** 0.5
