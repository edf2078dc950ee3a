"""Checks the estimator and its handlers share: metric lists, metric references, the metric a
loss suggests.
"""

from __future__ import annotations

from typing import Any

from ....base import HybridError
from ....metric import Accuracy, CompositeEvalMetric, EvalMetric
from ...loss import SoftmaxCrossEntropyLoss
from ._events import list_of


def check_metrics(metrics: Any) -> list:
    """A list of metrics from one metric, a composite (flattened) or a list."""
    if isinstance(metrics, CompositeEvalMetric):
        return [m for metric in metrics.metrics for m in check_metrics(metric)]
    return list_of(
        metrics,
        EvalMetric,
        "estimator: metrics must be a Metric or a list of Metric (hybrid.metric.EvalMetric), got ",
    )


def check_handler_metric_ref(handler: Any, known_metrics: set) -> None:
    """Raise when a handler's metric attributes refer to metrics the estimator does not update.

    NOTE: MXNet 1.9.1 looks at the attributes whose name contains 'metric' only (its keyword
    list is ``['metric' or 'monitor']``), so a handler's ``monitor`` is not checked here either.
    """
    for attribute in dir(handler):
        if "metric" not in attribute:
            continue
        reference = getattr(handler, attribute)
        if not reference:
            continue
        for metric in reference if isinstance(reference, list) else [reference]:
            if metric not in known_metrics:
                raise HybridError(
                    f"Event handler {type(handler).__name__} refers to a metric instance "
                    f"{metric} outside of the known training and validation metrics. Please use "
                    "the metrics from estimator.train_metrics and estimator.val_metrics instead."
                )


def suggest_metric_for_loss(loss: Any) -> EvalMetric | None:
    """Accuracy for a softmax cross-entropy loss, else None."""
    return Accuracy() if isinstance(loss, SoftmaxCrossEntropyLoss) else None
