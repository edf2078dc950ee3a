"""Adam-family optimizers: Adam, AdamW, Adamax, Nadam and LAMB.

Each keeps first and second moment estimates ``(mean, var)`` per weight and follows MXNet 1.9.1's
update (Python layer plus kernel); see Note [Optimizer updates].
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .optimizer import Optimizer, _np, register, zeros_like

__all__ = ["Adam", "AdamW", "Adamax", "Nadam", "LAMB"]


def _moments(mean: np.ndarray, var: np.ndarray, g: np.ndarray, beta1: float, beta2: float) -> None:
    """``mean = beta1 * mean + (1 - beta1) * g``, ``var = beta2 * var + (1 - beta2) * g^2`` in
    place.
    """
    mean *= beta1
    mean += (1.0 - beta1) * g
    var *= beta2
    var += (1.0 - beta2) * np.square(g)


class _TwoMoments(Optimizer):
    """Shared constructor arguments and ``(mean, var)`` state of the Adam family."""

    def __init__(self, learning_rate: float, beta1: float, beta2: float, **kwargs: Any):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2

    def create_state(self, index: Any, weight: Any) -> Any:
        return (zeros_like(weight), zeros_like(weight))


@register
class Adam(_TwoMoments):
    """Adam (Kingma and Ba), with MXNet's bias correction folded into the learning rate.

    ``g = clip(rescale_grad * grad + wd * weight, clip_gradient)``, moments updated with
    ``beta1``/``beta2``, ``lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)`` and
    ``weight -= lr_t * mean / (sqrt(var) + epsilon)``.

    Parameters
    ----------
    learning_rate : float
    beta1, beta2 : float
        Decay rates of the first and second moment estimates.
    epsilon : float
    lazy_update : bool
        Accepted for compatibility (dense gradients).
    **kwargs
        The :class:`Optimizer` arguments.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        lazy_update: bool = True,
        **kwargs: Any,
    ):
        super().__init__(learning_rate, beta1, beta2, **kwargs)
        self.epsilon = epsilon
        self.lazy_update = lazy_update

    def update(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        lr, wd, t = self._begin_update(index)
        lr *= math.sqrt(1.0 - self.beta2**t) / (1.0 - self.beta1**t)
        self._run_update("adam_update", weight, grad, state, lr=lr, beta1=self.beta1,
                         beta2=self.beta2, epsilon=self.epsilon, wd=wd,
                         lazy_update=self.lazy_update)


@register
class AdamW(_TwoMoments):
    """Adam with decoupled weight decay (Loshchilov and Hutter), MXNet's ``adamw_update`` rule.

    ``g = clip(rescale_grad * grad, clip_gradient)``, moments updated,
    ``eta = lr * sqrt(1 - beta2^t) / (1 - beta1^t)`` (just ``lr`` when ``correct_bias`` is
    False) and ``weight -= eta * (mean / (sqrt(var) + epsilon) + wd * weight)``.

    Parameters
    ----------
    learning_rate : float
    beta1, beta2 : float
    epsilon : float
    correct_bias : bool
        Apply Adam's bias correction to the rate.
    **kwargs
        The :class:`Optimizer` arguments.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-6,
        correct_bias: bool = True,
        **kwargs: Any,
    ):
        super().__init__(learning_rate, beta1, beta2, **kwargs)
        self.epsilon = epsilon
        self.correct_bias = correct_bias

    def update(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        eta, wd, t = self._begin_update(index)
        if self.correct_bias:
            eta *= math.sqrt(1.0 - self.beta2**t) / (1.0 - self.beta1**t)
        w = _np(weight)
        mean, var = _np(state[0]), _np(state[1])
        _moments(mean, var, self._grad(grad), self.beta1, self.beta2)
        w -= eta * (mean / (np.sqrt(var) + self.epsilon) + wd * w)


@register
class Adamax(_TwoMoments):
    """AdaMax, Adam's infinity-norm variant.

    ``g = clip(rescale_grad * grad + wd * weight, clip_gradient)``,
    ``mean = beta1 * mean + (1 - beta1) * g``, ``u = max(beta2 * u, |g|)`` and
    ``weight -= lr / (1 - beta1^t) * mean / u``.
    """

    def __init__(
        self, learning_rate: float = 0.002, beta1: float = 0.9, beta2: float = 0.999, **kwargs: Any
    ):
        super().__init__(learning_rate, beta1, beta2, **kwargs)

    def update(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        lr, wd, t = self._begin_update(index)
        lr /= 1.0 - self.beta1**t
        w = _np(weight)
        mean, u = _np(state[0]), _np(state[1])
        g = self._grad(grad, w, wd)
        mean *= self.beta1
        mean += (1.0 - self.beta1) * g
        np.maximum(self.beta2 * u, np.abs(g), out=u)
        w -= lr * mean / u


@register
class Nadam(_TwoMoments):
    """Nesterov Adam (Dozat), with the warming momentum schedule
    ``mu_t = beta1 * (1 - 0.5 * 0.96^(t * schedule_decay))``.

    ``g = clip(rescale_grad * grad + wd * weight, clip_gradient)``; ``m_schedule *= mu_t``;
    moments updated; ``m_bar = (1 - mu_t) * g / (1 - m_schedule) + mu_{t+1} * mean /
    (1 - m_schedule * mu_{t+1})`` and
    ``weight -= lr * m_bar / (sqrt(var / (1 - beta2^t)) + epsilon)``.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        schedule_decay: float = 0.004,
        **kwargs: Any,
    ):
        super().__init__(learning_rate, beta1, beta2, **kwargs)
        self.epsilon = epsilon
        self.schedule_decay = schedule_decay
        self.m_schedule = 1.0

    def update(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        lr, wd, t = self._begin_update(index)
        w = _np(weight)
        g = self._grad(grad, w, wd)
        momentum_t = self.beta1 * (1.0 - 0.5 * 0.96 ** (t * self.schedule_decay))
        momentum_t_1 = self.beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * self.schedule_decay))
        # NOTE: as in MXNet, m_schedule is one product shared by all parameters: every
        # parameter's update advances it.
        self.m_schedule *= momentum_t
        m_schedule_next = self.m_schedule * momentum_t_1
        mean, var = _np(state[0]), _np(state[1])
        _moments(mean, var, g, self.beta1, self.beta2)
        m_bar = (1.0 - momentum_t) * g / (1.0 - self.m_schedule) + momentum_t_1 * mean / (
            1.0 - m_schedule_next
        )
        w -= lr * m_bar / (np.sqrt(var / (1.0 - self.beta2**t)) + self.epsilon)


@register
class LAMB(_TwoMoments):
    """LAMB (You et al.): Adam's direction scaled per layer by a trust ratio.

    ``g = clip(rescale_grad * grad, clip_gradient)``, moments updated,
    ``r = mean_hat / (sqrt(var_hat) + epsilon) + wd * weight`` (``mean_hat = mean / (1 -
    beta1^t)``, ``var_hat = var / (1 - beta2^t)`` when ``bias_correction``, else the raw moments),
    ``r1 = ||weight||`` clamped to ``[lower_bound, upper_bound]`` when given, ``r2 = ||r||`` and
    ``weight -= lr * (r1 / r2) * r`` (ratio 1 when ``r1`` or ``r2`` is 0).
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-6,
        lower_bound: float | None = None,
        upper_bound: float | None = None,
        bias_correction: bool = True,
        **kwargs: Any,
    ):
        super().__init__(learning_rate, beta1, beta2, **kwargs)
        self.epsilon = epsilon
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.bias_correction = bias_correction

    def update(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        lr, wd, t = self._begin_update(index)
        w = _np(weight)
        mean, var = _np(state[0]), _np(state[1])
        _moments(mean, var, self._grad(grad), self.beta1, self.beta2)
        if self.bias_correction:
            mean_hat, var_hat = mean / (1.0 - self.beta1**t), var / (1.0 - self.beta2**t)
        else:
            mean_hat, var_hat = mean, var
        r = mean_hat / (np.sqrt(var_hat) + self.epsilon) + wd * w
        r1 = float(np.linalg.norm(w))
        if self.lower_bound:
            r1 = max(r1, self.lower_bound)
        if self.upper_bound:
            r1 = min(r1, self.upper_bound)
        r2 = float(np.linalg.norm(r))
        ratio = 1.0 if r1 == 0.0 or r2 == 0.0 else r1 / r2
        w -= lr * ratio * r
