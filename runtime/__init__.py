"""Serving ONNX models: :class:`Predictor` in process, ``hybrid-serve`` over HTTP.

``Predictor`` needs only numpy and onnxruntime; the HTTP server (:mod:`hybrid.runtime.server`,
imported on demand) also needs starlette and uvicorn, the ``serve`` extra.
"""
from __future__ import annotations

from .config import ModelConfig
from .errors import (
    ExecutionError,
    InferenceError,
    InvalidInputError,
    ModelLoadError,
    ModelNotFoundError,
    ModelUnavailableError,
    PayloadTooLargeError,
    ServerBusyError,
)
from .predictor import Predictor
from .repository import ModelRepository
from .spec import TensorSpec

# MXNet's ``mx.runtime`` lists compile-time features; a script ported with ``import hybrid as mx``
# reaches them here. They live in hybrid.features, imported on first use so that serving never
# loads the framework.
_MXNET_FEATURES = ("Feature", "Features", "feature_list")


def __getattr__(name: str):
    if name in _MXNET_FEATURES:
        from hybrid import features

        return getattr(features, name)
    raise AttributeError(f"module 'hybrid.runtime' has no attribute {name!r}")


__all__ = [
    "Predictor",
    "TensorSpec",
    "ModelRepository",
    "ModelConfig",
    "InferenceError",
    "InvalidInputError",
    "ModelNotFoundError",
    "ModelUnavailableError",
    "ModelLoadError",
    "ExecutionError",
    "PayloadTooLargeError",
    "ServerBusyError",
]
