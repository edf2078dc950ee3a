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

# MXNet's ``mx.runtime`` is the build-feature module; code that reaches it as ``hybrid.runtime``
# (``import hybrid as mx; mx.runtime.Features()``) gets hybrid.features' objects. Looked up on
# first use, so serving never imports the framework.
_MXNET_FEATURE_NAMES = ("Feature", "Features", "feature_list")


def __getattr__(name: str) -> object:
    if name in _MXNET_FEATURE_NAMES:
        from .. import features

        return getattr(features, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
