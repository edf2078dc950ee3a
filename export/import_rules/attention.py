"""Import rules for the ONNX ops of transformer blocks, written with MXNet ops: RotaryEmbedding."""

from __future__ import annotations

from typing import Any

from . import rule


@rule("RotaryEmbedding")
def _rotary_embedding(ctx: Any, node: Any) -> list:
    # In (batch, seq, heads, head) layout: the first rotary_embedding_dim features, paired as
    # halves (or as even/odd with interleaved=1), rotate by the cached angle of each position.
    shape = ctx.known_shape(node.inputs[0], "RotaryEmbedding")
    x = ctx.value(node.inputs[0])
    if len(shape) == 4:
        x = ctx.op("transpose", [x], axes=(0, 2, 1, 3))
    else:
        heads = int(node.attrs["num_heads"])
        x = ctx.op("Reshape", [x], shape=(shape[0], shape[1], heads, shape[2] // heads))
    b, s, h, d = x.shape
    r = int(node.attrs.get("rotary_embedding_dim", 0)) or d
    cos, sin = ctx.value(node.inputs[1]), ctx.value(node.inputs[2])
    if node.input(3):  # caches indexed by position: (batch, seq, r / 2)
        cos, sin = (ctx.op("take", [c, ctx.value(node.input(3))], axis=0) for c in (cos, sin))
    cos, sin = (ctx.op("expand_dims", [c], axis=2) for c in (cos, sin))
    rotated = ctx.op("slice_axis", [x], axis=3, begin=0, end=r)
    if node.attrs.get("interleaved", 0):
        x1, x2 = (ctx.op("slice", [rotated], begin=(None, None, None, i), end=(None,) * 4,
                         step=(1, 1, 1, 2)) for i in (0, 1))
    else:
        x1, x2 = ctx.multi("SliceChannel", [rotated], num_outputs=2, axis=3)
    mul = lambda a, c: ctx.op("broadcast_mul", [a, c])  # noqa: E731
    real = ctx.op("elemwise_sub", [mul(x1, cos), mul(x2, sin)])
    imag = ctx.op("elemwise_add", [mul(x1, sin), mul(x2, cos)])
    if node.attrs.get("interleaved", 0):
        pairs = ctx.op("stack", [real, imag], axis=4, num_args=2)
        rotated = ctx.op("Reshape", [pairs], shape=(b, s, h, r))
    else:
        rotated = ctx.op("Concat", [real, imag], dim=3, num_args=2)
    if r < d:
        rest = ctx.op("slice_axis", [x], axis=3, begin=r, end=d)
        rotated = ctx.op("Concat", [rotated, rest], dim=3, num_args=2)
    if len(shape) == 4:
        return [ctx.op("transpose", [rotated], axes=(0, 2, 1, 3))]
    return [ctx.op("Reshape", [rotated], shape=shape)]
