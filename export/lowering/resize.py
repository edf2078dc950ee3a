"""Lowerings of BilinearResize2D and AdaptiveAvgPooling2D (``hybrid/ops/resize.py``).

BilinearResize2D is ONNX's Resize in linear mode: ``align_corners`` maps to the coordinate mode
of that name, and MXNet's other mapping, ``max(scale * (i + 0.5) - 0.5, 0)`` with scale 0 for a
single output, is ``pytorch_half_pixel`` (linear interpolation clamps the negative positions to
the edge, as MXNet's max does). AdaptiveAvgPooling2D is an AveragePool where the windows tile
the input evenly, GlobalAveragePool for 1x1, and otherwise two MatMuls with the averaging
matrices of Note [Separable resizing].
"""

from __future__ import annotations

from hybrid.ops.resize import adaptive_matrix

from ..builder import Builder, Call
from . import lowering


@lowering("_contrib_BilinearResize2D")
def _bilinear_resize(ctx: Builder, n: Call) -> str:
    x = n.inputs[0]
    mode = "align_corners" if n.attrs["align_corners"] else "pytorch_half_pixel"
    batch_channels = ctx.node("Slice", [ctx.node("Shape", [x]), ctx.ints([0]), ctx.ints([2])])
    sizes = ctx.node("Concat", [batch_channels, ctx.ints(n.out_shapes[0][2:4])], axis=0)
    return ctx.node("Resize", [x, "", "", sizes], mode="linear",
                    coordinate_transformation_mode=mode)


@lowering("_contrib_AdaptiveAvgPooling2D")
def _adaptive_avg_pool(ctx: Builder, n: Call) -> str:
    x, dtype = n.inputs[0], n.in_dtypes[0]
    h, w = n.in_shapes[0][2:4]
    oh, ow = n.out_shapes[0][2:4]
    if (oh, ow) == (1, 1):
        return ctx.node("GlobalAveragePool", [x])
    if h % oh == 0 and w % ow == 0:
        kernel = [h // oh, w // ow]
        return ctx.node("AveragePool", [x], kernel_shape=kernel, strides=kernel)
    rows = ctx.const(adaptive_matrix(h, oh).astype(dtype))  # (OH, H)
    cols = ctx.const(adaptive_matrix(w, ow).T.astype(dtype))  # (W, OW)
    return ctx.node("MatMul", [rows, ctx.node("MatMul", [x, cols])])
