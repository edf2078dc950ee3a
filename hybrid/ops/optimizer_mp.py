"""The mixed-precision (``mp_``), LAMB and FTML update ops.

``mp_`` ops keep a float32 master copy ``weight32`` of a (usually float16) weight: the update is
computed on ``weight32``, which is updated in place, and the weight returned is ``weight32`` cast
to the weight's dtype. See :mod:`hybrid.ops.optimizer_ops` for the family's conventions.
"""

from __future__ import annotations

import numpy as np

from .attrs import REQUIRED, Attr
from .optimizer_ops import (
    _CLIP,
    _LR,
    _RESCALE,
    _WD,
    NAGMomUpdate,
    SGDMomUpdate,
    SGDUpdate,
    Update,
    clip,
    moments,
)
from .registry import Sample, register

_F32 = np.float32


def mp_samples(cls, rng, attrs_list):
    """Samples with a float16 weight and its float32 master copy as the last input."""
    out = []
    for s in cls.make_samples(rng, attrs_list):
        inputs = [x.astype(_F32) for x in s.inputs]
        inputs[-1] = inputs[0].copy()
        inputs[0] = inputs[0].astype(np.float16)
        inputs[1] = inputs[1].astype(np.float16)
        out.append(Sample(inputs, s.attrs))
    return out


@register
class MPSGDUpdate(Update):
    """``sgd_update`` on the float32 master weight ``weight32``."""

    name = "mp_sgd_update"
    inputs = ("weight", "grad", "weight32")
    attrs = SGDUpdate.attrs
    aux_writeback = (2,)

    def forward(ctx, w, g, w32, **attrs):
        w32 = SGDUpdate.forward(ctx, w32, g, **attrs)
        return w32.astype(w.dtype), w32

    @classmethod
    def samples(cls, rng):
        return mp_samples(cls, rng, [{"lr": 0.1, "wd": 0.1}])


@register
class MPSGDMomUpdate(Update):
    """``sgd_mom_update`` on the float32 master weight ``weight32``."""

    name = "mp_sgd_mom_update"
    inputs = ("weight", "grad", "mom", "weight32")
    attrs = SGDMomUpdate.attrs
    aux_writeback = (2, 3)

    def forward(ctx, w, g, mom, w32, **attrs):
        w32, mom = SGDMomUpdate.forward(ctx, w32, g, mom, **attrs)
        return w32.astype(w.dtype), mom, w32

    @classmethod
    def samples(cls, rng):
        return mp_samples(cls, rng, [{"lr": 0.1, "momentum": 0.9, "wd": 0.1}])


@register
class MPNAGMomUpdate(Update):
    """``nag_mom_update`` on the float32 master weight ``weight32``, except that (as in MXNet)
    the momentum's weight decay term uses the already updated weight: ``m = momentum * mom``,
    ``w32 = w32 - m + (momentum + 1) * (m - lr * (g + wd * w32))``, ``mom = m - lr * (g + wd *
    w32_new)``, ``g = clip(rescale_grad * grad)``.
    """

    name = "mp_nag_mom_update"
    inputs = ("weight", "grad", "mom", "weight32")
    attrs = NAGMomUpdate.attrs
    aux_writeback = (2, 3)

    def forward(ctx, w, g, mom, w32, lr, momentum, wd, rescale_grad, clip_gradient):
        f = w32.dtype.type
        g = clip(f(rescale_grad) * g.astype(w32.dtype), clip_gradient)
        m = f(momentum) * mom
        w32 = w32 - m + f(momentum + 1) * (m - f(lr) * (g + f(wd) * w32))
        mom = m - f(lr) * (g + f(wd) * w32)
        return w32.astype(w.dtype), mom, w32

    @classmethod
    def samples(cls, rng):
        return mp_samples(cls, rng, [{"lr": 0.1, "momentum": 0.9, "wd": 0.1}])


@register
class FTMLUpdate(Update):
    """Follow the Moving Leader: ``g = clip(rescale_grad * grad + wd * w, clip_grad)``; ``v =
    beta2 * v + (1 - beta2) * g^2``; ``d_t = (1 - beta1^t) / lr * (sqrt(v / (1 - beta2^t)) +
    epsilon)``; ``z = beta1 * z + (1 - beta1) * g - (d_t - beta1 * d) * w``; ``d = d_t``;
    ``w = -z / d_t``.
    """

    name = "ftml_update"
    inputs = ("weight", "grad", "d", "v", "z")
    attrs = (_LR, Attr("beta1", "float", 0.6), Attr("beta2", "float", 0.999),
             Attr("epsilon", "float", 1e-8), Attr("t", "int", REQUIRED), _WD, _RESCALE,
             Attr("clip_grad", "float", -1.0))
    aux_writeback = (2, 3, 4)

    def forward(ctx, w, g, d, v, z, lr, beta1, beta2, epsilon, t, wd, rescale_grad, clip_grad):
        f = w.dtype.type
        g = clip(f(rescale_grad) * g + f(wd) * w, clip_grad)
        v = f(beta2) * v + f(1 - beta2) * g * g
        d_t = f(1 - beta1**t) / f(lr) * (np.sqrt(v / f(1 - beta2**t)) + f(epsilon))
        z = f(beta1) * z + f(1 - beta1) * g - (d_t - f(beta1) * d) * w
        return -z / d_t, d_t, v, z

    @classmethod
    def samples(cls, rng):
        return cls.make_samples(rng, [{"lr": 0.1, "t": 1}, {"lr": 0.1, "t": 3, "wd": 0.1,
                                                            "clip_grad": 0.5}])


_LAMB1 = (Attr("beta1", "float", 0.9), Attr("beta2", "float", 0.999),
          Attr("epsilon", "float", 1e-6), Attr("t", "int", REQUIRED),
          Attr("bias_correction", "bool", True), Attr("wd", "float", REQUIRED), _RESCALE, _CLIP)
_LAMB2 = (_LR, Attr("lower_bound", "float", -1.0), Attr("upper_bound", "float", -1.0))


def _lamb_direction(w, g, mean, var, beta1, beta2, epsilon, t, bias_correction, wd,
                    rescale_grad, clip_gradient):
    """LAMB phase 1: the moments after ``g`` and the update direction ``m / (sqrt(v) + eps) +
    wd * w`` (``m``, ``v`` bias-corrected with ``bias_correction``).
    """
    f = w.dtype.type
    g = clip(f(rescale_grad) * g.astype(w.dtype, copy=False), clip_gradient)
    mean, var = moments(mean, var, g, beta1, beta2)
    m, v = mean, var
    if bias_correction:
        m, v = mean / f(1 - beta1**t), var / f(1 - beta2**t)
    return m / (np.sqrt(v) + f(epsilon)) + f(wd) * w, mean, var


def _lamb_step(w, g, r1, r2, lr, lower_bound, upper_bound):
    """LAMB phase 2: ``w - lr * r1 / r2 * g`` with ``r1`` (the weight norm) clamped to the
    bounds that are >= 0 and a ratio of 1 when either norm is 0.
    """
    f = w.dtype.type
    if lower_bound >= 0:
        r1 = np.maximum(r1, f(lower_bound))
    if upper_bound >= 0:
        r1 = np.minimum(r1, f(upper_bound))
    ok = (r1 != 0) & (r2 != 0)
    ratio = np.where(ok, r1 / np.where(ok, r2, 1), 1).astype(w.dtype)
    return w - f(lr) * ratio * g


@register
class LambUpdatePhase1(Update):
    """LAMB's first phase: updates ``mean`` and ``var`` like Adam and returns the direction
    ``mean_hat / (sqrt(var_hat) + epsilon) + wd * weight``.
    """

    name = "lamb_update_phase1"
    inputs = ("weight", "grad", "mean", "var")
    attrs = _LAMB1
    aux_writeback = (2, 3)

    def forward(ctx, w, g, mean, var, **attrs):
        return _lamb_direction(w, g, mean, var, **attrs)

    @classmethod
    def samples(cls, rng):
        return cls.make_samples(rng, [{"t": 1, "wd": 0.1},
                                      {"t": 3, "wd": 0.0, "bias_correction": False}])


@register
class LambUpdatePhase2(Update):
    """LAMB's second phase: ``weight - lr * r1 / r2 * g`` for the weight norm ``r1`` and the
    direction norm ``r2`` (shape ``(1,)``).
    """

    name = "lamb_update_phase2"
    inputs = ("weight", "g", "r1", "r2")
    attrs = _LAMB2
    scalars = (2, 3)

    def forward(ctx, w, g, r1, r2, **attrs):
        return _lamb_step(w, g, r1, r2, **attrs)

    @classmethod
    def samples(cls, rng):
        return cls.make_samples(rng, [{"lr": 0.1}, {"lr": 0.1, "lower_bound": 0.5,
                                                    "upper_bound": 0.6}])


@register
class MPLambUpdatePhase1(Update):
    """``lamb_update_phase1`` on the float32 master weight ``weight32``."""

    name = "mp_lamb_update_phase1"
    inputs = ("weight", "grad", "mean", "var", "weight32")
    attrs = _LAMB1
    aux_writeback = (2, 3)

    def forward(ctx, w, g, mean, var, w32, **attrs):
        return _lamb_direction(w32, g, mean, var, **attrs)

    dtype_from = 4

    @classmethod
    def samples(cls, rng):
        return mp_samples(cls, rng, [{"t": 2, "wd": 0.1}])


@register
class MPLambUpdatePhase2(Update):
    """``lamb_update_phase2`` computed from the float32 master weight ``weight32`` and cast to
    the weight's dtype. As in MXNet, ``weight32`` itself is left unchanged.
    """

    name = "mp_lamb_update_phase2"
    inputs = ("weight", "g", "r1", "r2", "weight32")
    attrs = _LAMB2
    scalars = (2, 3)

    def forward(ctx, w, g, r1, r2, w32, **attrs):
        return _lamb_step(w32, g, r1, r2, **attrs).astype(w.dtype)

    @classmethod
    def samples(cls, rng):
        out = []
        for s in mp_samples(cls, rng, [{"lr": 0.1}]):
            # g is phase 1's float32 output
            out.append(s._replace(inputs=[s.inputs[0], s.inputs[1].astype(_F32)] + s.inputs[2:]))
        return out
