"""Losses for training, as MXNet Gluon 1.9's ``gluon.loss``.

Every loss is a :class:`~hybrid.gluon.block.HybridBlock` built from registered ops called through
``F``, so it runs eagerly (with autograd for free) and hybridizes into a graph alike. Unless a class
says otherwise, a loss returns one value per sample: the element-wise loss, scaled by
``sample_weight`` (broadcast) and by the scalar ``weight``, then averaged over every axis except
``batch_axis``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ndarray
from ..base import HybridError, numeric_types
from .block import HybridBlock

__all__ = [
    "Loss",
    "L2Loss",
    "L1Loss",
    "SigmoidBinaryCrossEntropyLoss",
    "SigmoidBCELoss",
    "SoftmaxCrossEntropyLoss",
    "SoftmaxCELoss",
    "KLDivLoss",
    "CTCLoss",
    "HuberLoss",
    "HingeLoss",
    "SquaredHingeLoss",
    "LogisticLoss",
    "TripletLoss",
    "PoissonNLLLoss",
    "CosineEmbeddingLoss",
]


def _apply_weighting(F: Any, loss: Any, weight: float | None, sample_weight: Any) -> Any:
    """``loss * sample_weight * weight``; ``sample_weight`` broadcasts (e.g. ``(batch, 1)``)."""
    if sample_weight is not None:
        loss = F.broadcast_mul(loss, sample_weight)
    if weight is not None:
        loss = loss * weight
    return loss


def _reshape_like(F: Any, x: Any, y: Any) -> Any:
    """``x`` reshaped to ``y``'s shape (known eagerly; a graph node when tracing)."""
    return x.reshape(y.shape) if F is ndarray else F.reshape_like(x, y)


def _softrelu(F: Any, x: Any) -> Any:
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
        loss = _apply_weighting(F, loss, weight, sample_weight)
        return F.mean(loss, axis=self._batch_axis, exclude=True)

    def hybrid_forward(self, F: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define hybrid_forward")


class L2Loss(Loss):
    """Mean squared error: ``L = 1/2 * (label - pred)^2`` (note the 1/2, as in MXNet).

    Inputs: ``pred`` of any shape, ``label`` with as many elements, optional ``sample_weight``.
    Output: ``(batch_size,)``.
    """

    def __init__(self, weight: float | None = 1.0, batch_axis: int = 0, **kwargs: Any):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.square(label - pred)
        return self._batch_mean(F, loss, sample_weight, self._weight / 2)


class L1Loss(Loss):
    """Mean absolute error: ``L = |label - pred|``. Output: ``(batch_size,)``."""

    def __init__(self, weight: float | None = None, batch_axis: int = 0, **kwargs: Any):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        return self._batch_mean(F, F.abs(label - pred), sample_weight, self._weight)


class SigmoidBinaryCrossEntropyLoss(Loss):
    """Binary cross-entropy: ``L = -(pos_weight * z * log(p) + (1 - z) * log(1 - p))``.

    ``p = sigmoid(pred)``, computed in the stable form
    ``max(x, 0) - x * z + log(1 + exp(-|x|))`` (with ``pos_weight``:
    ``x - x * z + (1 + (pos_weight - 1) * z) * (log(1 + exp(-|x|)) + max(-x, 0))``); with
    ``from_sigmoid=True`` ``pred`` is ``p`` itself and the logs get ``1e-12`` added.

    Parameters
    ----------
    from_sigmoid : bool, default False
        Whether ``pred`` is already a probability.
    weight, batch_axis : see :class:`Loss`.

    Inputs: ``pred``, ``label`` (values in ``[0, 1]``, as many elements), optional
    ``sample_weight`` and ``pos_weight`` (broadcast against ``pred``, e.g. ``(1, classes)``).
    Output: ``(batch_size,)``.
    """

    def __init__(
        self,
        from_sigmoid: bool = False,
        weight: float | None = None,
        batch_axis: int = 0,
        **kwargs: Any,
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_sigmoid = from_sigmoid

    def hybrid_forward(self, F, pred, label, sample_weight=None, pos_weight=None):
        label = _reshape_like(F, label, pred)
        if not self._from_sigmoid:
            if pos_weight is None:
                loss = F.relu(pred) - pred * label + _softrelu(F, -F.abs(pred))
            else:
                log_weight = 1 + F.broadcast_mul(pos_weight - 1, label)
                loss = (
                    pred - pred * label + log_weight * (_softrelu(F, -F.abs(pred)) + F.relu(-pred))
                )
        else:
            eps = 1e-12
            positive = F.log(pred + eps) * label
            if pos_weight is not None:
                positive = F.broadcast_mul(positive, pos_weight)
            loss = -(positive + F.log(1.0 - pred + eps) * (1.0 - label))
        return self._batch_mean(F, loss, sample_weight, self._weight)


SigmoidBCELoss = SigmoidBinaryCrossEntropyLoss


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax cross-entropy: ``L = -sum_j label_j * log(softmax(pred)_j)`` along ``axis``.

    With ``sparse_label=True`` ``label`` holds class indices (``pred``'s shape without ``axis``)
    and ``L = -log softmax(pred)[label]``.

    Parameters
    ----------
    axis : int, default -1
        The class axis.
    sparse_label : bool, default True
        Whether ``label`` holds integer classes rather than distributions.
    from_logits : bool, default False
        Whether ``pred`` already holds log-probabilities (from ``log_softmax``).
    weight, batch_axis : see :class:`Loss`.

    Output: ``(batch_size,)``.

    Examples
    --------
    >>> import hybrid as mx
    >>> loss = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    >>> loss(mx.nd.array([[0.0, 0.0]]), mx.nd.array([1])).asnumpy().round(4)
    array([0.6931], dtype=float32)
    """

    def __init__(
        self,
        axis: int = -1,
        sparse_label: bool = True,
        from_logits: bool = False,
        weight: float | None = None,
        batch_axis: int = 0,
        **kwargs: Any,
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._axis = axis
        self._sparse_label = sparse_label
        self._from_logits = from_logits

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        if not self._from_logits:
            pred = F.log_softmax(pred, axis=self._axis)
        if self._sparse_label:
            loss = -F.pick(pred, label, axis=self._axis, keepdims=True)
        else:
            label = _reshape_like(F, label, pred)
            loss = -F.sum(pred * label, axis=self._axis, keepdims=True)
        return self._batch_mean(F, loss, sample_weight, self._weight)


SoftmaxCELoss = SoftmaxCrossEntropyLoss


class KLDivLoss(Loss):
    """Kullback-Leibler divergence: ``L = label * (log(label + 1e-12) - pred)``.

    ``pred`` is a log-probability (``from_logits=True``, the default) or unnormalised scores that
    get ``log_softmax`` along ``axis``. Output: ``(batch_size,)``.
    """

    def __init__(
        self,
        from_logits: bool = True,
        axis: int = -1,
        weight: float | None = None,
        batch_axis: int = 0,
        **kwargs: Any,
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_logits = from_logits
        self._axis = axis

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        if not self._from_logits:
            pred = F.log_softmax(pred, axis=self._axis)
        loss = label * (F.log(label + 1e-12) - pred)
        return self._batch_mean(F, loss, sample_weight, self._weight)


class CTCLoss(Loss):
    """Connectionist Temporal Classification loss (the ``CTCLoss`` op, blank label last).

    Parameters
    ----------
    layout : {'NTC', 'TNC'}, default 'NTC'
        Layout of ``pred``; its last channel (``alphabet_size - 1``) is the blank.
    label_layout : {'NT', 'TN'}, default 'NT'
        Layout of ``label``; labels are 0-based and padded with -1.
    weight : float or None
        Global scalar weight.

    Inputs: ``pred`` (unnormalised scores), ``label``, optional ``pred_lengths`` and
    ``label_lengths`` of shape ``(batch_size,)``, optional ``sample_weight``.
    Output: ``(batch_size,)``.
    """

    def __init__(
        self,
        layout: str = "NTC",
        label_layout: str = "NT",
        weight: float | None = None,
        **kwargs: Any,
    ):
        if layout not in ("NTC", "TNC"):
            raise HybridError(f"CTCLoss: layout must be 'NTC' or 'TNC', got {layout!r}")
        if label_layout not in ("NT", "TN"):
            raise HybridError(f"CTCLoss: label_layout must be 'NT' or 'TN', got {label_layout!r}")
        self._layout = layout
        self._label_layout = label_layout
        super().__init__(weight, label_layout.find("N"), **kwargs)

    def hybrid_forward(
        self, F, pred, label, pred_lengths=None, label_lengths=None, sample_weight=None
    ):
        if self._layout == "NTC":
            pred = F.swapaxes(pred, dim1=0, dim2=1)
        if self._batch_axis == 1:
            label = F.swapaxes(label, dim1=0, dim2=1)
        # The op's inputs depend on which lengths are used (as MXNet's ListArguments does).
        lengths = [x for x in (pred_lengths, label_lengths) if x is not None]
        loss = F.CTCLoss(
            pred,
            label,
            *lengths,
            use_data_lengths=pred_lengths is not None,
            use_label_lengths=label_lengths is not None,
            blank_label="last",
        )
        return _apply_weighting(F, loss, self._weight, sample_weight)


class HuberLoss(Loss):
    """Smoothed L1: ``L = |e| - rho/2`` where ``|e| > rho``, else ``e^2 / (2 rho)``;
    ``e = label - pred``. Output: ``(batch_size,)``.
    """

    def __init__(
        self, rho: float = 1, weight: float | None = None, batch_axis: int = 0, **kwargs: Any
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._rho = rho

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.abs(label - pred)
        loss = F.where(loss > self._rho, loss - 0.5 * self._rho, (0.5 / self._rho) * F.square(loss))
        return self._batch_mean(F, loss, sample_weight, self._weight)


class HingeLoss(Loss):
    """``L = max(0, margin - pred * label)``, labels -1 or 1. Output: ``(batch_size,)``."""

    def __init__(
        self, margin: float = 1, weight: float | None = None, batch_axis: int = 0, **kwargs: Any
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.relu(self._margin - pred * label)
        return self._batch_mean(F, loss, sample_weight, self._weight)


class SquaredHingeLoss(Loss):
    """``L = max(0, margin - pred * label)^2``, labels -1 or 1. Output: ``(batch_size,)``."""

    def __init__(
        self, margin: float = 1, weight: float | None = None, batch_axis: int = 0, **kwargs: Any
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.square(F.relu(self._margin - pred * label))
        return self._batch_mean(F, loss, sample_weight, self._weight)


class LogisticLoss(Loss):
    """``L = log(1 + exp(-pred * label))`` for labels -1/1 (``label_format='signed'``) or 0/1
    (``'binary'``), in the stable form of :class:`SigmoidBinaryCrossEntropyLoss`.
    Output: ``(batch_size,)``.
    """

    def __init__(
        self,
        weight: float | None = None,
        batch_axis: int = 0,
        label_format: str = "signed",
        **kwargs: Any,
    ):
        super().__init__(weight, batch_axis, **kwargs)
        if label_format not in ("signed", "binary"):
            raise HybridError(
                f"LogisticLoss: label_format must be 'signed' or 'binary', got {label_format!r}"
            )
        self._label_format = label_format

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        if self._label_format == "signed":
            label = (label + 1.0) / 2.0
        loss = F.relu(pred) - pred * label + _softrelu(F, -F.abs(pred))
        return self._batch_mean(F, loss, sample_weight, self._weight)


class TripletLoss(Loss):
    """``L = max(0, sum(|positive - pred|^2) - sum(|negative - pred|^2) + margin)``, the sums
    over every axis but ``batch_axis``. Output: ``(batch_size,)``.
    """

    def __init__(
        self, margin: float = 1, weight: float | None = None, batch_axis: int = 0, **kwargs: Any
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, positive, negative, sample_weight=None):
        positive = _reshape_like(F, positive, pred)
        negative = _reshape_like(F, negative, pred)
        loss = F.sum(
            F.square(positive - pred) - F.square(negative - pred),
            axis=self._batch_axis,
            exclude=True,
        )
        loss = F.relu(loss + self._margin)
        return _apply_weighting(F, loss, self._weight, sample_weight)


class PoissonNLLLoss(Loss):
    """Poisson negative log-likelihood, averaged over every element (a scalar, as in MXNet).

    ``L = exp(pred) - target * pred`` (``from_logits=True``) or
    ``pred - target * log(pred + epsilon)``; ``compute_full`` adds Stirling's approximation of
    ``log(target!)``, ``target * log(target) - target + log(2 pi target) / 2``, where
    ``target > 1``.
    """

    def __init__(
        self,
        weight: float | None = None,
        from_logits: bool = True,
        batch_axis: int = 0,
        compute_full: bool = False,
        **kwargs: Any,
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_logits = from_logits
        self._compute_full = compute_full

    def hybrid_forward(self, F, pred, target, sample_weight=None, epsilon=1e-08):
        target = _reshape_like(F, target, pred)
        if self._from_logits:
            loss = F.exp(pred) - target * pred
        else:
            loss = pred - target * F.log(pred + epsilon)
        if self._compute_full:
            # NOTE: evaluated at max(target, 1) and masked, so counts of 0 give 0, not 0 * log 0.
            t = F._maximum_scalar(target, scalar=1.0)
            stirling = t * F.log(t) - t + 0.5 * F.log(2 * np.pi * t)
            loss = loss + stirling * (target > 1)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return F.mean(loss)


class CosineEmbeddingLoss(Loss):
    """``L = 1 - cos(input1, input2)`` where ``label == 1``, ``max(0, cos - margin)`` where
    ``label == -1``; the cosine is taken along the last axis.

    Output: ``(batch_size, 1)``, as MXNet's (no averaging).
    """

    def __init__(
        self, weight: float | None = None, batch_axis: int = 0, margin: float = 0, **kwargs: Any
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, input1, input2, label, sample_weight=None):
        input1 = _reshape_like(F, input1, input2)
        label = label.reshape((-1, 1))
        cos_sim = self._cosine_similarity(F, input1, input2)
        loss = (1 - cos_sim) * (label == 1) + F.relu((label == -1) * (cos_sim - self._margin))
        return _apply_weighting(F, loss, self._weight, sample_weight)

    @staticmethod
    def _cosine_similarity(F: Any, x: Any, y: Any, axis: int = -1) -> Any:
        x_norm = F.norm(x, axis=axis).reshape((-1, 1))
        y_norm = F.norm(y, axis=axis).reshape((-1, 1))
        x_dot_y = F.sum(x * y, axis=axis).reshape((-1, 1))
        return x_dot_y / F._maximum_scalar(x_norm * y_norm, scalar=1e-12)
