"""Import rules for the ONNX ops of transformer blocks, written with MXNet ops: RotaryEmbedding
and Attention.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import constant, rule


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


def _heads(ctx: Any, x: Any, heads: int | None) -> Any:
    """(batch, heads, seq, head) from a 4-D input, or a 3-D (batch, seq, hidden) one."""
    if len(x.shape) == 4:
        return x
    b, s, hidden = x.shape
    x = ctx.op("Reshape", [x], shape=(b, s, heads, hidden // heads))
    return ctx.op("transpose", [x], axes=(0, 2, 1, 3))


def _bmm(ctx: Any, a: Any, b: Any, transpose_b: bool) -> Any:
    """matmul over the last two axes of 4-D ``a`` and ``b`` with MXNet's batch_dot."""
    n, h, m, _ = a.shape
    flat = [ctx.op("Reshape", [v], shape=(-1, *v.shape[2:])) for v in (a, b)]
    y = ctx.op("batch_dot", flat, transpose_b=transpose_b)
    return ctx.op("Reshape", [y], shape=(n, h, m, -1))


def _bias(ctx: Any, allowed: Any, dtype: Any) -> Any:
    """0 where ``allowed`` is true, -inf elsewhere (``where`` with arrays of its shape)."""
    shape = allowed.shape
    return ctx.op("where", [allowed, constant(ctx, np.zeros(shape, dtype)),
                            constant(ctx, np.full(shape, -np.inf, dtype))])


def _log_mask(ctx: Any, node: Any, q_len: int, kv_len: int, dtype: Any) -> Any:
    """The additive mask: a float mask as it is, a boolean one as 0 or -inf, padded with -inf
    to the key length."""
    name = node.input(3)
    mask = ctx.value(name)
    if ctx.dtype(name) == np.bool_:
        mask = _bias(ctx, mask, dtype)
    short = kv_len - mask.shape[-1]
    if short > 0:
        pad = np.full((*mask.shape[:-1], short), -np.inf, dtype)
        mask = ctx.op("Concat", [mask, constant(ctx, pad)], dim=len(mask.shape) - 1,
                      num_args=2)
    return mask


def _frontier_bias(ctx: Any, node: Any, q_len: int, kv_len: int, past: int, dtype: Any) -> Any:
    """0 / -inf for the causal mask, the sliding window and the padding of keys past
    ``nonpad_kv_seqlen``, or None without them.

    Each rule compares the query's offset (``past``, or per sample ``nonpad_kv_seqlen - q_len``)
    with a (q, kv) grid: causal ``offset >= j - i``; right window ``offset >= j - i - right``;
    left window ``offset <= left + j - i``; padding ``offset >= j - q_len + 1``.
    """
    a = node.attrs
    left, right = int(a.get("left_window_size", -1)), int(a.get("right_window_size", -1))
    rows, cols = np.indices((q_len, kv_len))
    lower = [cols - rows] if a.get("is_causal", 0) else []
    lower += [cols - rows - right] if right >= 0 else []
    upper = [left + cols - rows] if left >= 0 else []
    if not node.input(6):
        if not lower and not upper:
            return None
        ok = np.logical_and.reduce([past >= g for g in lower] + [past <= g for g in upper])
        return constant(ctx, np.where(ok, 0.0, -np.inf).astype(dtype))
    lower.append(cols - q_len + 1)
    lengths = ctx.op("Cast", [ctx.value(node.input(6))], dtype=dtype)
    offset = ctx.op("Reshape", [ctx.op("_minus_scalar", [lengths], scalar=float(q_len),
                                       is_int=False)], shape=(-1, 1, 1))  # (batch, 1, 1)
    ok = None
    for grids, op_name in ((lower, "broadcast_greater_equal"), (upper, "broadcast_lesser_equal")):
        for g in grids:
            hit = ctx.op(op_name, [offset, constant(ctx, g[None].astype(dtype))])
            ok = hit if ok is None else ctx.op("elemwise_mul", [ok, hit])
    return ctx.op("expand_dims", [_bias(ctx, ok, dtype)], axis=1)  # (batch, 1, q, kv)


@rule("Attention")
def _attention(ctx: Any, node: Any) -> list:
    # softmax(scale * Q K^T + bias) V per head, as ONNX defines it: 3-D inputs split into heads,
    # past keys/values prepended, grouped key heads repeated, an optional soft cap, the causal,
    # window and padding biases aligned to the end of the keys, rows masked entirely giving 0.
    a = node.attrs
    dtype = ctx.dtype(node.inputs[0])
    q = _heads(ctx, ctx.value(node.inputs[0]), a.get("q_num_heads"))
    k = _heads(ctx, ctx.value(node.inputs[1]), a.get("kv_num_heads"))
    v = _heads(ctx, ctx.value(node.inputs[2]), a.get("kv_num_heads"))
    past = 0
    if node.input(4):
        past = ctx.value(node.input(4)).shape[2]
        k = ctx.op("Concat", [ctx.value(node.input(4)), k], dim=2, num_args=2)
        v = ctx.op("Concat", [ctx.value(node.input(5)), v], dim=2, num_args=2)
    present_k, present_v = k, v
    if q.shape[1] != k.shape[1]:
        reps = q.shape[1] // k.shape[1]
        k, v = (ctx.op("repeat", [t], repeats=reps, axis=1) for t in (k, v))
    q_len, kv_len = q.shape[2], k.shape[2]
    scale = a.get("scale", 1.0 / np.sqrt(q.shape[3]))
    scores = ctx.op("_mul_scalar", [_bmm(ctx, q, k, True)], scalar=float(scale), is_int=False)
    if a.get("softcap", 0.0) > 0:
        cap = float(a["softcap"])
        scores = ctx.op("_mul_scalar", [ctx.op("tanh", [ctx.op(
            "_div_scalar", [scores], scalar=cap, is_int=False)])], scalar=cap, is_int=False)
    qk = scores
    bias = None
    if node.input(3):
        bias = _log_mask(ctx, node, q_len, kv_len, dtype)
    frontier = _frontier_bias(ctx, node, q_len, kv_len, past, dtype)
    if frontier is not None:
        bias = frontier if bias is None else ctx.op("broadcast_add", [bias, frontier])
    if bias is not None:
        scores = ctx.op("broadcast_add", [scores, bias])
    if a.get("qk_matmul_output_mode", 0) == 2:
        qk = scores
    # A row masked entirely (all -inf) gives 0, not NaN: shift by a finite maximum and divide
    # by a sum of 1 where the sum is 0.
    top = ctx.op("_maximum_scalar", [ctx.op("max", [scores], axis=-1, keepdims=True)],
                 scalar=float(np.finfo(dtype).min), is_int=False)
    e = ctx.op("exp", [ctx.op("broadcast_sub", [scores, top])])
    total = ctx.op("sum", [e], axis=-1, keepdims=True)
    total = ctx.op("elemwise_add", [total, ctx.op("_equal_scalar", [total], scalar=0.0,
                                                   is_int=False)])
    p = ctx.op("broadcast_div", [e, total])
    if a.get("qk_matmul_output_mode", 0) == 3:
        qk = p
    y = _bmm(ctx, p, v, False)
    if len(ctx.value(node.inputs[0]).shape) == 3:
        y = ctx.op("Reshape", [ctx.op("transpose", [y], axes=(0, 2, 1, 3))],
                   shape=(y.shape[0], y.shape[2], -1))
    return [y, present_k, present_v, qk][:len(node.outputs)]
