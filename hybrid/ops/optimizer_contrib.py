"""The contrib optimizer update ops: AdamW (``_contrib_adamw_update``, ``_contrib_mp_adamw_update``)
and group AdaGrad (``_contrib_group_adagrad_update``). See :mod:`hybrid.ops.optimizer_ops` for
the family's conventions.
"""

from __future__ import annotations

import numpy as np

from ._util import complete_shape
from .attrs import REQUIRED, Attr
from .optimizer_mp import mp_samples
from .optimizer_ops import _CLIP, _LR, _RESCALE, _WD, Update, clip, moments
from .registry import register

_ADAMW = (_LR, Attr("eta", "float", REQUIRED), Attr("beta1", "float", 0.9),
          Attr("beta2", "float", 0.999), Attr("epsilon", "float", 1e-8), _WD, _CLIP)


def _adamw(w, g, mean, var, rescale, lr, beta1, beta2, epsilon, wd, eta, clip_gradient):
    """The AdamW step (weight, mean, var, rescaled and clipped gradient), or None when the
    ``rescale`` array holds a non-finite value (MXNet then skips the update, leaving weight and
    states as they are).
    """
    scale = rescale.reshape(-1)[0]
    if not np.isfinite(scale):
        return None
    f = w.dtype.type
    g = clip(f(scale) * g.astype(w.dtype, copy=False), clip_gradient)
    mean, var = moments(mean, var, g, beta1, beta2)
    w = w - f(eta) * (f(lr) * mean / (np.sqrt(var) + f(epsilon)) + f(wd) * w)
    return w, mean, var, g


@register
class AdamWUpdate(Update):
    """AdamW with decoupled weight decay: ``g = clip(rescale_grad * grad)``; Adam's moments;
    ``w -= eta * (lr * mean / (sqrt(var) + epsilon) + wd * w)``. ``rescale_grad`` is an input of
    shape ``(1,)``; when it is not finite nothing is updated and the weight is returned as is.
    As in MXNet, ``grad`` is overwritten with the rescaled and clipped gradient.
    """

    name = "_contrib_adamw_update"
    inputs = ("weight", "grad", "mean", "var", "rescale_grad")
    attrs = _ADAMW
    scalars = (4,)
    aux_writeback = (2, 3, 1)

    def forward(ctx, w, g, mean, var, rescale, **attrs):
        step = _adamw(w, g, mean, var, rescale, **attrs)
        return (w.copy(), None, None, None) if step is None else step

    @classmethod
    def samples(cls, rng):
        return cls.make_samples(rng, [{"lr": 0.01, "eta": 1.0},
                                      {"lr": 0.1, "eta": 0.5, "wd": 0.1, "clip_gradient": 0.3}])


@register
class MPAdamWUpdate(Update):
    """``_contrib_adamw_update`` on the float32 master weight ``weight32`` (which is updated in
    place); unlike it, ``grad`` is left unchanged.
    """

    name = "_contrib_mp_adamw_update"
    inputs = ("weight", "grad", "mean", "var", "weight32", "rescale_grad")
    attrs = _ADAMW
    scalars = (5,)
    aux_writeback = (2, 3, 4)

    def forward(ctx, w, g, mean, var, w32, rescale, **attrs):
        step = _adamw(w32, g, mean, var, rescale, **attrs)
        if step is None:
            return w.copy(), None, None, None
        w32, mean, var, _ = step
        return w32.astype(w.dtype), mean, var, w32

    @classmethod
    def samples(cls, rng):
        out = []
        for s in mp_samples(cls, rng, [{"lr": 0.01, "eta": 1.0, "wd": 0.1}]):
            # mp_samples puts the master weight last; here rescale_grad comes after it.
            rescale = np.array([1.5], np.float32)
            out.append(s._replace(inputs=s.inputs[:4] + [s.inputs[5], rescale]))
        return out


@register
class GroupAdagradUpdate(Update):
    """AdaGrad with one history value per row: ``g = clip(rescale_grad * grad)``; ``history +=
    mean(g^2 over all axes but the first)``; ``w -= lr * g / sqrt(history + epsilon)``. The
    history has shape ``(weight.shape[0], 1)``.
    """

    name = "_contrib_group_adagrad_update"
    inputs = ("weight", "grad", "history")
    attrs = (_LR, _RESCALE, _CLIP, Attr("epsilon", "float", 1e-5))
    aux_writeback = (2,)

    @classmethod
    def infer(cls, in_shapes, in_dtypes, **attrs):
        w, g, h = (list(in_shapes) + [None] * 3)[:3]
        if w is None:
            w = g
        elif g is not None:
            w = complete_shape(cls.name, "weight", w, g, "grad")
        if w is not None:
            g = complete_shape(cls.name, "grad", g, w, "the weight's shape")
            h = complete_shape(cls.name, "history", h, (w[0], 1), "the weight's rows")
        return [w, g, h], [w], [in_dtypes[0]]

    def forward(ctx, w, g, history, lr, rescale_grad, clip_gradient, epsilon):
        f = w.dtype.type
        g = clip(f(rescale_grad) * g.astype(w.dtype, copy=False), clip_gradient)
        rows = g.reshape(g.shape[0], -1)
        history = history + (rows * rows).mean(axis=1, keepdims=True).astype(history.dtype)
        scale = np.sqrt(history + f(epsilon)).reshape((-1,) + (1,) * (w.ndim - 1))
        return w - f(lr) * g / scale, history

    @classmethod
    def samples(cls, rng):
        out = []
        for s in cls.make_samples(rng, [{"lr": 0.1}, {"lr": 0.5, "clip_gradient": 0.3}]):
            out.append(s._replace(inputs=s.inputs[:2] + [s.inputs[2][:, :1]]))
        return out
