"""The softmax family: softmax, log_softmax and softmin, with MXNet's temperature, output dtype
and length masking.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from ._util import complete_shape, normalize_axis
from .attrs import Attr
from .registry import Op, Sample, register


# Note [Softmax with length]
# With use_length, positions at or past ``length`` along the axis are excluded from the
# normalisation and output 0 (for log_softmax too), as in MXNet 1.9. ``length`` has the data's
# shape without the axis. The gradient of a masked position is 0 and ``length`` gets none.
def _length_mask(x: np.ndarray, length: np.ndarray, axis: int) -> np.ndarray:
    steps = np.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - 1 - axis))
    return steps < np.expand_dims(length.reshape(x.shape[:axis] + x.shape[axis + 1 :]), axis)


class _SoftmaxBase(Op):
    """Family base: softmax, log_softmax and softmin share attributes, shapes and masking."""

    inputs = ("data", "length")
    attrs = (
        Attr("axis", "int", -1),
        Attr("temperature", "float?", None),
        Attr("dtype", "dtype?", None, choices=(np.float16, np.float32, np.float64)),
        Attr("use_length", "bool?", False),
    )
    completes = (1,)
    sign = 1.0
    log = False

    @classmethod
    def infer(cls, in_shapes, in_dtypes, axis, temperature, dtype, use_length):
        data = in_shapes[0]
        out_dtype = in_dtypes[0] if dtype is None else dtype
        if not use_length:
            return in_shapes[:1], [data], [out_dtype]
        if len(in_shapes) < 2:
            raise ShapeError(f"{cls.name}: use_length=True needs the length input")
        length = in_shapes[1]
        if data is not None:
            a = normalize_axis(cls.name, axis, len(data))
            expected = tuple(d for i, d in enumerate(data) if i != a) or (1,)
            length = complete_shape(cls.name, "length", length, expected, f"data {tuple(data)}")
        return [data, length], [data], [out_dtype]

    @classmethod
    def forward(cls, ctx, x, length=None, *, axis, temperature, dtype, use_length):
        axis = normalize_axis(cls.name, axis, x.ndim)
        work = x.dtype if dtype is None else np.promote_types(x.dtype, dtype)
        scale = cls.sign / (temperature or 1.0)
        z = x.astype(work, copy=False)
        if scale != 1:
            z = z * work.type(scale)
        mask = _length_mask(x, length, axis) if use_length else None
        masked = z if mask is None else np.where(mask, z, -np.inf)
        top = masked.max(axis=axis, keepdims=True)
        top[~np.isfinite(top)] = 0
        # NOTE: the full-size arrays are made once and then updated in place (a language
        # model's (tokens, vocabulary) scores are tens of megabytes); ``x`` is never written.
        z = np.subtract(z, top)
        e = np.exp(z)
        if mask is not None:
            e[~mask] = 0
        s = e.sum(axis=axis, keepdims=True)
        s[s == 0] = 1
        ctx.p, ctx.mask, ctx.axis, ctx.in_dtype = np.divide(e, s, out=e), mask, axis, x.dtype
        y = np.subtract(z, np.log(s), out=z) if cls.log else ctx.p
        if mask is not None:
            y = np.where(mask, y, 0)
        return y.astype(work if dtype is None else dtype, copy=False)

    @classmethod
    def vjp(cls, ctx, gy, axis, temperature, dtype, use_length):
        p, scale = ctx.p, cls.sign / (temperature or 1.0)
        if ctx.mask is not None:
            gy = np.where(ctx.mask, gy, 0)
        if cls.log:
            gz = np.multiply(p, gy.sum(axis=ctx.axis, keepdims=True))
            gz = np.subtract(gy, gz, out=gz)
        else:
            gz = np.multiply(gy, p)
            gz = np.subtract(gy, gz.sum(axis=ctx.axis, keepdims=True), out=gz)
            gz *= p
        if scale != 1:
            gz *= gz.dtype.type(scale)
        gx = gz.astype(ctx.in_dtype, copy=False)
        return (gx,) if ctx.mask is None else (gx, None)

    @classmethod
    def samples(cls, rng):
        x = rng.normal(size=(2, 3, 5))
        length = np.array([[1, 5, 3], [2, 4, 5]], dtype=np.int32)
        return [
            Sample([x]),
            Sample([x], {"axis": 1, "temperature": 2.0}),
            Sample([x, length], {"use_length": True}),
            Sample([x, rng.integers(1, 4, (2, 5))], {"axis": 1, "use_length": True}),
            Sample([x], {"dtype": "float64"}),
        ]


@register
class Softmax(_SoftmaxBase):
    """``y_i = exp(x_i / T) / sum_j exp(x_j / T)`` along ``axis`` (default -1), computed stably.

    Parameters: ``axis``; ``temperature`` ``T`` (None means 1); ``dtype`` of the output (None: the
    input's); ``use_length``: mask with the ``length`` input (see Note [Softmax with length]).
    """

    name = "softmax"


@register
class LogSoftmax(_SoftmaxBase):
    """``y_i = x_i / T - log(sum_j exp(x_j / T))`` along ``axis``, computed stably; attributes as
    ``softmax``.
    """

    name = "log_softmax"
    log = True


@register
class Softmin(_SoftmaxBase):
    """``y_i = exp(-x_i / T) / sum_j exp(-x_j / T)`` along ``axis``; attributes as ``softmax``."""

    name = "softmin"
    sign = -1.0


_PLAIN = {"temperature": None, "dtype": None, "use_length": False}


@register
class SoftmaxActivation(Op):
    """MXNet's legacy softmax: over the last axis for each instance (``mode='instance'``, the
    default) or over axis 1, the channels, for each position (``mode='channel'``).
    """

    name = "SoftmaxActivation"
    attrs = (Attr("mode", "str", "instance", choices=("instance", "channel")),)

    def infer(in_shapes, in_dtypes, mode):
        x = in_shapes[0]
        if x is not None and mode == "channel" and len(x) < 2:
            raise ShapeError(f"SoftmaxActivation: data has shape {tuple(x)}, expected 2+ dims "
                             "for mode='channel'")
        return in_shapes, [x], [in_dtypes[0]]

    def forward(ctx, x, mode):
        return Softmax.forward(ctx, x, axis=-1 if mode == "instance" else 1, **_PLAIN)

    def vjp(ctx, gy, mode):
        return Softmax.vjp(ctx, gy, axis=ctx.axis, **_PLAIN)

    def samples(rng):
        x = rng.normal(size=(2, 3, 4))
        return [Sample([x]), Sample([x], {"mode": "channel"})]


@register
class SoftmaxCrossEntropy(Op):
    """``out = -sum_i log(softmax(data[i])[label[i]])``, summed over the batch: shape ``(1,)``.
    ``data`` is ``(batch, classes)``, ``label`` ``(batch,)`` class indices; no gradient reaches
    ``label``.
    """

    name = "softmax_cross_entropy"
    inputs = ("data", "label")

    def infer(in_shapes, in_dtypes):
        data, label = in_shapes
        if data is not None and len(data) != 2:
            raise ShapeError(f"softmax_cross_entropy: data has shape {tuple(data)}, expected "
                             "(batch, classes)")
        if data is not None:
            label = complete_shape("softmax_cross_entropy", "label", label, data[:1],
                                   f"data {tuple(data)}")
        return [data, label], [(1,)], [in_dtypes[0]]

    def forward(ctx, x, label):
        logp = LogSoftmax.forward(ctx, x, axis=-1, **_PLAIN)
        ctx.onehot = label.astype(np.int64)[:, None] == np.arange(x.shape[1])
        return -np.sum(logp * ctx.onehot, keepdims=True).reshape(1)

    def vjp(ctx, gy):
        return gy.reshape(()) * (ctx.p - ctx.onehot), None

    def samples(rng):
        return [Sample([rng.normal(size=(4, 3)), np.array([2.0, 0, 1, 1])], grad=(0,))]
