"""Lowerings of joining and splitting (``hybrid/ops/join.py``): Concat, stack, SliceChannel."""

from __future__ import annotations

from hybrid.ops._util import normalize_axis

from ..builder import Builder, Call
from . import lowering


@lowering("Concat")
def _concat(ctx: Builder, n: Call) -> str:
    if len(n.inputs) == 1:
        return n.inputs[0]
    axis = normalize_axis("Concat", n.attrs["dim"], len(n.in_shapes[0]))
    return ctx.node("Concat", n.inputs, axis=axis)


@lowering("stack")
def _stack(ctx: Builder, n: Call) -> str:
    axis = normalize_axis("stack", n.attrs["axis"], len(n.in_shapes[0]) + 1)
    axes = ctx.ints([axis])
    parts = [ctx.node("Unsqueeze", [x, axes]) for x in n.inputs]
    return parts[0] if len(parts) == 1 else ctx.node("Concat", parts, axis=axis)


def _split_rule(num_outputs_attr: bool):
    """SliceChannel as ONNX Split into equal parts: until opset 18 Split makes equal parts when
    it gets no ``split`` input; from 18 on it needs ``num_outputs`` instead.
    """

    def rule(ctx: Builder, n: Call) -> list[str]:
        x, shape, count = n.inputs[0], n.in_shapes[0], n.attrs["num_outputs"]
        axis = normalize_axis("SliceChannel", n.attrs["axis"], len(shape))
        if count == 1:
            parts = [x]
        else:
            parts = ctx.node(
                "Split",
                [x],
                outputs=count,
                axis=axis,
                num_outputs=count if num_outputs_attr else None,
            )
        # squeeze_axis drops the (size-1) split axis, except from a 1-D input, which MXNet keeps
        # as (1,).
        if len(n.out_shapes[0]) == len(shape):
            return parts
        axes = ctx.ints([axis])
        return [ctx.node("Squeeze", [p, axes]) for p in parts]

    return rule


lowering("SliceChannel", since=13)(_split_rule(num_outputs_attr=False))
lowering("SliceChannel", since=18)(_split_rule(num_outputs_attr=True))
