"""MXNet's single-array optimizer update ops (``sgd_update``, ``adam_update``, ...).

Each writes the updated weight as its output (``out=weight`` updates it in place) and updates
its state inputs (momentum, moments, accumulators) in place through ``aux_writeback``. They are
training-only and have no gradient. ``rescale_grad`` scales the gradient first and
``clip_gradient`` (when >= 0) clips it to ``[-clip, clip]``; ``lazy_update`` only concerns
sparse gradients and is accepted and ignored. The mixed-precision (``mp_``) and LAMB variants
live in :mod:`hybrid.ops.optimizer_mp`.
"""

from __future__ import annotations

import numpy as np

from ._util import complete_shape
from .attrs import REQUIRED, Attr
from .registry import Op, Sample, register

_NO_ONNX = {"onnx": "optimizer updates are training-only and have no ONNX form"}
_LR = Attr("lr", "float", REQUIRED)
_WD = Attr("wd", "float", 0.0)
_RESCALE = Attr("rescale_grad", "float", 1.0)
_CLIP = Attr("clip_gradient", "float", -1.0)
_LAZY = Attr("lazy_update", "bool", True)


def clip(g: np.ndarray, bound: float) -> np.ndarray:
    """``g`` clipped to ``[-bound, bound]``, or ``g`` when ``bound`` is negative (no clipping)."""
    return np.clip(g, -bound, bound) if bound >= 0 else g


class Update(Op):
    """Family base: every input has the weight's shape except those in ``scalars`` (shape
    ``(1,)``); the output has the weight's shape and the dtype of input ``dtype_from``; inputs
    ``aux_writeback`` are updated in place from the trailing outputs of ``forward``.
    """

    differentiable = False
    check_eager = True
    xfail = _NO_ONNX
    scalars: tuple[int, ...] = ()
    dtype_from: int = 0

    @classmethod
    def infer(cls, in_shapes, in_dtypes, **attrs):
        known = [s for i, s in enumerate(in_shapes) if s is not None and i not in cls.scalars]
        shape = known[0] if known else None
        for s in known[1:]:
            shape = complete_shape(cls.name, "weight", shape, s, "the other inputs")
        done = []
        for i, (name, s) in enumerate(zip(cls.inputs, in_shapes)):
            want = (1,) if i in cls.scalars else shape
            done.append(s if want is None else complete_shape(cls.name, name, s, want,
                                                             "the weight's shape"))
        return done, [done[0]], [in_dtypes[cls.dtype_from]]

    @classmethod
    def make_samples(cls, rng, attrs_list, shape=(3, 4)):
        """Samples with a random weight and gradient, positive states (second moments must be)
        and the given attributes.
        """
        n = len(cls.inputs)
        out = []
        for attrs in attrs_list:
            arrays = [rng.normal(size=shape), rng.normal(size=shape)]
            arrays += [rng.uniform(0.1, 1.0, (1,) if i in cls.scalars else shape)
                       for i in range(2, n)]
            out.append(Sample(arrays, attrs))
        return out


def _grad(w, g, wd, rescale_grad, clip_gradient, wd_first=True):
    """The rescaled gradient with ``wd * w`` added before clipping (``wd_first``), else none."""
    t = w.dtype.type
    g = t(rescale_grad) * g.astype(w.dtype, copy=False)
    if wd_first:
        g = g + t(wd) * w
    return clip(g, clip_gradient)


@register
class SGDUpdate(Update):
    """``w = (1 - lr * wd) * w - lr * clip(rescale_grad * grad)``."""

    name = "sgd_update"
    inputs = ("weight", "grad")
    attrs = (_LR, _WD, _RESCALE, _CLIP, _LAZY)

    def forward(ctx, w, g, lr, wd, rescale_grad, clip_gradient, lazy_update):
        t = w.dtype.type
        return (t(1) - t(lr) * t(wd)) * w - t(lr) * _grad(w, g, wd, rescale_grad, clip_gradient,
                                                           False)

    @classmethod
    def samples(cls, rng):
        return cls.make_samples(rng, [{"lr": 0.1}, {"lr": 0.5, "wd": 0.1, "rescale_grad": 2.0,
                                                    "clip_gradient": 0.5}])


@register
class SGDMomUpdate(Update):
    """``mom = momentum * mom - lr * wd * w - lr * clip(rescale_grad * grad)``; ``w += mom``."""

    name = "sgd_mom_update"
    inputs = ("weight", "grad", "mom")
    attrs = (_LR, Attr("momentum", "float", 0.0), _WD, _RESCALE, _CLIP, _LAZY)
    aux_writeback = (2,)

    def forward(ctx, w, g, mom, lr, momentum, wd, rescale_grad, clip_gradient, lazy_update):
        t = w.dtype.type
        g = _grad(w, g, wd, rescale_grad, clip_gradient, False)
        mom = t(momentum) * mom - t(lr) * t(wd) * w - t(lr) * g
        return w + mom, mom

    @classmethod
    def samples(cls, rng):
        return cls.make_samples(rng, [{"lr": 0.1, "momentum": 0.9},
                                      {"lr": 0.2, "momentum": 0.5, "wd": 0.1,
                                       "clip_gradient": 0.3}])


@register
class NAGMomUpdate(Update):
    """Nesterov momentum: ``g = clip(rescale_grad * grad) + wd * w``, ``m = momentum * mom``,
    ``w = w - m + (momentum + 1) * (m - lr * g)``, ``mom = m - lr * g``.
    """

    name = "nag_mom_update"
    inputs = ("weight", "grad", "mom")
    attrs = (_LR, Attr("momentum", "float", 0.0), _WD, _RESCALE, _CLIP)
    aux_writeback = (2,)

    def forward(ctx, w, g, mom, lr, momentum, wd, rescale_grad, clip_gradient):
        t = w.dtype.type
        g = _grad(w, g, wd, rescale_grad, clip_gradient, False) + t(wd) * w
        step = t(momentum) * mom - t(lr) * g
        return w - t(momentum) * mom + t(momentum + 1) * step, step

    @classmethod
    def samples(cls, rng):
        return cls.make_samples(rng, [{"lr": 0.1, "momentum": 0.9, "wd": 0.01},
                                      {"lr": 0.2, "momentum": 0.5, "clip_gradient": 0.3}])


@register
class AdamUpdate(Update):
    """``g = clip(rescale_grad * grad + wd * w)``; ``mean = beta1 * mean + (1 - beta1) * g``;
    ``var = beta2 * var + (1 - beta2) * g^2``; ``w -= lr * mean / (sqrt(var) + epsilon)`` (no
    bias correction: the Python optimizer folds it into ``lr``).
    """

    name = "adam_update"
    inputs = ("weight", "grad", "mean", "var")
    attrs = (_LR, Attr("beta1", "float", 0.9), Attr("beta2", "float", 0.999),
             Attr("epsilon", "float", 1e-8), _WD, _RESCALE, _CLIP, _LAZY)
    aux_writeback = (2, 3)

    def forward(ctx, w, g, mean, var, lr, beta1, beta2, epsilon, wd, rescale_grad,
                clip_gradient, lazy_update):
        t = w.dtype.type
        g = _grad(w, g, wd, rescale_grad, clip_gradient)
        mean, var = moments(mean, var, g, beta1, beta2)
        return w - t(lr) * mean / (np.sqrt(var) + t(epsilon)), mean, var

    @classmethod
    def samples(cls, rng):
        return cls.make_samples(rng, [{"lr": 0.01}, {"lr": 0.1, "wd": 0.1, "clip_gradient": 0.5,
                                                     "beta1": 0.8, "epsilon": 1e-3}])


def moments(mean, var, g, beta1, beta2):
    """Adam's moving first and second moments after gradient ``g``."""
    t = g.dtype.type
    return (t(beta1) * mean + t(1 - beta1) * g, t(beta2) * var + t(1 - beta2) * g * g)


@register
class RMSPropUpdate(Update):
    """``g = clip(rescale_grad * grad + wd * w)``; ``n = (1 - gamma1) * g^2 + gamma1 * n``;
    ``w -= lr * g / sqrt(n + epsilon)``, then clipped to ``clip_weights`` when >= 0.
    """

    name = "rmsprop_update"
    inputs = ("weight", "grad", "n")
    attrs = (_LR, Attr("gamma1", "float", 0.95), Attr("epsilon", "float", 1e-8), _WD,
             _RESCALE, _CLIP, Attr("clip_weights", "float", -1.0))
    aux_writeback = (2,)

    def forward(ctx, w, g, n, lr, gamma1, epsilon, wd, rescale_grad, clip_gradient,
                clip_weights):
        t = w.dtype.type
        g = _grad(w, g, wd, rescale_grad, clip_gradient)
        n = t(1 - gamma1) * g * g + t(gamma1) * n
        return clip(w - t(lr) * g / np.sqrt(n + t(epsilon)), clip_weights), n

    @classmethod
    def samples(cls, rng):
        return cls.make_samples(rng, [{"lr": 0.01}, {"lr": 0.1, "wd": 0.1, "clip_gradient": 0.5,
                                                     "clip_weights": 0.8}])


@register
class RMSPropAlexUpdate(Update):
    """Graves' RMSProp: ``g = clip(rescale_grad * grad + wd * w)``; ``n = (1 - gamma1) * g^2 +
    gamma1 * n``; ``g_avg = (1 - gamma1) * g + gamma1 * g_avg``; ``delta = gamma2 * delta - lr *
    g / sqrt(n - g_avg^2 + epsilon)``; ``w += delta``, clipped to ``clip_weights`` when >= 0.
    """

    name = "rmspropalex_update"
    inputs = ("weight", "grad", "n", "g", "delta")
    attrs = (_LR, Attr("gamma1", "float", 0.95), Attr("gamma2", "float", 0.9),
             Attr("epsilon", "float", 1e-8), _WD, _RESCALE, _CLIP,
             Attr("clip_weights", "float", -1.0))
    aux_writeback = (2, 3, 4)

    def forward(ctx, w, g, n, g_avg, delta, lr, gamma1, gamma2, epsilon, wd, rescale_grad,
                clip_gradient, clip_weights):
        t = w.dtype.type
        g = _grad(w, g, wd, rescale_grad, clip_gradient)
        n = t(1 - gamma1) * g * g + t(gamma1) * n
        g_avg = t(1 - gamma1) * g + t(gamma1) * g_avg
        delta = t(gamma2) * delta - t(lr) * g / np.sqrt(n - g_avg * g_avg + t(epsilon))
        return clip(w + delta, clip_weights), n, g_avg, delta

    @classmethod
    def samples(cls, rng):
        samples = cls.make_samples(rng, [{"lr": 0.01}, {"lr": 0.1, "wd": 0.1,
                                                        "clip_weights": 0.8}])
        for s in samples:  # the mean gradient must stay below sqrt(n)
            s.inputs[3] *= 0.1
        return samples


@register
class FtrlUpdate(Update):
    """FTRL-proximal: ``g = clip(rescale_grad * grad)``; ``z += g - (sqrt(n + g^2) - sqrt(n)) *
    w / lr``; ``n += g^2``; ``w = (sign(z) * lamda1 - z) / ((beta + sqrt(n)) / lr + wd)`` where
    ``|z| > lamda1``, else 0.
    """

    name = "ftrl_update"
    inputs = ("weight", "grad", "z", "n")
    attrs = (_LR, Attr("lamda1", "float", 0.01), Attr("beta", "float", 1.0), _WD, _RESCALE,
             _CLIP)
    aux_writeback = (2, 3)

    def forward(ctx, w, g, z, n, lr, lamda1, beta, wd, rescale_grad, clip_gradient):
        t = w.dtype.type
        g = _grad(w, g, wd, rescale_grad, clip_gradient, False)
        z = z + g - (np.sqrt(n + g * g) - np.sqrt(n)) * w / t(lr)
        n = n + g * g
        w = (np.sign(z) * t(lamda1) - z) / ((t(beta) + np.sqrt(n)) / t(lr) + t(wd))
        return w * (np.abs(z) > t(lamda1)), z, n

    @classmethod
    def samples(cls, rng):
        return cls.make_samples(rng, [{"lr": 0.1}, {"lr": 0.5, "lamda1": 0.3, "wd": 0.1,
                                                    "clip_gradient": 0.5}])


@register
class SignSGDUpdate(Update):
    """``w = (1 - lr * wd) * w - lr * sign(grad)``."""

    name = "signsgd_update"
    inputs = ("weight", "grad")
    attrs = (_LR, _WD, _RESCALE, _CLIP)

    def forward(ctx, w, g, lr, wd, rescale_grad, clip_gradient):
        t = w.dtype.type
        g = _grad(w, g, wd, rescale_grad, clip_gradient, False)
        return (t(1) - t(lr) * t(wd)) * w - t(lr) * np.sign(g)

    @classmethod
    def samples(cls, rng):
        return cls.make_samples(rng, [{"lr": 0.1}, {"lr": 0.1, "wd": 0.2}])


@register
class SignumUpdate(Update):
    """``mom = momentum * mom - (1 - momentum) * (wd * w + clip(rescale_grad * grad))``;
    ``w = (1 - lr * wd_lh) * w + lr * sign(mom)``.
    """

    name = "signum_update"
    inputs = ("weight", "grad", "mom")
    attrs = (_LR, Attr("momentum", "float", 0.0), _WD, _RESCALE, _CLIP,
             Attr("wd_lh", "float", 0.0))
    aux_writeback = (2,)

    def forward(ctx, w, g, mom, lr, momentum, wd, rescale_grad, clip_gradient, wd_lh):
        t = w.dtype.type
        g = _grad(w, g, wd, rescale_grad, clip_gradient, False)
        mom = t(momentum) * mom - t(1 - momentum) * t(wd) * w - t(1 - momentum) * g
        return (t(1) - t(lr) * t(wd_lh)) * w + t(lr) * np.sign(mom), mom

    @classmethod
    def samples(cls, rng):
        return cls.make_samples(rng, [{"lr": 0.1, "momentum": 0.9},
                                      {"lr": 0.1, "momentum": 0.5, "wd": 0.1, "wd_lh": 0.2}])
