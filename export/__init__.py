"""ONNX export and import (``hybrid.export``): op lowerings, exporter, importer, checks."""

from __future__ import annotations

from .checks import run_onnx, verify
from .exporter import check_model, save_model, to_onnx
from .importer import from_onnx
from .opset import MIN_OPSET, default_opset

__all__ = [
    "MIN_OPSET",
    "default_opset",
    "to_onnx",
    "from_onnx",
    "save_model",
    "check_model",
    "verify",
    "run_onnx",
]
