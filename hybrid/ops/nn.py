"""Neural-network ops: activations, Dropout, Embedding, SequenceMask, smooth_l1.

The elementwise activations reuse the forward and VJP rules of the ops in ``elemwise.py``; the
normalisation layers live in ``norm.py``, the softmax family in ``softmax.py``.
"""

from __future__ import annotations

import numpy as np

from .. import random as _random
from ..base import ShapeError
from . import activation, elemwise
from ._util import complete_shape, normalize_axis, unbroadcast
from .attrs import Attr
from .registry import Op, Sample, register

__all__ = ["SELU_ALPHA", "SELU_LAMBDA"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946
_LEAKY_TYPES = ("leaky", "prelu", "rrelu", "elu", "selu", "gelu")
_INV_SQRT_2 = 1.0 / np.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


_ACTIVATIONS = {
    "relu": activation.Relu,
    "sigmoid": activation.Sigmoid,
    "tanh": activation.Tanh,
    "softrelu": activation.Softrelu,
    "softsign": activation.Softsign,
}


@register
class Activation(elemwise.Unary):
    """``y = act(x)`` elementwise, for ``act_type`` in relu, sigmoid, tanh, softrelu
    (``ln(1 + e^x)``) and softsign (``x / (1 + |x|)``). The output has the input's shape.
    """

    name = "Activation"
    aliases = ("activation",)
    attrs = (Attr("act_type", "str", choices=tuple(_ACTIVATIONS)),)

    def forward(ctx, x, act_type):
        return _ACTIVATIONS[act_type].forward(ctx, x)

    def vjp(ctx, gy, act_type):
        return _ACTIVATIONS[act_type].vjp(ctx, gy)

    def samples(rng):
        x = rng.uniform(0.1, 2.0, (3, 4)) * rng.choice([-1, 1], (3, 4))
        return [Sample([x], {"act_type": a}) for a in _ACTIVATIONS]


def _gelu(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cdf = 0.5 * (1 + elemwise.erf(x * _INV_SQRT_2))
    return x * cdf, cdf + x * _INV_SQRT_2PI * np.exp(-0.5 * x * x)


def _elu(x: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    # NOTE: alpha * expm1(x) in double, then rounded to the data's dtype, as MXNet's kernel does
    # (its float32 results agree to the last bit).
    em = np.expm1(np.minimum(x, 0))
    neg = (np.float64(alpha) * em.astype(np.float64)).astype(x.dtype)
    return np.where(x > 0, x, neg), np.where(x > 0, 1, alpha * (em + 1)).astype(x.dtype)


def _leaky(x: np.ndarray, slope: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    dy = np.where(x > 0, np.ones((), x.dtype), slope).astype(x.dtype, copy=False)
    return x * dy, dy


def _leaky_slope(x, gamma, act_type, slope, lower_bound, upper_bound, is_train):
    """The negative-side slope: a number, prelu's per-channel gamma, or rrelu's random draw."""
    if act_type == "prelu":
        return gamma.reshape((1, -1) + (1,) * (x.ndim - 2)) if x.ndim > 1 else gamma
    if act_type == "rrelu":
        if not is_train:
            return (lower_bound + upper_bound) / 2
        return _random.generator().uniform(lower_bound, upper_bound, x.shape).astype(x.dtype)
    return slope


@register
class LeakyReLU(Op):
    """Leaky rectifiers. ``leaky``: ``y = x if x > 0 else slope * x``; ``prelu``: the same with a
    learned ``gamma`` per channel (axis 1; a single value applies everywhere); ``rrelu``: the slope
    is drawn uniformly from ``[lower_bound, upper_bound]`` per element in training and is their
    mean in inference; ``elu``: ``slope * (e^x - 1)`` for ``x <= 0``; ``selu``: ``lambda *
    elu_alpha(x)`` with the fixed constants of Klambauer et al.; ``gelu``: ``x * Phi(x)``, the
    exact (erf) form. The output has the data's shape.

    Parameters: ``act_type`` (default leaky), ``slope`` (0.25), ``lower_bound`` (0.125),
    ``upper_bound`` (0.334). Inputs: ``data``, ``gamma`` (prelu only, shape ``(channels,)`` or
    ``(1,)``).
    """

    name = "LeakyReLU"
    inputs = ("data", "gamma")
    attrs = (
        Attr("act_type", "str", "leaky", choices=_LEAKY_TYPES),
        Attr("slope", "float", 0.25),
        Attr("lower_bound", "float", 0.125),
        Attr("upper_bound", "float", 0.334),
    )
    train_aware = True
    completes = (1,)
    input_inits = {"gamma": '["Constant", {"value": 0.25}]'}

    @classmethod
    def arguments(cls, attrs):
        return list(cls.inputs if attrs["act_type"] == "prelu" else cls.inputs[:1])

    def infer(in_shapes, in_dtypes, act_type, **attrs):
        data = in_shapes[0]
        if act_type != "prelu":
            return in_shapes, [data], [in_dtypes[0]]
        if len(in_shapes) < 2:
            raise ShapeError("LeakyReLU: act_type='prelu' needs the gamma input")
        gamma = in_shapes[1]
        if data is not None and not (gamma is not None and tuple(gamma) == (1,)):
            channels = data[1] if len(data) > 1 else data[0]
            gamma = complete_shape("LeakyReLU", "gamma", gamma, (channels,), f"data {data}")
        return [data, gamma], [data], [in_dtypes[0]]

    def forward(ctx, x, gamma=None, *, act_type, slope, lower_bound, upper_bound, is_train):
        if act_type == "gelu":
            y, ctx.dy = _gelu(x)
        elif act_type in ("elu", "selu"):
            alpha, scale = (slope, 1.0) if act_type == "elu" else (SELU_ALPHA, SELU_LAMBDA)
            y, ctx.dy = _elu(x, alpha)
            y, ctx.dy = y * x.dtype.type(scale), ctx.dy * x.dtype.type(scale)
        else:
            s = _leaky_slope(x, gamma, act_type, slope, lower_bound, upper_bound, is_train)
            y, ctx.dy = _leaky(x, s)
            ctx.slope_shape = np.shape(s)
        ctx.x, ctx.gamma = x, gamma
        return y.astype(x.dtype, copy=False)

    def vjp(ctx, gy, **attrs):
        gx = gy * ctx.dy
        if ctx.gamma is None:
            return (gx,)
        # The slope broadcast gamma over the data (see Note [Broadcast gradients]).
        ggamma = unbroadcast(gy * np.minimum(ctx.x, 0), ctx.slope_shape)
        return gx, ggamma.reshape(ctx.gamma.shape)

    def samples(rng):
        x = rng.uniform(0.1, 2.0, (2, 3, 4)) * rng.choice([-1, 1], (2, 3, 4))
        return [
            Sample([x], {"act_type": "leaky", "slope": 0.1}),
            Sample([x, rng.uniform(0.1, 0.5, (3,))], {"act_type": "prelu"}),
            # One channel, so the shape rule can complete gamma; a (1,) gamma over several
            # channels (Gluon PReLU's default) is tested in tests/ops/test_nn_ops.py.
            Sample([x[:, :1], np.array([0.3])], {"act_type": "prelu"}),
            Sample([x], {"act_type": "elu", "slope": 0.7}),
            Sample([x], {"act_type": "selu"}),
            Sample([x], {"act_type": "gelu"}),
            Sample([x], {"act_type": "rrelu"}, train=True),
            Sample([x], {"act_type": "rrelu"}),
        ]


@register
class Dropout(Op):
    """``y = x * m / (1 - p)`` with ``m ~ Bernoulli(1 - p)`` in training (or always, with
    ``mode='always'``); ``y = x`` in inference. The output has the data's shape.

    Parameters: ``p`` (drop probability, 0.5), ``mode`` ('training' or 'always'), ``axes`` (axes
    along which one mask value is shared, e.g. ``(2, 3)`` drops whole feature maps), ``cudnn_off``
    (accepted, ignored). Masks are drawn from ``hybrid.random``, so ``hybrid.random.seed`` fixes
    them.
    """

    name = "Dropout"
    # Random even in inference with mode='always': tests check the support, not values.
    deterministic = False
    attrs = (
        Attr("p", "float", 0.5, check=(lambda v: 0.0 <= v <= 1.0, "0 <= p <= 1")),
        Attr("mode", "str", "training", choices=("training", "always")),
        Attr("axes", "shape", ()),
        Attr("cudnn_off", "bool?", False),
    )
    train_aware = True

    def infer(in_shapes, in_dtypes, axes, **attrs):
        if in_shapes[0] is not None:
            for a in axes:
                normalize_axis("Dropout", a, len(in_shapes[0]))
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    def in_support(outputs, inputs, attrs):
        """Each output is 0, the input scaled by ``1 / (1 - p)``, or the input (inference)."""
        y, x, p = outputs[0], inputs[0], attrs["p"]
        scaled = x * (0.0 if p == 1 else 1.0 / (1.0 - p))
        return bool(np.all(np.isclose(y, 0) | np.isclose(y, scaled) | (y == x)))

    def forward(ctx, x, p, mode, axes, cudnn_off, is_train):
        ctx.mask = None
        if not (is_train or mode == "always") or p == 0:
            return x.copy()
        shared = {normalize_axis("Dropout", a, x.ndim) for a in axes}
        shape = tuple(1 if i in shared else d for i, d in enumerate(x.shape))
        keep = _random.generator().random(shape) >= p
        # NOTE: p == 1 drops everything; the 1 / (1 - p) scale is then never applied.
        scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
        ctx.mask = keep.astype(x.dtype) * x.dtype.type(scale)
        return x * ctx.mask

    def vjp(ctx, gy, **attrs):
        return (gy if ctx.mask is None else gy * ctx.mask,)

    def samples(rng):
        x = rng.normal(size=(4, 3, 5))
        return [
            Sample([x], {"p": 0.3}, train=True),
            Sample([x], {"p": 0.5, "axes": (2,)}, train=True),
            Sample([x], {"p": 0.4, "mode": "always"}),
            Sample([x]),
        ]


@register
class Embedding(Op):
    """``y[..., :] = weight[data[...], :]``: rows of ``weight`` picked by integer-valued
    ``data``. Output shape ``data.shape + (output_dim,)``; indices outside ``[0, input_dim)`` are
    clipped, as MXNet's take does. ``weight`` is ``(input_dim, output_dim)``; its gradient adds
    the output gradient into the rows picked; ``data`` gets none.

    Parameters: ``input_dim``, ``output_dim`` (required), ``dtype`` (of the weight, float32),
    ``sparse_grad`` (accepted; MXNet then makes the weight's gradient row-sparse, hybrid keeps it
    dense: the same values, zero in the rows not picked).
    """

    name = "Embedding"
    aliases = ("_contrib_SparseEmbedding",)
    inputs = ("data", "weight")
    attrs = (
        Attr("input_dim", "int", check=(lambda v: v > 0, "positive")),
        Attr("output_dim", "int", check=(lambda v: v > 0, "positive")),
        Attr("dtype", "dtype", np.dtype(np.float32)),
        Attr("sparse_grad", "bool", False),
    )
    completes = (1,)

    def infer(in_shapes, in_dtypes, input_dim, output_dim, dtype, sparse_grad):
        data, weight = in_shapes
        weight = complete_shape(
            "Embedding", "weight", weight, (input_dim, output_dim), "input_dim and output_dim"
        )
        out = None if data is None else tuple(data) + (output_dim,)
        out_dtype = dtype if in_dtypes[1] is None else in_dtypes[1]
        return [data, weight], [out], [out_dtype]

    def forward(ctx, idx, w, input_dim, output_dim, dtype, sparse_grad):
        ctx.idx = np.clip(idx, 0, input_dim - 1).astype(np.intp)
        ctx.w_shape, ctx.w_dtype = w.shape, w.dtype
        return w[ctx.idx]

    def vjp(ctx, gy, **attrs):
        gw = np.zeros(ctx.w_shape, ctx.w_dtype)
        np.add.at(gw, ctx.idx.ravel(), gy.reshape(-1, ctx.w_shape[1]))
        return None, gw

    def samples(rng):
        w = rng.normal(size=(6, 4))
        attrs = {"input_dim": 6, "output_dim": 4}
        return [
            Sample([np.array([[0, 5, 2], [2, 2, 1]]), w], attrs, grad=(1,)),
            Sample([np.array([1.0, 3.0, 3.0, 0.0]), w], attrs, grad=(1,)),
        ]


@register
class SequenceMask(Op):
    """``y[t, b, ...] = x[t, b, ...] if t < sequence_length[b] else value`` (for ``axis=0``;
    ``axis=1`` puts time second: ``(batch, time, ...)``). Identity when ``use_sequence_length``
    is False. The output has the data's shape; ``sequence_length`` has shape ``(batch,)`` and
    gets no gradient.
    """

    name = "SequenceMask"
    inputs = ("data", "sequence_length")
    attrs = (
        Attr("use_sequence_length", "bool", False),
        Attr("value", "float", 0.0),
        Attr("axis", "int", 0, choices=(0, 1)),
    )
    completes = (1,)

    def infer(in_shapes, in_dtypes, use_sequence_length, value, axis):
        data = in_shapes[0]
        if data is not None and len(data) < 2:
            raise ShapeError(f"SequenceMask: data has shape {tuple(data)}, expected >= 2 dims")
        if not use_sequence_length:
            return in_shapes, [data], [in_dtypes[0]]
        if len(in_shapes) < 2:
            raise ShapeError("SequenceMask: use_sequence_length=True needs sequence_length")
        length = in_shapes[1]
        if data is not None:
            expected = (data[1 - axis],)
            source = f"data {tuple(data)} and axis {axis}"
            length = complete_shape("SequenceMask", "sequence_length", length, expected, source)
        return [data, length], [data], [in_dtypes[0]]

    def forward(ctx, x, length=None, *, use_sequence_length, value, axis):
        ctx.keep = None
        if not use_sequence_length:
            return x.copy()
        keep = np.arange(x.shape[axis])[:, None] < length[None, :]  # (time, batch)
        keep = keep if axis == 0 else keep.T
        ctx.keep = keep.reshape(keep.shape + (1,) * (x.ndim - 2))
        return np.where(ctx.keep, x, x.dtype.type(value))

    def vjp(ctx, gy, **attrs):
        if ctx.keep is None:
            return (gy,)
        return np.where(ctx.keep, gy, 0).astype(gy.dtype, copy=False), None

    def samples(rng):
        x = rng.normal(size=(4, 3, 2))
        return [
            Sample([x, np.array([1.0, 4.0, 2.0])], {"use_sequence_length": True}, grad=(0,)),
            Sample(
                [x, np.array([2.0, 0.0, 3.0, 1.0])],
                {"use_sequence_length": True, "axis": 1, "value": -1.5},
                grad=(0,),
            ),
            Sample([x]),
        ]


@register
class SmoothL1(elemwise.Unary):
    """``y = 0.5 * (sigma * x)^2`` where ``|x| < 1 / sigma^2``, else ``|x| - 0.5 / sigma^2``
    (MXNet's smooth_l1, the Huber loss used by Fast R-CNN). ``scalar`` is ``sigma`` (1.0).
    """

    name = "smooth_l1"
    attrs = (Attr("scalar", "float", 1.0),)

    def forward(ctx, x, scalar):
        s2 = scalar * scalar
        ctx.x, ctx.s2, ctx.inner = x, s2, np.abs(x) < 1.0 / s2
        y = np.where(ctx.inner, 0.5 * s2 * x * x, np.abs(x) - 0.5 / s2)
        return y.astype(x.dtype, copy=False)

    def vjp(ctx, gy, scalar):
        return (gy * np.where(ctx.inner, ctx.s2 * ctx.x, np.sign(ctx.x)),)

    def samples(rng):
        x = rng.choice([-2.0, -0.5, 0.3, 1.6, 3.0], (3, 4)) + rng.uniform(-0.1, 0.1, (3, 4))
        return [Sample([x]), Sample([x], {"scalar": 2.0})]
