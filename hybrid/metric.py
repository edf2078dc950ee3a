"""Evaluation metrics with MXNet 1.9's names and semantics (``hybrid.metric``).

A metric accumulates over ``update(labels, preds)`` calls (each a list of arrays, or one array;
NDArrays or numpy arrays) and reports ``get() -> (name, value)``. Every metric keeps local and
global statistics: ``reset_local()`` clears the local ones only, ``get_global()`` reads the others.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from .base import HybridError
from .class_registry import ClassRegistry

__all__ = [
    "EvalMetric",
    "CompositeEvalMetric",
    "Accuracy",
    "TopKAccuracy",
    "F1",
    "MAE",
    "MSE",
    "RMSE",
    "CrossEntropy",
    "NegativeLogLikelihood",
    "Perplexity",
    "Loss",
    "CustomMetric",
    "create",
    "register",
    "alias",
    "np",
    "check_label_shapes",
]

_CLASSES = ClassRegistry("metric")


def _asnumpy(x: Any) -> numpy.ndarray:
    return x._data if hasattr(x, "_data") else numpy.asarray(x)


def _as_list(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def check_label_shapes(labels: Any, preds: Any, wrap: bool = False, shape: bool = False) -> tuple:
    """Check that labels and preds agree in count (or in shape with ``shape=True``); with
    ``wrap=True`` single arrays come back as one-element lists.
    """
    if wrap:
        labels, preds = _as_list(labels), _as_list(preds)
    got = (_asnumpy(labels).shape, _asnumpy(preds).shape) if shape else (len(labels), len(preds))
    if got[0] != got[1]:
        raise HybridError(f"Shape of labels {got[0]} does not match shape of predictions {got[1]}")
    return labels, preds


def register(klass: type) -> type:
    """Register a metric class under its lowercased name, for ``create``."""
    return _CLASSES.register(klass)


def alias(*names: str) -> Any:
    """Class decorator adding names under which ``create`` finds a metric."""
    return _CLASSES.alias(*names)


def create(metric: Any, *args: Any, **kwargs: Any) -> EvalMetric:
    """A metric from a name (``'acc'``, ``'f1'``, ...), an instance, a callable
    ``feval(label, pred)`` or a list of those (a :class:`CompositeEvalMetric`).
    """
    if isinstance(metric, EvalMetric):
        return metric
    if isinstance(metric, list):
        return CompositeEvalMetric([create(m, *args, **kwargs) for m in metric])
    if callable(metric) and not isinstance(metric, type):
        return CustomMetric(metric, *args, **kwargs)
    if isinstance(metric, type) and issubclass(metric, EvalMetric):
        return metric(*args, **kwargs)
    return _CLASSES.get(metric)(*args, **kwargs)


class EvalMetric:
    """Base class: ``sum_metric / num_inst`` over everything seen since ``reset``.

    Parameters
    ----------
    name : str
    output_names, label_names : list of str, optional
        Which outputs and labels ``update_dict`` passes on.
    """

    def __init__(
        self,
        name: str,
        output_names: list | None = None,
        label_names: list | None = None,
        **kwargs: Any,
    ):
        self.name = str(name)
        self.output_names = output_names
        self.label_names = label_names
        self._kwargs = kwargs
        self.reset()

    def __str__(self) -> str:
        return f"EvalMetric: {dict(self.get_name_value())}"

    def get_config(self) -> dict:
        config = dict(self._kwargs)
        config.update(
            metric=type(self).__name__,
            name=self.name,
            output_names=self.output_names,
            label_names=self.label_names,
        )
        return config

    def update_dict(self, label: dict, pred: dict) -> None:
        """``update`` from dicts of named labels and outputs."""
        preds = [pred[n] for n in self.output_names] if self.output_names else list(pred.values())
        labels = [label[n] for n in self.label_names] if self.label_names else list(label.values())
        self.update(labels, preds)

    def update(self, labels: Any, preds: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define update")

    def _add(self, value: float, count: float) -> None:
        self.sum_metric += value
        self.global_sum_metric += value
        self.num_inst += count
        self.global_num_inst += count

    def reset(self) -> None:
        self.reset_local()
        self.global_num_inst = 0
        self.global_sum_metric = 0.0

    def reset_local(self) -> None:
        self.num_inst = 0
        self.sum_metric = 0.0

    def _value(self, total: float, count: float) -> float:
        return float("nan") if count == 0 else total / count

    def get(self) -> tuple:
        return self.name, self._value(self.sum_metric, self.num_inst)

    def get_global(self) -> tuple:
        return self.name, self._value(self.global_sum_metric, self.global_num_inst)

    def get_name_value(self) -> list:
        return _name_value(*self.get())

    def get_global_name_value(self) -> list:
        return _name_value(*self.get_global())


def _name_value(name: Any, value: Any) -> list:
    return list(zip(_as_list(name), _as_list(value)))


@register
@alias("composite")
class CompositeEvalMetric(EvalMetric):
    """Several metrics updated together; ``get`` returns lists of names and values."""

    def __init__(self, metrics: list | None = None, name: str = "composite", **kwargs: Any):
        self.metrics = [create(m) for m in (metrics or [])]
        super().__init__(name, **kwargs)

    def add(self, metric: Any) -> None:
        self.metrics.append(create(metric))

    def get_metric(self, index: int) -> EvalMetric:
        if not 0 <= index < len(self.metrics):
            raise HybridError(f"Metric index {index} is out of range 0 and {len(self.metrics)}")
        return self.metrics[index]

    def update(self, labels: Any, preds: Any) -> None:
        for metric in self.metrics:
            metric.update(labels, preds)

    def update_dict(self, labels: dict, preds: dict) -> None:
        if self.label_names is not None:
            labels = {k: v for k, v in labels.items() if k in self.label_names}
        if self.output_names is not None:
            preds = {k: v for k, v in preds.items() if k in self.output_names}
        for metric in self.metrics:
            metric.update_dict(labels, preds)

    def reset(self) -> None:
        for metric in getattr(self, "metrics", []):
            metric.reset()

    def reset_local(self) -> None:
        for metric in self.metrics:
            metric.reset_local()

    def _collect(self, method: str) -> tuple:
        names, values = [], []
        for metric in self.metrics:
            name, value = getattr(metric, method)()
            names.extend(_as_list(name))
            values.extend(_as_list(value))
        return names, values

    def get(self) -> tuple:
        return self._collect("get")

    def get_global(self) -> tuple:
        return self._collect("get_global")


@register
@alias("acc")
class Accuracy(EvalMetric):
    """Fraction of correct predictions; class scores are reduced with argmax over ``axis``."""

    def __init__(self, axis: int = 1, name: str = "accuracy", **kwargs: Any):
        super().__init__(name, axis=axis, **kwargs)
        self.axis = axis

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _asnumpy(label), _asnumpy(pred)
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
        super().__init__(f"{name}_{top_k}", top_k=top_k, **kwargs)
        self.top_k = top_k

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            pred = _asnumpy(pred).astype(numpy.float32)
            label = _asnumpy(label).astype(numpy.int32).ravel()
            if pred.ndim != 2:
                raise HybridError(f"TopKAccuracy: predictions must be 2-D, got {pred.shape}")
            k = min(self.top_k, pred.shape[1])
            top = numpy.argpartition(pred, -k, axis=1)[:, -k:]  # (batch, k)
            self._add(int((top == label[:, None]).any(axis=1).sum()), pred.shape[0])


@register
class F1(EvalMetric):
    """Binary F1 score of ``argmax(pred, axis=1)`` against 0/1 labels.

    ``average='macro'`` averages the per-update scores; ``'micro'`` computes one score from the
    counts of every update.
    """

    def __init__(self, name: str = "f1", average: str = "macro", **kwargs: Any):
        if average not in ("macro", "micro"):
            raise HybridError(f"F1: average must be 'macro' or 'micro', got {average!r}")
        self.average = average
        super().__init__(name, **kwargs)

    def reset_local(self) -> None:
        super().reset_local()
        self._counts = numpy.zeros(4)  # true/false positives, false/true negatives

    def reset(self) -> None:
        super().reset()
        self._global_counts = numpy.zeros(4)

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        counts = numpy.zeros(4)
        for label, pred in zip(labels, preds):
            label = _asnumpy(label).astype(numpy.int32).ravel()
            pred = _asnumpy(pred)
            check_label_shapes(label, pred)
            if len(numpy.unique(label)) > 2:
                raise HybridError("F1 currently only supports binary classification")
            # 2 * predicted + actual: 3 true positive, 2 false positive, 1 false negative, 0 true
            # negative
            outcome = 2 * (pred.argmax(axis=1) == 1) + (label == 1)
            counts += numpy.bincount(outcome, minlength=4)[[3, 2, 1, 0]]
        if self.average == "macro":
            self._add(_fscore(counts), 1)
            return
        # micro: one score from all counts so far, weighted so that sum / num is that score
        self._counts += counts
        self._global_counts += counts
        self.num_inst, self.global_num_inst = self._counts.sum(), self._global_counts.sum()
        self.sum_metric = _fscore(self._counts) * self.num_inst
        self.global_sum_metric = _fscore(self._global_counts) * self.global_num_inst


def _fscore(counts: numpy.ndarray) -> float:
    tp, fp, fn = (float(c) for c in counts[:3])
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


class _Regression(EvalMetric):
    """Mean over updates of a per-batch error between labels and predictions (1-D inputs are
    columns).
    """

    def _error(self, diff: numpy.ndarray) -> float:
        raise NotImplementedError

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _asnumpy(label), _asnumpy(pred)
            label = label.reshape(-1, 1) if label.ndim == 1 else label
            pred = pred.reshape(-1, 1) if pred.ndim == 1 else pred
            self._add(float(self._error(label - pred)), 1)


@register
class MAE(_Regression):
    """Mean absolute error."""

    def __init__(self, name: str = "mae", **kwargs: Any):
        super().__init__(name, **kwargs)

    def _error(self, diff: numpy.ndarray) -> float:
        return numpy.abs(diff).mean()


@register
class MSE(_Regression):
    """Mean squared error."""

    def __init__(self, name: str = "mse", **kwargs: Any):
        super().__init__(name, **kwargs)

    def _error(self, diff: numpy.ndarray) -> float:
        return numpy.square(diff).mean()


@register
class RMSE(_Regression):
    """Root mean squared error (of each update, averaged over updates)."""

    def __init__(self, name: str = "rmse", **kwargs: Any):
        super().__init__(name, **kwargs)

    def _error(self, diff: numpy.ndarray) -> float:
        return numpy.sqrt(numpy.square(diff).mean())


@register
@alias("ce")
class CrossEntropy(EvalMetric):
    """Mean of ``-log(p[label] + eps)`` over samples; ``pred`` holds probabilities
    ``(batch, classes)``.
    """

    def __init__(self, eps: float = 1e-12, name: str = "cross-entropy", **kwargs: Any):
        super().__init__(name, eps=eps, **kwargs)
        self.eps = eps

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _asnumpy(label).ravel().astype(numpy.int64), _asnumpy(pred)
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
        super().__init__(name, ignore_label=ignore_label, axis=axis, **kwargs)
        self.ignore_label = ignore_label
        self.axis = axis

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        loss, num = 0.0, 0
        for label, pred in zip(labels, preds):
            pred = numpy.moveaxis(_asnumpy(pred), self.axis, -1)
            pred = pred.reshape(-1, pred.shape[-1])  # (positions, classes)
            label = _asnumpy(label).ravel().astype(numpy.int64)
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


@register
class Loss(EvalMetric):
    """Mean of the given loss values (labels are ignored)."""

    def __init__(self, name: str = "loss", **kwargs: Any):
        super().__init__(name, **kwargs)

    def update(self, _: Any, preds: Any) -> None:
        for pred in _as_list(preds):
            pred = _asnumpy(pred)
            self._add(float(pred.sum()), pred.size)


@register
class CustomMetric(EvalMetric):
    """A metric from ``feval(label, pred)`` on numpy arrays, returning a value or
    ``(sum, count)``.
    """

    def __init__(
        self, feval: Any, name: str | None = None, allow_extra_outputs: bool = False, **kwargs: Any
    ):
        if name is None:
            name = feval.__name__
            if "<" in name:
                name = f"custom({name})"
        super().__init__(name, feval=feval, allow_extra_outputs=allow_extra_outputs, **kwargs)
        self._feval = feval
        self._allow_extra_outputs = allow_extra_outputs

    def update(self, labels: Any, preds: Any) -> None:
        if self._allow_extra_outputs:
            labels, preds = _as_list(labels), _as_list(preds)
        else:
            labels, preds = check_label_shapes(labels, preds, True)
        for pred, label in zip(preds, labels):
            value = self._feval(_asnumpy(label), _asnumpy(pred))
            self._add(*(value if isinstance(value, tuple) else (value, 1)))


def np(numpy_feval: Any, name: str | None = None, allow_extra_outputs: bool = False) -> Any:
    """A :class:`CustomMetric` from a numpy function ``feval(label, pred)``."""
    return CustomMetric(numpy_feval, name, allow_extra_outputs)
