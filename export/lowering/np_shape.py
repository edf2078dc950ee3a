"""Lowerings of the NumPy-semantics shape ops (``hybrid/ops/np_shape.py``)."""

from __future__ import annotations

from ..builder import Builder, Call
from . import lowering
from .shape import reshape


@lowering("_np_reshape")
def _np_reshape(ctx: Builder, n: Call) -> str:
    # NOTE: the traced output shape is concrete; keeping newshape's -1 lets the batch dim vary.
    return reshape(ctx, n.inputs[0], n.in_shapes[0], list(n.attrs["newshape"]))
