"""Lowering of ``_np_fallback`` (``hybrid/ops/np_fallback.py``): not provided, it raises."""

from __future__ import annotations

from hybrid.ops.registry import get_op

from . import lowering
from .math import unavailable

lowering("_np_fallback")(unavailable("_np_fallback", get_op("_np_fallback").xfail["onnx"]))
