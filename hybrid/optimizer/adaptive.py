"""Optimizers with per-coordinate adaptive rates: AdaGrad, AdaDelta, RMSProp and FTRL.

Each follows MXNet 1.9.1's update (Python layer plus kernel); see Note [Optimizer updates].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, _np, register, zeros_like

__all__ = ["AdaGrad", "AdaDelta", "RMSProp", "Ftrl"]


@register
class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al.).

    ``g = clip(rescale_grad * grad, clip_gradient)``, ``history += g^2`` and
    ``weight -= lr * (g / sqrt(history + eps) + wd * weight)``.

    Parameters
    ----------
    eps : float
        Added inside the square root for stability.
    **kwargs
        The :class:`Optimizer` arguments.
    """

    def __init__(self, eps: float = 1e-7, **kwargs: Any):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def create_state(self, index: Any, weight: Any) -> Any:
        return zeros_like(weight)

    def update(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        lr, wd, _ = self._begin_update(index)
        w, history = _np(weight), _np(state)
        g = self._grad(grad)
        history += np.square(g)
        w -= lr * (g / np.sqrt(history + self.float_stable_eps) + wd * w)


@register
class AdaDelta(Optimizer):
    """AdaDelta (Zeiler); it uses no learning rate.

    ``g = clip(rescale_grad * grad, clip_gradient)``, ``acc_g = rho * acc_g + (1 - rho) * g^2``,
    ``delta = sqrt(acc_delta + epsilon) / sqrt(acc_g + epsilon) * g``,
    ``acc_delta = rho * acc_delta + (1 - rho) * delta^2`` and
    ``weight -= delta + wd * weight``.

    Parameters
    ----------
    rho : float
        Decay rate of both running averages.
    epsilon : float
    **kwargs
        The :class:`Optimizer` arguments.
    """

    def __init__(self, rho: float = 0.90, epsilon: float = 1e-5, **kwargs: Any):
        super().__init__(**kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def create_state(self, index: Any, weight: Any) -> Any:
        return (zeros_like(weight), zeros_like(weight))

    def update(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        # NOTE: MXNet scales the caller's gradient in place here (grad *= rescale_grad); hybrid
        # leaves the gradient untouched and works on a scaled copy.
        _, wd, _ = self._begin_update(index)
        w, acc_g, acc_delta = _np(weight), _np(state[0]), _np(state[1])
        g = self._grad(grad)
        acc_g *= self.rho
        acc_g += (1.0 - self.rho) * np.square(g)
        delta = np.sqrt(acc_delta + self.epsilon) / np.sqrt(acc_g + self.epsilon) * g
        acc_delta *= self.rho
        acc_delta += (1.0 - self.rho) * np.square(delta)
        w -= delta + wd * w


@register
class RMSProp(Optimizer):
    """RMSProp (Tieleman and Hinton), or the centered variant of Graves (2013).

    ``g = clip(rescale_grad * grad + wd * weight, clip_gradient)`` and
    ``n = (1 - gamma1) * g^2 + gamma1 * n``. Plain: ``weight -= lr * g / sqrt(n + epsilon)``.
    Centered: ``g_avg = (1 - gamma1) * g + gamma1 * g_avg``,
    ``delta = gamma2 * delta - lr * g / sqrt(n - g_avg^2 + epsilon)`` and ``weight += delta``.
    Weights are then clipped to ``[-clip_weights, clip_weights]`` when ``clip_weights`` is set.

    Parameters
    ----------
    learning_rate : float
    gamma1 : float
        Decay rate of the running averages.
    gamma2 : float
        Momentum of the centered variant.
    epsilon : float
    centered : bool
    clip_weights : float, optional
    **kwargs
        The :class:`Optimizer` arguments.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        gamma1: float = 0.9,
        gamma2: float = 0.9,
        epsilon: float = 1e-8,
        centered: bool = False,
        clip_weights: float | None = None,
        **kwargs: Any,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.gamma1 = gamma1
        self.gamma2 = gamma2
        self.centered = centered
        self.epsilon = epsilon
        self.clip_weights = clip_weights

    def create_state(self, index: Any, weight: Any) -> Any:
        if self.centered:
            return (zeros_like(weight), zeros_like(weight), zeros_like(weight))
        return (zeros_like(weight),)

    def update(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        lr, wd, _ = self._begin_update(index)
        clip_weights = self.clip_weights if self.clip_weights else -1.0  # the op's "off"
        if self.centered:
            self._run_update("rmspropalex_update", weight, grad, state, lr=lr, gamma1=self.gamma1,
                             gamma2=self.gamma2, epsilon=self.epsilon, wd=wd,
                             clip_weights=clip_weights)
        else:
            self._run_update("rmsprop_update", weight, grad, state, lr=lr, gamma1=self.gamma1,
                             epsilon=self.epsilon, wd=wd, clip_weights=clip_weights)


@register
class Ftrl(Optimizer):
    """FTRL-Proximal (McMahan et al., 2013).

    ``g = clip(rescale_grad * grad, clip_gradient)``,
    ``z += g - (sqrt(n + g^2) - sqrt(n)) * weight / lr``, ``n += g^2`` and
    ``weight = (sign(z) * lamda1 - z) / ((beta + sqrt(n)) / lr + wd) * (|z| > lamda1)``.

    Parameters
    ----------
    lamda1 : float
        L1 regularization strength.
    learning_rate : float
    beta : float
    **kwargs
        The :class:`Optimizer` arguments.
    """

    def __init__(
        self, lamda1: float = 0.01, learning_rate: float = 0.1, beta: float = 1, **kwargs: Any
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.lamda1 = lamda1
        self.beta = beta

    def create_state(self, index: Any, weight: Any) -> Any:
        return (zeros_like(weight), zeros_like(weight))  # (z, n)

    def update(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        lr, wd, _ = self._begin_update(index)
        self._run_update("ftrl_update", weight, grad, state, lr=lr, lamda1=self.lamda1,
                         beta=self.beta, wd=wd)
