"""Import rules for ONNX's fused ops that carry a state between calls (opset 23+):
CausalConvWithState and LinearAttention, written with MXNet ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import constant, rule


@rule("CausalConvWithState")
def _causal_conv_with_state(ctx: Any, node: Any) -> list:
    # A depthwise 1-D convolution over the input after the last k - 1 steps of the previous call
    # (zeros without past_state); those k - 1 steps of the joined sequence are the new state.
    x = ctx.value(node.inputs[0])
    batch, channels, length = x.shape
    k = ctx.known_shape(node.inputs[1], "CausalConvWithState")[2]
    activation = node.attrs.get("activation", "none")
    if activation not in ("none", "silu", "swish"):
        raise ctx.error(f"activation {activation!r}; expected 'none', 'silu' or 'swish'")
    if k == 1:
        raise ctx.error("kernel size 1: the state would be empty, which hybrid cannot hold")
    past = (ctx.value(node.input(3)) if node.input(3)
            else constant(ctx, np.zeros((batch, channels, k - 1), ctx.dtype(node.inputs[0]))))
    joined = ctx.op("Concat", [past, x], dim=2, num_args=2)
    inputs = [joined, ctx.value(node.inputs[1])]
    if node.input(2):
        inputs.append(ctx.value(node.input(2)))
    y = ctx.op("Convolution", inputs, kernel=(k,), num_filter=channels, num_group=channels,
               no_bias=len(inputs) == 2)
    if activation != "none":  # silu and swish are both x * sigmoid(x), in float32 as ONNX's
        dtype = ctx.dtype(node.inputs[0])
        wide = ctx.op("Cast", [y], dtype=np.float32)
        y = ctx.op("Cast", [ctx.op("elemwise_mul", [wide, ctx.op("sigmoid", [wide])])],
                   dtype=dtype)
    state = ctx.op("slice_axis", [joined], axis=2, begin=length, end=length + k - 1)
    return [y, state]



def _float32(ctx: Any, x: Any) -> Any:
    return x if x.dtype == np.float32 else ctx.op("Cast", [x], dtype=np.float32)


def _steps(ctx: Any, x: Any, kv_heads: int, inner: tuple) -> list:
    """(batch, time, kv_heads * prod(inner)) as one (batch * kv_heads, *inner) float32 value
    per time step."""
    b, t, _ = x.shape
    x = ctx.op("Reshape", [_float32(ctx, x)], shape=(b, t, kv_heads, *inner))
    x = ctx.op("transpose", [x], axes=(0, 2, 1, *range(3, 3 + len(inner))))
    x = ctx.op("Reshape", [x], shape=(b * kv_heads, t, *inner))
    steps = [ctx.op("slice_axis", [x], axis=1, begin=i, end=i + 1) for i in range(t)]
    return [ctx.op("Reshape", [s], shape=(b * kv_heads, *inner)) for s in steps]


@rule("LinearAttention")
def _linear_attention(ctx: Any, node: Any) -> list:
    # ONNX's recurrence, unrolled over the (static) sequence, per kv head in float32: the state
    # S (key dim x value dim) decays by exp(decay_t) (gated rules), v_t becomes
    # beta_t * (v_t - S^T k_t) (delta rules), S += k_t v_t^T, and the query heads of the kv head's
    # group read scale * q_t S.
    a = node.attrs
    rule_name = a.get("update_rule", "gated_delta")
    if rule_name not in ("linear", "gated", "delta", "gated_delta"):
        raise ctx.error(f"update_rule {rule_name!r}; expected 'linear', 'gated', 'delta' or "
                        "'gated_delta'")
    q_heads, kv_heads = int(a["q_num_heads"]), int(a["kv_num_heads"])
    q, k, v = (ctx.value(name) for name in node.inputs[:3])
    b, t, _ = q.shape
    d_k, d_v = q.shape[2] // q_heads, v.shape[2] // kv_heads
    group = q_heads // kv_heads
    gated, delta = "gated" in rule_name, "delta" in rule_name
    if gated != bool(node.input(4)) or delta != bool(node.input(5)):
        raise ctx.error(f"update_rule {rule_name!r} takes decay: {gated}, beta: {delta}; "
                        f"given decay: {bool(node.input(4))}, beta: {bool(node.input(5))}")
    qs = _steps(ctx, q, kv_heads, (group, d_k))
    ks = _steps(ctx, k, kv_heads, (d_k, 1))
    vs = _steps(ctx, v, kv_heads, (1, d_v))
    if gated:  # per kv head, or per key dim
        decay = ctx.value(node.input(4))
        per_key = d_k if decay.shape[2] == kv_heads * d_k else 1
        decays = [ctx.op("exp", [g]) for g in _steps(ctx, decay, kv_heads, (per_key, 1))]
    if delta:  # per kv head, or one for all
        beta = ctx.value(node.input(5))
        if beta.shape[2] != kv_heads:
            beta = ctx.op("broadcast_to", [beta], shape=(b, t, kv_heads))
        betas = _steps(ctx, beta, kv_heads, (1, 1))
    state_dtype = ctx.dtype(node.input(3)) if node.input(3) else ctx.dtype(node.inputs[0])
    if node.input(3):
        state = ctx.op("Reshape", [_float32(ctx, ctx.value(node.input(3)))],
                       shape=(b * kv_heads, d_k, d_v))
    else:
        state = constant(ctx, np.zeros((b * kv_heads, d_k, d_v), np.float32))
    reads = []
    for i in range(t):
        if gated:
            state = ctx.op("broadcast_mul", [state, decays[i]])
        v_i = vs[i]
        if delta:
            recalled = ctx.op("batch_dot", [ks[i], state], transpose_a=True)
            v_i = ctx.op("broadcast_mul", [betas[i], ctx.op("elemwise_sub", [v_i, recalled])])
        state = ctx.op("elemwise_add", [state, ctx.op("batch_dot", [ks[i], v_i])])
        reads.append(ctx.op("batch_dot", [qs[i], state]))
    scale = float(a.get("scale", 0.0)) or 1.0 / np.sqrt(d_k)
    y = ctx.op("stack", reads, axis=1, num_args=t)  # (batch * kv heads, time, group, d_v)
    y = ctx.op("Reshape", [y], shape=(b, kv_heads, t, group, d_v))
    y = ctx.op("transpose", [y], axes=(0, 2, 1, 3, 4))
    y = ctx.op("Reshape", [y], shape=(b, t, q_heads * d_v))
    y = ctx.op("_mul_scalar", [y], scalar=scale, is_int=False)
    state = ctx.op("Reshape", [state], shape=(b, kv_heads, d_k, d_v))
    return [ctx.op("Cast", [y], dtype=q.dtype), ctx.op("Cast", [state], dtype=state_dtype)]
