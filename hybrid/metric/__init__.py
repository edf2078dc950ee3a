"""Evaluation metrics with MXNet 1.9's names and semantics (``hybrid.metric``).

A metric accumulates over ``update(labels, preds)`` calls (each a list of arrays, or one array;
NDArrays or numpy arrays) and reports ``get() -> (name, value)``. Every metric keeps local and
global statistics: ``reset_local()`` clears the local ones only, ``get_global()`` reads the others.
"""

from __future__ import annotations

from .base import (
    CompositeEvalMetric,
    CustomMetric,
    EvalMetric,
    Loss,
    alias,
    check_label_shapes,
    create,
    np,
    register,
)
from .classification import (
    F1,
    Accuracy,
    CrossEntropy,
    NegativeLogLikelihood,
    Perplexity,
    TopKAccuracy,
)
from .regression import MAE, MSE, RMSE

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
