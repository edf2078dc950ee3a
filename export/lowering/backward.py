"""Lowerings of the gradient ops (``hybrid/ops/backward.py``): none, they raise."""

from __future__ import annotations

from hybrid.ops.backward import BACKWARD_OPS
from hybrid.ops.registry import get_op

from . import lowering
from .math import unavailable

for _name in BACKWARD_OPS:
    lowering(_name)(unavailable(_name, get_op(_name).xfail["onnx"]))
