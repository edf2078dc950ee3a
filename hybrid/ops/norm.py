"""Normalisation ops: BatchNorm, LayerNorm, InstanceNorm, GroupNorm.

All four standardise ``x`` over some axes, ``x_hat = (x - mean) / sqrt(var + eps)`` with the biased
variance, then scale and shift per channel: ``y = gamma * x_hat + beta``. They share the moment
computation and its gradient (see Note [Normalisation gradients]); they differ in which axes are
reduced and in which extra outputs they show.
"""

from __future__ import annotations

from math import prod

import numpy as np

from ..base import ShapeError
from ._util import complete_shape, normalize_axis
from .attrs import Attr
from .registry import Ctx, Op, Sample, register

__all__: list[str] = []

# Dtypes whose einsum reductions accumulate precisely enough (Note [BatchNorm in training]).
_FLOATS = (np.float32, np.float64)


# Note [Normalisation gradients]
# With m elements reduced per group, x_hat = (x - mean) * invstd and invstd = (var + eps)^-1/2:
#   dL/dx = invstd * (g - mean(g) - x_hat * mean(g * x_hat))      for g = dL/dx_hat,
# and the moments shown as outputs add their own terms, since d mean/dx = 1/m and
# d std/dx = x_hat / m (std = sqrt(var + eps)); an inverse-std output with gradient h acts as a
# std output with gradient -h * invstd^2. `_standardize` and `_standardize_vjp` are the one place
# this is written.
def _standardize(ctx: Ctx, x: np.ndarray, view: tuple, axes: tuple, eps: float) -> tuple:
    """(mean, var, invstd) of ``x.reshape(view)`` over ``axes`` (kept dims) and ``x_hat`` in
    ``x``'s shape; saves what ``_standardize_vjp`` needs.
    """
    xv = x.reshape(view)
    mean = xv.mean(axis=axes, keepdims=True)
    xc = xv - mean
    var = np.mean(xc * xc, axis=axes, keepdims=True)
    invstd = 1.0 / np.sqrt(var + x.dtype.type(eps))
    ctx.xhat_view, ctx.invstd, ctx.axes = xc * invstd, invstd, axes
    return mean, var, invstd, ctx.xhat_view.reshape(x.shape)


def _standardize_vjp(ctx: Ctx, gxhat: np.ndarray, gmean=None, gstd=None) -> np.ndarray:
    """dL/dx from dL/dx_hat (``x``'s shape) and optional moment gradients (any shape holding one
    value per group). See Note [Normalisation gradients].
    """
    xhat, invstd, axes = ctx.xhat_view, ctx.invstd, ctx.axes
    g = gxhat.reshape(xhat.shape)
    gx = g - g.mean(axis=axes, keepdims=True) - xhat * (g * xhat).mean(axis=axes, keepdims=True)
    gx = gx * invstd
    m = xhat.size // invstd.size
    if gmean is not None:
        gx = gx + gmean.reshape(invstd.shape) / m
    if gstd is not None:
        gx = gx + gstd.reshape(invstd.shape) * xhat / m
    return gx.reshape(gxhat.shape)


def _affine(ctx: Ctx, xhat: np.ndarray, gamma: np.ndarray, beta: np.ndarray, axis: int):
    """``gamma * x_hat + beta`` with the per-channel parameters along ``axis``."""
    shape = tuple(-1 if i == axis else 1 for i in range(xhat.ndim))
    ctx.xhat, ctx.gamma, ctx.caxis = xhat, gamma.reshape(shape), axis
    return xhat * ctx.gamma + beta.reshape(shape)


def _affine_vjp(ctx: Ctx, gy: np.ndarray) -> tuple:
    """(dL/dx_hat, dL/dgamma, dL/dbeta)."""
    axes = tuple(i for i in range(gy.ndim) if i != ctx.caxis)
    return gy * ctx.gamma, (gy * ctx.xhat).sum(axis=axes), gy.sum(axis=axes)


# Note [BatchNorm in training]
# Per channel c over the m values of x3 = x.reshape(before axis, C, after axis): mean and var
# come from two reductions (einsum: no temporaries), xc = x - mean is the one saved array, and
# y = xc * (gamma * invstd) + beta. With g = dL/dy, sg = sum(g), sgx = sum(g * xc):
#   dL/dgamma = invstd * sgx,  dL/dbeta = sg,
#   dL/dx = a * g + b * xc + c0  with a = gamma * invstd, b = -a * invstd^2 * sgx / m,
#   c0 = -a * sg / m,
# Note [Normalisation gradients] with x_hat = xc * invstd folded into per-channel constants. So
# the forward makes two full-size arrays instead of five and the backward four passes instead
# of about a dozen.
def _batch_forward(
    ctx: Ctx, x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, axis: int, eps: float
) -> tuple:
    """(y, mean, var) of BatchNorm with batch statistics; see Note [BatchNorm in training]."""
    x3 = x.reshape(prod(x.shape[:axis]), x.shape[axis], -1)
    m = x3.shape[0] * x3.shape[2]
    mean = np.einsum("ncp->c", x3) / x.dtype.type(m)
    xc = np.subtract(x3, mean[:, None])
    var = np.einsum("ncp,ncp->c", xc, xc) / x.dtype.type(m)
    invstd = 1.0 / np.sqrt(var + x.dtype.type(eps))
    y = np.multiply(xc, (gamma * invstd)[:, None])
    y += beta[:, None]
    ctx.xc, ctx.invstd, ctx.gamma = xc, invstd, gamma
    return y.reshape(x.shape), mean, var


def _batch_vjp(ctx: Ctx, gy: np.ndarray) -> tuple:
    """(dL/dx, dL/dgamma, dL/dbeta) of :func:`_batch_forward`."""
    xc, invstd = ctx.xc, ctx.invstd
    g3 = gy.reshape(xc.shape)
    m = gy.dtype.type(xc.shape[0] * xc.shape[2])
    sg, sgx = np.einsum("ncp->c", g3), np.einsum("ncp,ncp->c", g3, xc)
    a = ctx.gamma * invstd
    gx = np.multiply(g3, a[:, None])
    part = np.multiply(xc, (-a * invstd * invstd * sgx / m)[:, None])
    part -= (a * sg / m)[:, None]
    gx += part
    return gx.reshape(gy.shape), invstd * sgx, sg


def _infer_params(op: str, in_shapes: list, names: tuple, axis: int, min_ndim: int) -> list:
    """Input shapes with every per-channel parameter completed to ``(data.shape[axis],)``."""
    data = in_shapes[0]
    if data is None:
        return list(in_shapes)
    if len(data) < min_ndim:
        raise ShapeError(f"{op}: data has shape {tuple(data)}, expected at least {min_ndim} dims")
    c = data[normalize_axis(op, axis, len(data))]
    source = f"data {tuple(data)} and channel axis {axis}"
    return [data] + [complete_shape(op, n, s, (c,), source) for n, s in zip(names, in_shapes[1:])]


def _norm_samples(rng: np.random.Generator, shape: tuple, c: int, n_params: int = 2) -> list:
    x = rng.normal(size=shape) * 2 + 0.5
    return [x, rng.uniform(0.5, 1.5, c), rng.normal(size=c)][: 1 + n_params]


class _Normalization(Op):
    """Family base: data, gamma and beta, extra moment outputs with ``output_mean_var``."""

    inputs = ("data", "gamma", "beta")
    completes = (1, 2)

    def num_outputs(attrs):
        return 3 if attrs.get("output_mean_var") else 1


# The attributes BatchNorm and SyncBatchNorm share, in MXNet's order.
BATCH_NORM_ATTRS = (
    Attr("eps", "float", 1e-3),
    Attr("momentum", "float", 0.9),
    Attr("fix_gamma", "bool", True),
    Attr("use_global_stats", "bool", False),
    Attr("output_mean_var", "bool", False),
)


@register
class BatchNorm(_Normalization):
    """``y = gamma * (x - mean) / sqrt(var + eps) + beta`` per channel (``axis``, default 1).

    In training (and unless ``use_global_stats``) mean and var are the batch's (biased variance),
    and the running statistics are updated in place: ``moving = momentum * moving + (1 -
    momentum) * batch`` (the biased batch variance, as MXNet). In inference, and with
    ``use_global_stats``, ``moving_mean`` and ``moving_var`` are used. ``fix_gamma`` (default
    True, as MXNet) treats gamma as 1 and gives it a zero gradient. ``output_mean_var`` adds two
    ``(channels,)`` outputs: the mean and the inverse standard deviation ``1 / sqrt(var + eps)``
    used. The moving statistics get no gradient. ``cudnn_off``, ``min_calib_range`` and
    ``max_calib_range`` are accepted and ignored.

    Inputs: ``data`` (any shape with ``axis``), ``gamma``, ``beta``, ``moving_mean``,
    ``moving_var`` of shape ``(channels,)``. Output: the data's shape.
    """

    name = "BatchNorm"
    aliases = ("batch_norm", "BatchNorm_v1")
    inputs = ("data", "gamma", "beta", "moving_mean", "moving_var")
    attrs = BATCH_NORM_ATTRS + (
        Attr("axis", "int", 1),
        Attr("cudnn_off", "bool", False),
        Attr("min_calib_range", "float?", None),
        Attr("max_calib_range", "float?", None),
    )
    train_aware = True
    aux_writeback = (3, 4)
    completes = (1, 2, 3, 4)
    input_inits = {"moving_mean": '["zero", {}]', "moving_var": '["one", {}]'}

    def infer(in_shapes, in_dtypes, axis, output_mean_var, **attrs):
        names = ("gamma", "beta", "moving_mean", "moving_var")
        in_shapes = _infer_params("BatchNorm", in_shapes, names, axis, 1)
        outs = in_shapes[:1] + (in_shapes[1:2] * 2 if output_mean_var else [])
        return in_shapes, outs, [in_dtypes[0]] * len(outs)

    def forward(ctx, x, gamma, beta, moving_mean, moving_var, **attrs):
        eps, momentum, axis = attrs["eps"], attrs["momentum"], attrs["axis"]
        ctx.batch = attrs["is_train"] and not attrs["use_global_stats"]
        ctx.fix_gamma = attrs["fix_gamma"]
        axis = normalize_axis("BatchNorm", axis, x.ndim)
        new_mean = new_var = None
        scale = np.ones_like(gamma) if ctx.fix_gamma else gamma
        ctx.fused = ctx.batch and not attrs["output_mean_var"] and x.size > 0 and x.dtype in _FLOATS
        if ctx.fused:
            y, mean, var = _batch_forward(
                ctx, x, scale.astype(x.dtype, copy=False), beta.astype(x.dtype), axis, eps
            )
        elif ctx.batch:
            axes = tuple(i for i in range(x.ndim) if i != axis)
            mean, var, invstd, xhat = _standardize(ctx, x, x.shape, axes, eps)
            mean, var, invstd = mean.ravel(), var.ravel(), invstd.ravel()
        else:
            shape = tuple(-1 if i == axis else 1 for i in range(x.ndim))
            mean = moving_mean.astype(x.dtype, copy=False)
            invstd = 1.0 / np.sqrt(moving_var.astype(x.dtype) + x.dtype.type(eps))
            ctx.invstd_bcast = invstd.reshape(shape)
            xhat = (x - mean.reshape(shape)) * ctx.invstd_bcast
        if ctx.batch:
            keep = moving_mean.dtype.type(momentum)
            new_mean = keep * moving_mean + (1 - keep) * mean.astype(moving_mean.dtype)
            new_var = keep * moving_var + (1 - keep) * var.astype(moving_var.dtype)
        if not ctx.fused:
            y = _affine(ctx, xhat, scale.astype(x.dtype, copy=False), beta.astype(x.dtype), axis)
        shown = (y, mean, invstd) if attrs["output_mean_var"] else (y,)
        return shown + (new_mean, new_var)

    def vjp(ctx, gy, gmean=None, ginvstd=None, **attrs):
        if ctx.fused:
            gx, ggamma, gbeta = _batch_vjp(ctx, gy)
            return gx, np.zeros_like(ggamma) if ctx.fix_gamma else ggamma, gbeta, None, None
        gxhat, ggamma, gbeta = _affine_vjp(ctx, gy)
        if ctx.fix_gamma:
            ggamma = np.zeros_like(ggamma)
        if not ctx.batch:
            return gxhat * ctx.invstd_bcast, ggamma, gbeta, None, None
        gstd = None if ginvstd is None else -ginvstd * ctx.invstd.ravel() ** 2
        return _standardize_vjp(ctx, gxhat, gmean, gstd), ggamma, gbeta, None, None

    def samples(rng):
        x4, x2 = _norm_samples(rng, (4, 3, 2, 2), 3), _norm_samples(rng, (6, 5), 5)
        stats3 = [rng.normal(size=3), rng.uniform(0.5, 2.0, 3)]
        stats5 = [rng.normal(size=5), rng.uniform(0.5, 2.0, 5)]
        grad = (0, 1, 2)
        return [
            Sample(x4 + stats3, {}, grad=grad, train=True),
            Sample(x4 + stats3, {"fix_gamma": False, "output_mean_var": True}, grad, train=True),
            Sample(x2 + stats5, {"fix_gamma": False, "axis": -1, "momentum": 0.7}, grad, True),
            Sample(x4 + stats3, {"fix_gamma": False}, grad=grad),
            Sample(x4 + stats3, {"use_global_stats": True, "output_mean_var": True}, grad, True),
        ]


@register
class LayerNorm(_Normalization):
    """``y = gamma * (x - mean) / sqrt(var + eps) + beta`` with moments over one ``axis``
    (default -1) per position of the other axes; ``gamma`` and ``beta`` have shape
    ``(data.shape[axis],)``. ``output_mean_var`` adds the mean and the standard deviation
    ``sqrt(var + eps)``, each of the data's shape with ``axis`` of size 1. ``eps`` defaults to 1e-5.
    """

    name = "LayerNorm"
    attrs = (
        Attr("axis", "int", -1),
        Attr("eps", "float", 1e-5),
        Attr("output_mean_var", "bool", False),
    )

    def infer(in_shapes, in_dtypes, axis, eps, output_mean_var):
        in_shapes = _infer_params("LayerNorm", in_shapes, ("gamma", "beta"), axis, 1)
        data = in_shapes[0]
        outs = [data]
        if output_mean_var:
            a = None if data is None else normalize_axis("LayerNorm", axis, len(data))
            moment = None if data is None else tuple(1 if i == a else d for i, d in enumerate(data))
            outs += [moment, moment]
        return in_shapes, outs, [in_dtypes[0]] * len(outs)

    def forward(ctx, x, gamma, beta, axis, eps, output_mean_var):
        axis = normalize_axis("LayerNorm", axis, x.ndim)
        mean, _, invstd, xhat = _standardize(ctx, x, x.shape, (axis,), eps)
        y = _affine(ctx, xhat, gamma, beta, axis)
        return (y, mean, 1.0 / invstd) if output_mean_var else y

    def vjp(ctx, gy, gmean=None, gstd=None, **attrs):
        gxhat, ggamma, gbeta = _affine_vjp(ctx, gy)
        return _standardize_vjp(ctx, gxhat, gmean, gstd), ggamma, gbeta

    def samples(rng):
        return [
            Sample(_norm_samples(rng, (2, 3, 4), 4)),
            Sample(_norm_samples(rng, (2, 3, 4), 3), {"axis": 1, "output_mean_var": True}),
            Sample(_norm_samples(rng, (5, 6), 6), {"eps": 1e-3}),
        ]


@register
class InstanceNorm(_Normalization):
    """``y = gamma * (x - mean) / sqrt(var + eps) + beta`` with moments over the spatial axes
    (2 onwards) of each sample and channel; ``data`` is ``(batch, channels, ...)`` with at least
    3 dims, ``gamma`` and ``beta`` are ``(channels,)``; ``eps`` defaults to 1e-3. The output has
    the data's shape.
    """

    name = "InstanceNorm"
    attrs = (Attr("eps", "float", 1e-3),)

    def infer(in_shapes, in_dtypes, eps):
        in_shapes = _infer_params("InstanceNorm", in_shapes, ("gamma", "beta"), 1, 3)
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    def forward(ctx, x, gamma, beta, eps):
        _, _, _, xhat = _standardize(ctx, x, x.shape, tuple(range(2, x.ndim)), eps)
        return _affine(ctx, xhat, gamma, beta, 1)

    def vjp(ctx, gy, eps):
        gxhat, ggamma, gbeta = _affine_vjp(ctx, gy)
        return _standardize_vjp(ctx, gxhat), ggamma, gbeta

    def samples(rng):
        return [
            Sample(_norm_samples(rng, (2, 3, 5), 3)),
            Sample(_norm_samples(rng, (2, 2, 3, 3), 2), {"eps": 1e-5}),
        ]


@register
class GroupNorm(_Normalization):
    """``y = gamma * (x - mean) / sqrt(var + eps) + beta`` with the channels split into
    ``num_groups`` groups and moments over each sample's group (its channels and spatial axes).
    ``data`` is ``(batch, channels, ...)`` with at least 3 dims and ``channels`` divisible by
    ``num_groups`` (default 1); ``gamma`` and ``beta`` are ``(num_groups,)``, one scale and shift
    per group as in MXNet 1.9.1 (not per channel); ``eps`` defaults to 1e-5. ``output_mean_var``
    adds the mean and the standard deviation ``sqrt(var + eps)``, each of shape
    ``(batch, num_groups)``.
    """

    name = "GroupNorm"
    attrs = (
        Attr("num_groups", "int", 1, check=(lambda v: v > 0, "positive")),
        Attr("eps", "float", 1e-5),
        Attr("output_mean_var", "bool", False),
    )

    def infer(in_shapes, in_dtypes, num_groups, eps, output_mean_var):
        data = in_shapes[0]
        if data is not None and len(data) < 3:
            raise ShapeError(f"GroupNorm: data has shape {tuple(data)}, expected at least 3 dims")
        if data is not None and data[1] % num_groups:
            raise ShapeError(
                f"GroupNorm: data has {data[1]} channels (shape {tuple(data)}), expected a "
                f"multiple of num_groups={num_groups}"
            )
        source = f"num_groups={num_groups}"
        params = [
            complete_shape("GroupNorm", n, s, (num_groups,), source)
            for n, s in zip(("gamma", "beta"), in_shapes[1:])
        ]
        moment = None if data is None else (data[0], num_groups)
        outs = [data] + ([moment, moment] if output_mean_var else [])
        return [data, *params], outs, [in_dtypes[0]] * len(outs)

    def forward(ctx, x, gamma, beta, num_groups, eps, output_mean_var):
        n, c = x.shape[:2]
        view = (n, num_groups, c // num_groups) + x.shape[2:]  # (N, G, C/G, ...)
        mean, _, invstd, _ = _standardize(ctx, x, view, tuple(range(2, len(view))), eps)
        y = _affine(ctx, ctx.xhat_view, gamma, beta, 1).reshape(x.shape)
        if not output_mean_var:
            return y
        return y, mean.reshape(n, num_groups), (1.0 / invstd).reshape(n, num_groups)

    def vjp(ctx, gy, gmean=None, gstd=None, **attrs):
        gxhat, ggamma, gbeta = _affine_vjp(ctx, gy.reshape(ctx.xhat_view.shape))
        return _standardize_vjp(ctx, gxhat, gmean, gstd).reshape(gy.shape), ggamma, gbeta

    def samples(rng):
        return [
            Sample(_norm_samples(rng, (2, 4, 3), 2), {"num_groups": 2}),
            Sample(_norm_samples(rng, (2, 6, 2, 2), 3), {"num_groups": 3, "output_mean_var": True}),
            Sample(_norm_samples(rng, (3, 2, 4), 1)),
        ]
