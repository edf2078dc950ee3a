"""The loss base class and the weighting and reshaping helpers every loss uses."""

from __future__ import annotations

from typing import Any

from ... import ndarray
from ...base import HybridError, numeric_types
from ..block import HybridBlock


def apply_weighting(F: Any, loss: Any, weight: float | None, sample_weight: Any) -> Any:
    """``loss * sample_weight * weight``; ``sample_weight`` broadcasts (e.g. ``(batch, 1)``)."""
    if sample_weight is not None:
        loss = F.broadcast_mul(loss, sample_weight)
    if weight is not None:
        loss = loss * weight
    return loss


def reshape_like(F: Any, x: Any, y: Any) -> Any:
    """``x`` reshaped to ``y``'s shape (known eagerly; a graph node when tracing)."""
    return x.reshape(y.shape) if F is ndarray else F.reshape_like(x, y)


def softrelu(F: Any, x: Any) -> Any:
    return F.Activation(x, act_type="softrelu")


class Loss(HybridBlock):
    """Base class of the losses.

    Parameters
    ----------
    weight : float or None
        Global scalar weight for the loss.
    batch_axis : int, default 0
        The axis that represents the mini-batch.
    """

    def __init__(self, weight: float | None, batch_axis: int, **kwargs: Any):
        super().__init__(**kwargs)
        if weight is not None and not isinstance(weight, numeric_types):
            raise HybridError(
                f"{type(self).__name__}: weight must be a number or None, got {weight!r}"
            )
        self._weight = weight
        self._batch_axis = batch_axis

    def __repr__(self) -> str:
        return f"{type(self).__name__}(batch_axis={self._batch_axis}, w={self._weight})"

    def _batch_mean(self, F: Any, loss: Any, sample_weight: Any, weight: float | None) -> Any:
        loss = apply_weighting(F, loss, weight, sample_weight)
        return F.mean(loss, axis=self._batch_axis, exclude=True)

    def hybrid_forward(self, F: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define hybrid_forward")
