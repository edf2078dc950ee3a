"""Evaluation metrics with MXNet 1.9's names and semantics (``hybrid.metric``).

A metric accumulates over ``update(labels, preds)`` calls (each a list of arrays, or one array;
NDArrays or numpy arrays) and reports ``get() -> (name, value)``. Every metric keeps local and
global statistics: ``reset_local()`` clears the local ones only, ``get_global()`` reads the others.
"""

from __future__ import annotations

from .base import (
    Caffe,
    CompositeEvalMetric,
    CustomMetric,
    EvalMetric,
    Loss,
    Torch,
    alias,
    check_label_shapes,
    create,
    np,
    register,
)
from .binary import F1, MCC
from .classification import (
    Accuracy,
    CrossEntropy,
    NegativeLogLikelihood,
    Perplexity,
    TopKAccuracy,
)
from .correlation import PCC, PearsonCorrelation
from .regression import MAE, MSE, RMSE

__all__ = [
    "EvalMetric",
    "CompositeEvalMetric",
    "Accuracy",
    "TopKAccuracy",
    "F1",
    "MCC",
    "PCC",
    "PearsonCorrelation",
    "MAE",
    "MSE",
    "RMSE",
    "CrossEntropy",
    "NegativeLogLikelihood",
    "Perplexity",
    "Loss",
    "Torch",
    "Caffe",
    "CustomMetric",
    "create",
    "register",
    "alias",
    "np",
    "check_label_shapes",
]
