"""Fusion of a linear op (FullyConnected, Convolution) with what follows it.

Two rewrites produce one :class:`FusedLinear` node:

- BatchNorm folding (inference only: applied to graphs run neither in training mode nor while
  recording). ``BatchNorm(Conv(x, w, b))`` with the running statistics equals ``Conv(x, w * s,
  (b - mean) * s + beta)`` with ``s = gamma / sqrt(var + eps)`` per output channel, so the
  normalisation pass over the activations disappears; the folded weight is computed on every run
  from the current parameters (no version counter tells when an in-place update changed them),
  so later training is seen.
- Bias + activation (training and inference): ``relu``/``tanh``/``sigmoid`` (or ``Activation``)
  right after the linear op runs on the linear op's freshly allocated output in place, saving one
  array and one pass; the VJP applies the activation's derivative and then the linear op's VJP.
- Convolution (+ relu) + max Pooling (training and inference): see Note [Pooling inside a fused
  convolution].

A node is fused only when its output feeds that single consumer and is not a graph output.

Note [Pooling inside a fused convolution]
``maxpool(relu(conv(x) + b))`` equals ``relu(maxpool(conv(x) + b))``: relu is monotone, so it
commutes with a window maximum, and the gradient routes identically (a window whose maximum is
positive sends it to the same first maximum; any other window gets a zero gradient either way).
The fused node adds the bias in place to the convolution's product in the layout its GEMM
produced (see Note [Convolution as GEMM]) and pools it there: pooling treats the two leading
axes alike, so a channel-major ``(F, N, *out)`` product needs no transpose first. Only the
pooled result, a quarter of the size for 2x2 windows, is transposed (if channel-major) and
rectified; the backward hands the pooling gradient to the convolution's VJP in the product's
layout. So the full-size relu and relu gradient disappear, with a channel-major product also the
full-size transposes both ways, and the results are bitwise those of the unfused ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...base import HybridError
from ...ops._buffers import FRESH, buffers
from ...ops._im2col import batch_major, channel_major
from ...ops._layout import is_channel_last
from ...ops.activation import sigmoid
from ...ops.conv import add_bias, conv_grads, conv_product
from ...ops.pooling import Pooling
from ...ops.registry import Ctx, Op
from ..ir import Graph, Node, Value
from ._common import rewrite

__all__ = ["fusion", "FusedLinear"]

_LINEAR = ("FullyConnected", "Convolution")


def _relu(y: np.ndarray) -> np.ndarray:
    return np.maximum(y, 0, out=y)


def _tanh(y: np.ndarray) -> np.ndarray:
    return np.tanh(y, out=y)


def _relu_grad(gy: np.ndarray, y: np.ndarray, buf: Any) -> np.ndarray:
    mask = np.greater(y, 0, out=buf.scratch("mask", y.shape, np.bool_))
    return np.multiply(gy, mask, out=buf.scratch("gact", gy.shape, gy.dtype))


def _tanh_grad(gy: np.ndarray, y: np.ndarray, buf: Any) -> np.ndarray:
    t = np.multiply(y, y, out=buf.scratch("gact", gy.shape, gy.dtype))
    np.subtract(1, t, out=t)
    return np.multiply(gy, t, out=t)


def _sigmoid_grad(gy: np.ndarray, y: np.ndarray, buf: Any) -> np.ndarray:
    t = np.multiply(gy, y, out=buf.scratch("gact", gy.shape, gy.dtype))
    return np.multiply(t, np.subtract(1, y, out=buf.scratch("one_minus", y.shape, y.dtype)), out=t)


# act_type -> (forward on the linear output, in place where exact; gradient from output y, the
# same arithmetic as the unfused op's VJP, into scratch buffers: the linear op's VJP reads it
# and returns fresh or planned arrays of its own).
_ACTS = {
    "relu": (_relu, _relu_grad),
    "tanh": (_tanh, _tanh_grad),
    "sigmoid": (sigmoid, _sigmoid_grad),
}


class FusedLinear(Op):
    """``act(pool(linear(x, w', b')))``: a linear op with an optional folded BatchNorm, max
    pooling and activation.

    Attributes: ``base`` (the FullyConnected or Convolution op), ``base_attrs``, ``n_base`` (how
    many of the inputs are the linear op's), ``bn`` (None, or BatchNorm's ``eps`` and
    ``fix_gamma``: the inputs then continue with gamma, beta, moving mean and moving variance),
    ``pool`` (None, or the attributes of a max Pooling after a Convolution, see Note [Pooling
    inside a fused convolution]) and ``act`` (None or an activation name). Not registered:
    fusion creates it, only in optimised graphs, which are never serialised.
    """

    name = "_fused_linear"

    def infer(in_shapes, in_dtypes, base, base_attrs, n_base, bn, pool, act):
        _, outs, dtypes = base.infer(in_shapes[:n_base], in_dtypes[:n_base], **base_attrs)
        if pool is not None:
            _, outs, dtypes = Pooling.infer(outs, dtypes, **pool)
        return in_shapes, outs, dtypes

    def forward(ctx, *arrays, base, base_attrs, n_base, bn, pool, act):
        args = arrays[:n_base]
        if bn is not None:
            args, base_attrs = _fold(args, arrays[n_base:], bn, base_attrs)
        if pool is not None:
            y = _conv_pool(ctx, args, base_attrs, pool)
        else:
            y = base.forward(ctx, *args, **base_attrs)
        if act is not None:
            y = ctx.act_y = _ACTS[act][0](y)
        return y

    def vjp(ctx, gy, base, base_attrs, n_base, bn, pool, act):
        if bn is not None:
            raise HybridError("_fused_linear: a folded BatchNorm has no gradient (inference only)")
        buf = buffers(ctx, "fused")
        if act is not None:
            gy = _ACTS[act][1](gy, ctx.act_y, buf)
        if pool is None:
            return base.vjp(ctx, gy, **base_attrs)
        if ctx.per_image:
            (gy,) = Pooling.vjp(ctx.pool_ctx, gy, **pool)  # (N, F, *out)
            return conv_grads(ctx, gy, None, **base_attrs)
        gy = channel_major(gy, buf, scratch=True)
        (gy_cm,) = Pooling.vjp(ctx.pool_ctx, gy, **pool)  # (F, N, *out)
        return conv_grads(ctx, None, gy_cm, **base_attrs)


def _conv_pool(ctx: Ctx, args: tuple, base_attrs: dict, pool: dict) -> np.ndarray:
    """``maxpool(conv(x, w) + b)`` pooled in the layout of the convolution's product, see Note
    [Pooling inside a fused convolution]. Returns ``(N, F, *pooled)``.
    """
    y = conv_product(ctx, args[0], args[1], **base_attrs)
    if len(args) > 2:
        add_bias(y, args[2], ctx.per_image)
    pctx = ctx.pool_ctx = Ctx()
    arena = getattr(ctx, "arena", None)
    if arena is not None:
        pctx.arena = arena.child("pool")
    pooled = Pooling.forward(pctx, y, **pool)
    buf = FRESH if arena is None else buffers(ctx, "fused")
    if not ctx.per_image:
        return batch_major(pooled, None, buf, "out")  # pooled was (F, N, *pooled)
    # A copy: the activation runs in place, and the pooling's backward reads ``pooled``.
    out = buf.empty("out", pooled.shape, pooled.dtype)
    np.copyto(out, pooled)
    return out


def _fold(args: tuple, stats: tuple, bn: dict, base_attrs: dict) -> tuple[tuple, dict]:
    """Weight and bias with BatchNorm's inference-mode affine map folded in. It runs on every
    call (batch-1 inference feels its per-op overhead), so it makes no copies it can avoid.
    """
    x, w = args[0], args[1]
    dt = x.dtype
    gamma, beta, mean, var = (a.astype(dt, copy=False) for a in stats)
    inv = np.add(var, dt.type(bn["eps"]))
    np.sqrt(inv, out=inv)
    np.divide(1.0, inv, out=inv)
    s = inv if bn["fix_gamma"] else np.multiply(gamma, inv, out=inv)  # (F,)
    w2 = w * s.reshape((-1,) + (1,) * (w.ndim - 1))
    b2 = args[2] - mean if len(args) > 2 else np.negative(mean)
    b2 *= s
    b2 += beta
    return (x, w2, b2), {**base_attrs, "no_bias": False}


def _single_use(graph: Graph) -> dict[int, Node]:
    """id(value) -> its only consumer, for node outputs read once and not graph outputs."""
    outputs = {id(v) for v in graph.outputs}
    return {
        k: users[0]
        for k, users in graph.consumers().items()
        if len(users) == 1 and k not in outputs
    }


def _fuse_pairs(graph: Graph, match, build) -> Graph:
    """Rewrite each (producer, consumer) pair where ``match(producer, consumer)`` holds into the
    node ``build(producer, producer_inputs, consumer, consumer_inputs)``.
    """
    single = _single_use(graph)
    absorbed: dict[int, Node] = {}
    for node in graph.nodes:
        consumer = single.get(id(node.outputs[0])) if len(node.outputs) == 1 else None
        if consumer is not None and consumer.inputs[0] is node.outputs[0] and match(node, consumer):
            absorbed[id(consumer)] = node
    producer_inputs: dict[int, list[Value]] = {}

    def replace(node: Node, inputs: list[Value]) -> tuple | None:
        if any(p is node for p in absorbed.values()):
            producer_inputs[id(node)] = inputs
            return [], node.outputs
        producer = absorbed.get(id(node))
        if producer is None:
            return None
        fused = build(producer, producer_inputs[id(producer)], node, inputs)
        return [fused], fused.outputs

    return rewrite(graph, replace)


def _fused_node(name: str, inputs: list[Value], attrs: dict, like: Node) -> Node:
    node = Node(FusedLinear, name, inputs, attrs)
    node.outputs = [Value(node, 0, like.outputs[0].shape, like.outputs[0].dtype, like.name)]
    return node


def _is_linear(node: Node) -> bool:
    if is_channel_last(node.attrs):  # fused rules compute channel-first only
        return False
    return node.op.name in _LINEAR or (node.op is FusedLinear and node.attrs["act"] is None)


def _linear_attrs(node: Node, inputs: list[Value]) -> dict:
    if node.op is FusedLinear:
        return dict(node.attrs)
    return {"base": node.op, "base_attrs": node.attrs, "n_base": len(inputs), "bn": None,
            "pool": None, "act": None}


def _act_type(node: Node) -> str | None:
    if node.op.name in _ACTS:
        return node.op.name
    if node.op.name == "Activation" and node.attrs["act_type"] in _ACTS:
        return node.attrs["act_type"]
    return None


def _bn_foldable(producer: Node, bn: Node) -> bool:
    """BatchNorm in inference over the linear op's output channels: the channel axis is 1 for a
    convolution and the last axis for FullyConnected (where the weight's rows are the channels).
    """
    shape, a = producer.outputs[0].shape, bn.attrs
    if producer.op.name not in _LINEAR or is_channel_last(producer.attrs):
        return False
    if bn.op.name != "BatchNorm" or not shape:
        return False
    channel = 1 if producer.op.name == "Convolution" else len(shape) - 1
    return not a["is_train"] and not a["output_mean_var"] and a["axis"] % len(shape) == channel


def _poolable(producer: Node, pool: Node) -> bool:
    """A convolution, rectified or not, followed by max pooling: see Note [Pooling inside a fused
    convolution].
    """
    if pool.op is not Pooling or pool.attrs["pool_type"] != "max" or is_channel_last(pool.attrs):
        return False
    if producer.op.name == "Convolution":
        return not is_channel_last(producer.attrs)
    a = producer.attrs
    return (producer.op is FusedLinear and a["base"].name == "Convolution"
            and a["pool"] is None and a["act"] in (None, "relu"))


def fusion(graph: Graph, inference: bool) -> Graph:
    """The graph with linear ops fused with a following BatchNorm (``inference`` only), with a
    following activation, and convolutions with a following max pooling.
    """
    if inference:
        graph = _fuse_pairs(
            graph,
            _bn_foldable,
            lambda p, p_in, c, c_in: _fused_node(
                p.name,
                p_in + c_in[1:],
                {**_linear_attrs(p, p_in),
                 "bn": {"eps": c.attrs["eps"], "fix_gamma": c.attrs["fix_gamma"]}},
                c,
            ),
        )
    graph = _fuse_pairs(
        graph,
        lambda p, c: _is_linear(p) and _act_type(c) is not None,
        lambda p, p_in, c, c_in: _fused_node(
            p.name, p_in, {**_linear_attrs(p, p_in), "act": _act_type(c)}, c
        ),
    )
    return _fuse_pairs(
        graph,
        _poolable,
        lambda p, p_in, c, c_in: _fused_node(
            p.name, p_in, {**_linear_attrs(p, p_in), "pool": c.attrs}, c
        ),
    )
