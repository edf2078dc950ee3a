"""The lowering of ``Custom`` (``hybrid/ops/custom.py``): the prop's own ``lower_onnx`` when it
has one, else a clear error (See Note [Custom op ONNX lowering] in ``hybrid/operator.py``).
"""

from __future__ import annotations

from typing import Any

from hybrid.base import HybridError
from hybrid.ops.custom import prop_for

from ..builder import Builder, Call
from . import lowering

__all__: list[str] = []


@lowering("Custom")
def custom(ctx: Builder, n: Call) -> Any:
    prop = prop_for(n.attrs)
    hook = getattr(prop, "lower_onnx", None)
    if hook is None:
        raise HybridError(
            f"Custom op {n.attrs['op_type']!r} (node {n.name!r}, {type(prop).__name__}) has no "
            "ONNX lowering: ONNX cannot run Python code; give the prop a "
            "lower_onnx(self, ctx, call) method that emits ONNX nodes (see hybrid.operator)"
        )
    return hook(ctx, n)
