"""Classification metrics: accuracy, top-k accuracy, cross-entropy and perplexity."""

from __future__ import annotations

import math
from typing import Any

import numpy

from ..base import HybridError
from .base import EvalMetric, alias, as_numpy, check_label_shapes, register


@register
@alias("acc")
class Accuracy(EvalMetric):
    """Fraction of correct predictions; class scores are reduced with argmax over ``axis``."""

    def __init__(self, axis: int = 1, name: str = "accuracy", **kwargs: Any):
        super().__init__(name, axis=axis, has_global_stats=True, **kwargs)
        self.axis = axis

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = as_numpy(label), as_numpy(pred)
            if pred.shape != label.shape:
                pred = pred.argmax(axis=self.axis)
            label = label.astype(numpy.int32).ravel()
            pred = pred.astype(numpy.int32).ravel()
            check_label_shapes(label, pred)
            self._add(int((pred == label).sum()), len(pred))


@register
@alias("top_k_accuracy", "top_k_acc")
class TopKAccuracy(EvalMetric):
    """Fraction of samples whose label is among the ``top_k`` highest scores."""

    def __init__(self, top_k: int = 1, name: str = "top_k_accuracy", **kwargs: Any):
        if top_k <= 1:
            raise HybridError(f"TopKAccuracy: top_k must be > 1 (use Accuracy), got {top_k}")
        super().__init__(f"{name}_{top_k}", top_k=top_k, has_global_stats=True, **kwargs)
        self.top_k = top_k

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            pred = as_numpy(pred).astype(numpy.float32)
            label = as_numpy(label).astype(numpy.int32).ravel()
            if pred.ndim != 2:
                raise HybridError(f"TopKAccuracy: predictions must be 2-D, got {pred.shape}")
            k = min(self.top_k, pred.shape[1])
            top = numpy.argpartition(pred, -k, axis=1)[:, -k:]  # (batch, k)
            self._add(int((top == label[:, None]).any(axis=1).sum()), pred.shape[0])


@register
@alias("ce")
class CrossEntropy(EvalMetric):
    """Mean of ``-log(p[label] + eps)`` over samples; ``pred`` holds probabilities
    ``(batch, classes)``.
    """

    def __init__(self, eps: float = 1e-12, name: str = "cross-entropy", **kwargs: Any):
        super().__init__(name, eps=eps, has_global_stats=True, **kwargs)
        self.eps = eps

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = as_numpy(label).ravel().astype(numpy.int64), as_numpy(pred)
            if label.shape[0] != pred.shape[0]:
                raise HybridError(
                    f"{type(self).__name__}: {label.shape[0]} labels for {pred.shape[0]} "
                    "predictions"
                )
            prob = pred[numpy.arange(label.shape[0]), label]
            self._add(float(-numpy.log(prob + self.eps).sum()), label.shape[0])


@register
@alias("nll_loss")
class NegativeLogLikelihood(CrossEntropy):
    """Negative log-likelihood: the same quantity as :class:`CrossEntropy`."""

    def __init__(self, eps: float = 1e-12, name: str = "nll-loss", **kwargs: Any):
        super().__init__(eps=eps, name=name, **kwargs)


@register
class Perplexity(EvalMetric):
    """``exp`` of the mean negative log-probability of the labels, skipping ``ignore_label``.

    ``pred`` holds probabilities with classes on ``axis``; labels have one entry per position.
    """

    def __init__(
        self, ignore_label: int | None, axis: int = -1, name: str = "perplexity", **kwargs: Any
    ):
        super().__init__(
            name, ignore_label=ignore_label, axis=axis, has_global_stats=True, **kwargs
        )
        self.ignore_label = ignore_label
        self.axis = axis

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        loss, num = 0.0, 0
        for label, pred in zip(labels, preds):
            pred = numpy.moveaxis(as_numpy(pred), self.axis, -1)
            pred = pred.reshape(-1, pred.shape[-1])  # (positions, classes)
            label = as_numpy(label).ravel().astype(numpy.int64)
            if label.size != pred.shape[0]:
                raise HybridError(
                    f"Perplexity: shape mismatch, {label.size} labels for {pred.shape[0]} "
                    "predicted positions"
                )
            keep = numpy.ones(label.size, dtype=bool)
            if self.ignore_label is not None:
                keep = label != self.ignore_label
            prob = pred[numpy.arange(label.size), numpy.where(keep, label, 0)][keep]
            loss -= float(numpy.log(numpy.maximum(1e-10, prob)).sum())
            num += int(keep.sum())
        self._add(loss, num)

    def _value(self, total: float, count: float) -> float:
        return float("nan") if count == 0 else math.exp(total / count)
