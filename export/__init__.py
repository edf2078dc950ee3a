"""ONNX export and import (``hybrid.export``): op lowerings, exporter, importer, checks."""

from __future__ import annotations

from .opset import MIN_OPSET, default_opset

__all__ = ["MIN_OPSET", "default_opset"]
