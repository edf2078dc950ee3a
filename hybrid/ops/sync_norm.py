"""contrib.SyncBatchNorm: BatchNorm whose batch moments span every worker of a distributed job.

Note [Synchronized batch moments]
---------------------------------
MXNet's SyncBatchNorm sums the per-channel moments over the ``ndev`` devices of one process. hybrid
runs on the CPU of each process, so the devices are the workers of the distributed KVStore created
last (``kvstore.create('dist_sync')`` under ``hybrid-run``): in training, the mean, then the
variance, are Allreduce'd over them, and so are the two per-channel sums of the backward pass,
``sum(g)`` and ``sum(g * x_hat)``. Every worker must therefore run the layer the same number of
times. With no such store (one process) the op is BatchNorm with channel axis 1, bit for bit.
"""

from __future__ import annotations

import numpy as np

from .attrs import REQUIRED, Attr
from .norm import BATCH_NORM_ATTRS, BatchNorm
from .registry import Ctx, Sample, register

__all__: list[str] = []


def _group():
    """The distributed store to reduce over, or None. See Note [Synchronized batch moments]."""
    from ..kvstore.mpi import sync_group  # NOTE: ops load before the kvstore package

    return sync_group()


def _global_sum(group, local: np.ndarray) -> np.ndarray:
    total = np.ascontiguousarray(local, dtype=np.float64)
    group.allreduce(total)
    return total


@register
class SyncBatchNorm(BatchNorm):
    """BatchNorm over the channel axis 1 whose training-mode batch mean and variance are those of
    the whole distributed batch, every worker's samples together (see
    Note [Synchronized batch moments]); otherwise, and in one process, exactly ``BatchNorm``.

    ``ndev`` (MXNet's device count) and ``key`` (the layer's name, MXNet's rendezvous key) are
    accepted and checked; the workers to reduce over are the distributed KVStore's.

    Inputs: ``data`` ``(batch, channels, ...)``, ``gamma``, ``beta``, ``moving_mean``,
    ``moving_var`` of shape ``(channels,)``. Output: the data's shape (plus the mean and inverse
    standard deviation with ``output_mean_var``).
    """

    name = "_contrib_SyncBatchNorm"
    aliases = ()
    attrs = BATCH_NORM_ATTRS + (
        Attr("ndev", "int", 1),
        Attr("key", "str", REQUIRED),
    )

    def infer(in_shapes, in_dtypes, **attrs):
        return BatchNorm.infer(in_shapes, in_dtypes, axis=1, **attrs)

    def forward(ctx, x, gamma, beta, moving_mean, moving_var, **attrs):
        group = _group() if attrs["is_train"] and not attrs["use_global_stats"] else None
        ctx.group = group
        if group is None:
            return BatchNorm.forward(ctx, x, gamma, beta, moving_mean, moving_var, axis=1, **attrs)
        return _synced_forward(ctx, group, x, gamma, beta, moving_mean, moving_var, attrs)

    def vjp(ctx, gy, gmean=None, ginvstd=None, **attrs):
        if ctx.group is None:
            return BatchNorm.vjp(ctx, gy, gmean, ginvstd, axis=1, **attrs)
        return _synced_vjp(ctx, gy, gmean, ginvstd)

    def samples(rng):
        x = rng.normal(size=(4, 3, 2, 2)) * 2 + 0.5
        params = [rng.uniform(0.5, 1.5, 3), rng.normal(size=3)]
        stats = [rng.normal(size=3), rng.uniform(0.5, 2.0, 3)]
        grad = (0, 1, 2)
        key = {"key": "syncbatchnorm0_"}
        return [
            Sample([x, *params, *stats], {**key, "fix_gamma": False}, grad=grad, train=True),
            Sample([x, *params, *stats], {**key, "output_mean_var": True}, grad=grad, train=True),
            Sample([x, *params, *stats], {**key, "fix_gamma": False, "ndev": 2}, grad=grad),
        ]


def _synced_forward(ctx: Ctx, group, x, gamma, beta, moving_mean, moving_var, attrs) -> tuple:
    c = x.shape[1]
    axes = (0, *range(2, x.ndim))
    view = (1, c) + (1,) * (x.ndim - 2)
    counts = _global_sum(group, np.array([x.size // c]))
    n = counts[0]
    mean = (_global_sum(group, x.sum(axis=axes)) / n).astype(x.dtype)
    xc = x - mean.reshape(view)
    var = (_global_sum(group, (xc * xc).sum(axis=axes)) / n).astype(x.dtype)
    invstd = 1.0 / np.sqrt(var + x.dtype.type(attrs["eps"]))
    xhat = xc * invstd.reshape(view)
    ctx.xhat, ctx.invstd_c, ctx.view, ctx.axes, ctx.n = xhat, invstd, view, axes, n
    ctx.fix_gamma = attrs["fix_gamma"]
    scale = np.ones_like(gamma) if ctx.fix_gamma else gamma
    ctx.scale = scale.astype(x.dtype).reshape(view)
    y = xhat * ctx.scale + beta.astype(x.dtype).reshape(view)
    keep = moving_mean.dtype.type(attrs["momentum"])
    new_mean = keep * moving_mean + (1 - keep) * mean.astype(moving_mean.dtype)
    new_var = keep * moving_var + (1 - keep) * var.astype(moving_var.dtype)
    shown = (y, mean, invstd) if attrs["output_mean_var"] else (y,)
    return shown + (new_mean, new_var)


def _synced_vjp(ctx: Ctx, gy, gmean, ginvstd) -> tuple:
    # See Note [Normalisation gradients] in hybrid/ops/norm.py; the means run over every worker.
    axes, view, xhat = ctx.axes, ctx.view, ctx.xhat
    gbeta, ggamma = gy.sum(axis=axes), (gy * xhat).sum(axis=axes)
    if ctx.fix_gamma:
        ggamma = np.zeros_like(ggamma)
    g = gy * ctx.scale
    mean_g = _global_sum(ctx.group, g.sum(axis=axes)) / ctx.n
    mean_gx = _global_sum(ctx.group, (g * xhat).sum(axis=axes)) / ctx.n
    gx = (g - mean_g.reshape(view) - xhat * mean_gx.reshape(view)) * ctx.invstd_c.reshape(view)
    # the moments shown are the global ones: every worker's cotangents reach every worker's data
    if gmean is not None:
        gx = gx + _global_sum(ctx.group, gmean).reshape(view) / ctx.n
    if ginvstd is not None:
        gstd = _global_sum(ctx.group, -ginvstd * ctx.invstd_c**2)
        gx = gx + gstd.reshape(view) * xhat / ctx.n
    return gx.astype(gy.dtype), ggamma, gbeta, None, None
