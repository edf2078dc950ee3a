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
