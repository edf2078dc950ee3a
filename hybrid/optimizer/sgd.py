"""Gradient-descent optimizers: SGD (with momentum), NAG and Signum.

Each ``update`` follows MXNet 1.9.1's kernel (``sgd_update``, ``sgd_mom_update``,
``nag_mom_update``, ``signsgd_update``, ``signum_update``); see Note [Optimizer updates].
"""

from __future__ import annotations

from typing import Any

from .optimizer import Optimizer, register, zeros_like

__all__ = ["SGD", "NAG", "Signum"]


@register
class SGD(Optimizer):
    """Stochastic gradient descent with momentum and weight decay.

    ``g = clip(rescale_grad * grad, clip_gradient)``; without momentum
    ``weight = (1 - lr * wd) * weight - lr * g``; with momentum
    ``mom = momentum * mom - lr * wd * weight - lr * g`` and ``weight += mom``.

    Parameters
    ----------
    momentum : float
        The momentum; 0 keeps no state.
    lazy_update : bool
        Accepted for compatibility; gradients are dense, so every row is updated.
    **kwargs
        The :class:`Optimizer` arguments (``learning_rate`` 0.01 by default).
    """

    def __init__(self, momentum: float = 0.0, lazy_update: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update

    def create_state(self, index: Any, weight: Any) -> Any:
        return zeros_like(weight) if self.momentum != 0.0 else None

    def update(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        lr, wd, _ = self._begin_update(index)
        if state is None:
            self._run_update("sgd_update", weight, grad, (), lr=lr, wd=wd,
                             lazy_update=self.lazy_update)
        else:
            self._run_update("sgd_mom_update", weight, grad, (state,), lr=lr,
                             momentum=self.momentum, wd=wd, lazy_update=self.lazy_update)


@register
class NAG(Optimizer):
    """Nesterov accelerated gradient.

    With ``d = lr * (clip(rescale_grad * grad, clip_gradient) + wd * weight)``:
    ``mom = momentum * mom``, ``weight += momentum * mom - (1 + momentum) * d``, then
    ``mom -= d``. Without momentum it is SGD.

    Parameters
    ----------
    momentum : float
    **kwargs
        The :class:`Optimizer` arguments.
    """

    def __init__(self, momentum: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.momentum = momentum

    def create_state(self, index: Any, weight: Any) -> Any:
        return zeros_like(weight) if self.momentum != 0.0 else None

    def update(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        lr, wd, _ = self._begin_update(index)
        if state is None:
            self._run_update("sgd_update", weight, grad, (), lr=lr, wd=wd, lazy_update=True)
        else:
            self._run_update("nag_mom_update", weight, grad, (state,), lr=lr,
                             momentum=self.momentum, wd=wd)


@register
class Signum(Optimizer):
    """signSGD / Signum: step by the sign of the gradient or of its momentum.

    With momentum: ``mom = momentum * mom - (1 - momentum) * (wd * weight + g)`` with
    ``g = clip(rescale_grad * grad, clip_gradient)``, then
    ``weight = (1 - lr * wd_lh) * weight + lr * sign(mom)``. Without momentum (signSGD):
    ``weight = (1 - lr * wd) * weight - lr * sign(grad)`` (no rescaling or clipping, which do not
    change a sign).

    Parameters
    ----------
    learning_rate : float
    momentum : float
    wd_lh : float
        Decoupled weight decay (Loshchilov and Hutter).
    **kwargs
        The :class:`Optimizer` arguments.
    """

    def __init__(
        self, learning_rate: float = 0.01, momentum: float = 0.9, wd_lh: float = 0.0, **kwargs: Any
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum
        self.wd_lh = wd_lh

    def create_state(self, index: Any, weight: Any) -> Any:
        return zeros_like(weight) if self.momentum != 0.0 else None

    def update(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        lr, wd, _ = self._begin_update(index)
        if state is None:
            self._run_update("signsgd_update", weight, grad, (), lr=lr, wd=wd)
        else:
            self._run_update("signum_update", weight, grad, (state,), lr=lr,
                             momentum=self.momentum, wd=wd, wd_lh=self.wd_lh)
