"""Lowerings of LRN, L2Normalization, Crop and Correlation (``hybrid/ops/vision.py``)."""

from __future__ import annotations

from hybrid.base import HybridError

from ..builder import Builder, Call
from . import lowering
from .nn import scalar


@lowering("LRN")
def _lrn(ctx: Builder, n: Call) -> str:
    # ONNX's LRN window is [c - (size-1)//2, c + ceil((size-1)/2)]: MXNet's for odd nsize.
    a = n.attrs
    return ctx.node("LRN", [n.inputs[0]], size=a["nsize"], alpha=a["alpha"], beta=a["beta"],
                    bias=a["knorm"])


@lowering("L2Normalization")
def _l2_normalization(ctx: Builder, n: Call) -> str:
    x, rank, mode = n.inputs[0], len(n.in_shapes[0]), n.attrs["mode"]
    axes = {"instance": range(1, rank), "channel": [1], "spatial": range(2, rank)}[mode]
    total = ctx.node("ReduceSum", [ctx.node("Mul", [x, x]), ctx.ints(list(axes))], keepdims=1)
    eps = ctx.const(scalar(n.attrs["eps"], n.in_dtypes[0]))
    return ctx.node("Div", [x, ctx.node("Sqrt", [ctx.node("Add", [total, eps])])])


@lowering("Crop")
def _crop(ctx: Builder, n: Call) -> str:
    from hybrid.ops.vision import _crop_offset

    a, shape = n.attrs, n.in_shapes[0]
    hw = n.out_shapes[0][2:4]
    top, left = _crop_offset(tuple(shape), hw, a["offset"], a["center_crop"])
    return ctx.node("Slice", [n.inputs[0], ctx.ints([top, left]),
                              ctx.ints([top + hw[0], left + hw[1]]), ctx.ints([2, 3])])


@lowering("Correlation")
def _correlation(ctx: Builder, n: Call) -> str:
    raise HybridError(
        "Correlation: not lowered to ONNX, which has no correlation operator; written out it "
        "needs a Slice, Mul, ReduceSum and AveragePool per displacement ((2 * max_displacement "
        "/ stride2 + 1)^2 of them, 441 for FlowNet), so export stops here instead"
    )
