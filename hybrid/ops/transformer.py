"""Transformer helpers from MXNet's contrib: div_sqrt_dim, arange_like and the interleaved
multi-head attention matmuls GluonNLP's BERT and Transformer use.

See Note [Interleaved projections].
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from ._util import normalize_axis
from .attrs import CTX, Attr
from .registry import Op, Sample, register

__all__: list[str] = []


@register
class DivSqrtDim(Op):
    """``y = x / sqrt(x.shape[-1])``; the output has the input's shape."""

    name = "_contrib_div_sqrt_dim"

    def infer(in_shapes, in_dtypes):
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    def forward(ctx, x):
        ctx.scale = x.dtype.type(1.0 / np.sqrt(x.shape[-1]))
        return x * ctx.scale

    def vjp(ctx, gy):
        return (gy * ctx.scale,)

    def samples(rng):
        return [Sample([rng.normal(size=(2, 3, 4))]), Sample([rng.normal(size=(9,))])]


@register
class ArangeLike(Op):
    """``start + (i // repeat) * step`` for the flat positions ``i`` of ``data`` (the output has
    its shape and dtype), or along one ``axis`` (the output is ``(data.shape[axis],)``). Only the
    shape of ``data`` is read; it gets no gradient.
    """

    name = "_contrib_arange_like"
    differentiable = False
    attrs = (
        Attr("start", "float", 0.0),
        Attr("step", "float", 1.0),
        Attr("repeat", "int", 1, check=(lambda r: r > 0, "positive")),
        CTX,
        Attr("axis", "int?", None),
    )

    def infer(in_shapes, in_dtypes, start, step, repeat, ctx, axis):
        data = in_shapes[0]
        if data is not None and axis is not None:
            data = (data[normalize_axis("_contrib_arange_like", axis, len(data))],)
        return in_shapes, [data], [in_dtypes[0]]

    def forward(_, x, start, step, repeat, ctx, axis):
        shape = x.shape if axis is None else (x.shape[normalize_axis(
            "_contrib_arange_like", axis, x.ndim)],)
        i = np.arange(int(np.prod(shape)))
        return (start + (i // repeat) * step).astype(x.dtype).reshape(shape)

    def samples(rng):
        x = rng.normal(size=(2, 3, 4))
        return [Sample([x]), Sample([x], {"start": 1.5, "step": 0.5, "repeat": 2}),
                Sample([x], {"axis": -2, "step": 2.0})]


# Note [Interleaved projections]
# The fused attention ops take projections laid out (seq, batch, heads * parts * head_dim), with
# each head's query, key and value (parts 3) or key and value (parts 2) next to each other:
# viewed as (seq, batch, heads, parts, head_dim). Per head they are split to (batch * heads, seq,
# head_dim), the layout of the (batch * heads, q_seq, k_seq) attention maps. Scores are scaled
# by 1 / sqrt(head_dim). `_split` and `_merge` are the one place this layout is written.
def _split(x: np.ndarray, heads: int, parts: int, part: int) -> np.ndarray:
    s, b, e = x.shape
    v = x.reshape(s, b, heads, parts, e // (heads * parts))[:, :, :, part]  # (S, B, H, D)
    return v.transpose(1, 2, 0, 3).reshape(b * heads, s, -1)  # (B*H, S, D)


def _merge(g: np.ndarray, shape: tuple, heads: int, parts: int, part: int) -> np.ndarray:
    """The gradient of ``_split``: ``g`` (B*H, S, D) placed into a zero array of ``shape``."""
    s, b, e = shape
    out = np.zeros((s, b, heads, parts, e // (heads * parts)), g.dtype)
    out[:, :, :, part] = g.reshape(b, heads, s, -1).transpose(2, 0, 1, 3)
    return out.reshape(shape)


def _check(op: str, name: str, shape, parts: int, heads: int) -> None:
    if shape is not None and (len(shape) != 3 or (shape[2] and shape[2] % (parts * heads))):
        raise ShapeError(f"{op}: {name} has shape {tuple(shape)}, expected (seq, batch, "
                         f"heads * {parts} * head_dim) with heads={heads}")


class _Interleaved(Op):
    """Family base: the ``heads`` attribute."""

    attrs = (Attr("heads", "int", check=(lambda h: h > 0, "positive")),)


@register
class InterleavedSelfAttQK(_Interleaved):
    """Self-attention scores ``q k^T / sqrt(head_dim)`` per head, from ``queries_keys_values``
    ``(seq, batch, heads * 3 * head_dim)`` (see Note [Interleaved projections]); output
    ``(batch * heads, seq, seq)``.
    """

    name = "_contrib_interleaved_matmul_selfatt_qk"
    inputs = ("queries_keys_values",)

    def infer(in_shapes, in_dtypes, heads):
        qkv = in_shapes[0]
        _check(InterleavedSelfAttQK.name, "queries_keys_values", qkv, 3, heads)
        out = None if qkv is None else (qkv[1] * heads, qkv[0], qkv[0])
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, qkv, heads):
        d = qkv.shape[2] // (3 * heads)
        ctx.scale, ctx.shape = qkv.dtype.type(1 / np.sqrt(d)), qkv.shape
        ctx.q, ctx.k = _split(qkv, heads, 3, 0), _split(qkv, heads, 3, 1)
        return np.matmul(ctx.q, ctx.k.transpose(0, 2, 1)) * ctx.scale

    def vjp(ctx, g, heads):
        g = g * ctx.scale
        gq, gk = np.matmul(g, ctx.k), np.matmul(g.transpose(0, 2, 1), ctx.q)
        return (_merge(gq, ctx.shape, heads, 3, 0) + _merge(gk, ctx.shape, heads, 3, 1),)

    def samples(rng):
        return [Sample([rng.normal(size=(4, 2, 12))], {"heads": 2}),
                Sample([rng.normal(size=(3, 1, 9))], {"heads": 1})]


@register
class InterleavedSelfAttValAtt(_Interleaved):
    """``attention @ v`` per head, from ``queries_keys_values`` ``(seq, batch, heads * 3 *
    head_dim)`` and ``attention`` ``(batch * heads, seq, seq)`` (see Note [Interleaved
    projections]); output ``(seq, batch, heads * head_dim)``.
    """

    name = "_contrib_interleaved_matmul_selfatt_valatt"
    inputs = ("queries_keys_values", "attention")

    def infer(in_shapes, in_dtypes, heads):
        qkv, att = in_shapes[0], in_shapes[1]
        _check(InterleavedSelfAttValAtt.name, "queries_keys_values", qkv, 3, heads)
        if qkv is not None and att is not None and tuple(att) != (qkv[1] * heads, qkv[0],
                                                                     qkv[0]):
            raise ShapeError(f"{InterleavedSelfAttValAtt.name}: attention has shape "
                             f"{tuple(att)}, expected {(qkv[1] * heads, qkv[0], qkv[0])}")
        out = None if qkv is None else (qkv[0], qkv[1], qkv[2] // 3)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, qkv, att, heads):
        ctx.v, ctx.att, ctx.shape = _split(qkv, heads, 3, 2), att, qkv.shape
        return _to_seq_major(np.matmul(att, ctx.v), heads)

    def vjp(ctx, gy, heads):
        g = _split(gy, heads, 1, 0)  # (B*H, S, D)
        gv = np.matmul(ctx.att.transpose(0, 2, 1), g)
        return _merge(gv, ctx.shape, heads, 3, 2), np.matmul(g, ctx.v.transpose(0, 2, 1))

    def samples(rng):
        return [Sample([rng.normal(size=(4, 2, 12)), rng.normal(size=(4, 4, 4))], {"heads": 2})]


def _to_seq_major(y: np.ndarray, heads: int) -> np.ndarray:
    """(B*H, S, D) -> (S, B, H*D), the inverse of ``_split`` with one part."""
    bh, s, d = y.shape
    return y.reshape(bh // heads, heads, s, d).transpose(2, 0, 1, 3).reshape(s, bh // heads, -1)


@register
class InterleavedEncDecQK(_Interleaved):
    """Encoder-decoder attention scores ``q k^T / sqrt(head_dim)`` per head, from ``queries``
    ``(q_seq, batch, heads * head_dim)`` and ``keys_values`` ``(k_seq, batch, heads * 2 *
    head_dim)`` (see Note [Interleaved projections]); output ``(batch * heads, q_seq, k_seq)``.
    """

    name = "_contrib_interleaved_matmul_encdec_qk"
    inputs = ("queries", "keys_values")

    def infer(in_shapes, in_dtypes, heads):
        q, kv = in_shapes[0], in_shapes[1]
        _check(InterleavedEncDecQK.name, "queries", q, 1, heads)
        _check(InterleavedEncDecQK.name, "keys_values", kv, 2, heads)
        if q is not None and kv is not None and (q[1] != kv[1] or 2 * q[2] != kv[2]):
            raise ShapeError(f"{InterleavedEncDecQK.name}: keys_values has shape {tuple(kv)}, "
                             f"expected (k_seq, {q[1]}, {2 * q[2]}) from queries {tuple(q)}")
        out = None if q is None or kv is None else (q[1] * heads, q[0], kv[0])
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, q, kv, heads):
        d = q.shape[2] // heads
        ctx.scale, ctx.qshape, ctx.kvshape = q.dtype.type(1 / np.sqrt(d)), q.shape, kv.shape
        ctx.q, ctx.k = _split(q, heads, 1, 0), _split(kv, heads, 2, 0)
        return np.matmul(ctx.q, ctx.k.transpose(0, 2, 1)) * ctx.scale

    def vjp(ctx, g, heads):
        g = g * ctx.scale
        gq, gk = np.matmul(g, ctx.k), np.matmul(g.transpose(0, 2, 1), ctx.q)
        return _merge(gq, ctx.qshape, heads, 1, 0), _merge(gk, ctx.kvshape, heads, 2, 0)

    def samples(rng):
        return [Sample([rng.normal(size=(3, 2, 8)), rng.normal(size=(5, 2, 16))], {"heads": 2})]


@register
class InterleavedEncDecValAtt(_Interleaved):
    """``attention @ v`` per head, from ``keys_values`` ``(k_seq, batch, heads * 2 *
    head_dim)`` and ``attention`` ``(batch * heads, q_seq, k_seq)`` (see Note [Interleaved
    projections]); output ``(q_seq, batch, heads * head_dim)``.
    """

    name = "_contrib_interleaved_matmul_encdec_valatt"
    inputs = ("keys_values", "attention")

    def infer(in_shapes, in_dtypes, heads):
        kv, att = in_shapes[0], in_shapes[1]
        _check(InterleavedEncDecValAtt.name, "keys_values", kv, 2, heads)
        if kv is not None and att is not None and (att[0] != kv[1] * heads or att[2] != kv[0]):
            raise ShapeError(f"{InterleavedEncDecValAtt.name}: attention has shape "
                             f"{tuple(att)}, expected ({kv[1] * heads}, q_seq, {kv[0]})")
        out = None if kv is None or att is None else (att[1], kv[1], kv[2] // 2)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, kv, att, heads):
        ctx.v, ctx.att, ctx.shape = _split(kv, heads, 2, 1), att, kv.shape
        return _to_seq_major(np.matmul(att, ctx.v), heads)

    def vjp(ctx, gy, heads):
        g = _split(gy, heads, 1, 0)  # (B*H, Sq, D)
        gv = np.matmul(ctx.att.transpose(0, 2, 1), g)
        return _merge(gv, ctx.shape, heads, 2, 1), np.matmul(g, ctx.v.transpose(0, 2, 1))

    def samples(rng):
        return [Sample([rng.normal(size=(5, 2, 16)), rng.normal(size=(4, 3, 5))], {"heads": 2})]
