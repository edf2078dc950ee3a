"""Lowerings of the sorting ops (``hybrid/ops/sort.py``) onto ONNX ``TopK``.

``TopK`` puts the lower index first among equal values, which is the stable order MXNet's
(and hybrid's) sort gives, ascending or descending. ``sort`` and ``argsort`` take the whole axis,
whose length is read at run time (see Note [Dynamic dims in lowerings] in ``shape.py``).
"""

from __future__ import annotations

from hybrid.ops._util import normalize_axis

from ..builder import Builder, Call
from . import lowering
from .creation import fill
from .shape import cast, dims_at, reshape


def _top(ctx: Builder, n: Call, k: int, largest: bool) -> tuple[str, str, str, int]:
    """``TopK`` along the op's axis (of the flattened input when None): returns the sorted
    input, the values, the int64 indices and the axis.
    """
    x, shape, axis = n.inputs[0], n.in_shapes[0], n.attrs["axis"]
    if axis is None:
        x, a = reshape(ctx, x, shape, [-1]), 0
    else:
        a = normalize_axis("sort", axis, len(shape))
    count = ctx.ints([k]) if k >= 1 else dims_at(ctx, x, [a])
    values, indices = ctx.node(
        "TopK", [x, count], outputs=2, axis=a, largest=int(largest), sorted=1
    )
    return x, values, indices, a


@lowering("topk")
def _topk(ctx: Builder, n: Call) -> str | list[str]:
    a = n.attrs
    x, values, indices, axis = _top(ctx, n, a["k"], not a["is_ascend"])
    if a["ret_typ"] == "mask":
        dtype = n.in_dtypes[0]
        ones = fill(ctx, ctx.node("Shape", [indices]), 1, dtype)
        mask = ctx.node(
            "ScatterElements",
            [fill(ctx, ctx.node("Shape", [x]), 0, dtype), indices, ones],
            axis=axis,
        )
        if x == n.inputs[0]:
            return mask
        return ctx.node("Reshape", [mask, ctx.node("Shape", [n.inputs[0]])])
    indices = cast(ctx, indices, "int64", a["dtype"])
    return {"value": values, "indices": indices, "both": [values, indices]}[a["ret_typ"]]


@lowering("sort")
def _sort(ctx: Builder, n: Call) -> str:
    return _top(ctx, n, 0, not n.attrs["is_ascend"])[1]


@lowering("argsort")
def _argsort(ctx: Builder, n: Call) -> str:
    indices = _top(ctx, n, 0, not n.attrs["is_ascend"])[2]
    return cast(ctx, indices, "int64", n.attrs["dtype"])
