"""Lowering of contrib.hawkesll (``hybrid/ops/hawkes.py``): not provided, it raises."""

from __future__ import annotations

from hybrid.ops.registry import get_op

from . import lowering
from .math import unavailable

lowering("_contrib_hawkesll")(
    unavailable("_contrib_hawkesll", get_op("_contrib_hawkesll").xfail["onnx"]))
