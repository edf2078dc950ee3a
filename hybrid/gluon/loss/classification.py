"""Classification losses: sigmoid and softmax cross-entropy, KL divergence, hinge and logistic."""

from __future__ import annotations

from typing import Any

from ...base import HybridError
from .base import Loss, apply_weighting, reshape_like, softrelu


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
        label = reshape_like(F, label, pred)
        if not self._from_sigmoid:
            if pos_weight is None:
                loss = F.relu(pred) - pred * label + softrelu(F, -F.abs(pred))
            else:
                log_weight = 1 + F.broadcast_mul(pos_weight - 1, label)
                loss = (
                    pred - pred * label + log_weight * (softrelu(F, -F.abs(pred)) + F.relu(-pred))
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
            label = reshape_like(F, label, pred)
            loss = -F.sum(pred * label, axis=self._axis, keepdims=True)
        return self._batch_mean(F, loss, sample_weight, self._weight)


SoftmaxCELoss = SoftmaxCrossEntropyLoss


class KLDivLoss(Loss):
    """Kullback-Leibler divergence: ``L = sum_i label_i * (log(label_i + 1e-12) - pred_i)``.

    ``pred`` is a log-probability (``from_logits=True``, the default) or unnormalised scores that
    get ``log_softmax`` along ``axis``. The terms are summed over every axis but the batch axis,
    as MXNet 1.9.1's code does (its docstring says mean). Output: ``(batch_size,)``.
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
        loss = apply_weighting(F, loss, self._weight, sample_weight)
        return F.sum(loss, axis=self._batch_axis, exclude=True)


class HingeLoss(Loss):
    """``L = max(0, margin - pred * label)``, labels -1 or 1. Output: ``(batch_size,)``."""

    _squared = False

    def __init__(
        self, margin: float = 1, weight: float | None = None, batch_axis: int = 0, **kwargs: Any
    ):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = reshape_like(F, label, pred)
        loss = F.relu(self._margin - pred * label)
        if self._squared:
            loss = F.square(loss)
        return self._batch_mean(F, loss, sample_weight, self._weight)


class SquaredHingeLoss(HingeLoss):
    """``L = max(0, margin - pred * label)^2``, labels -1 or 1. Output: ``(batch_size,)``."""

    _squared = True


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
        label = reshape_like(F, label, pred)
        if self._label_format == "signed":
            label = (label + 1.0) / 2.0
        loss = F.relu(pred) - pred * label + softrelu(F, -F.abs(pred))
        return self._batch_mean(F, loss, sample_weight, self._weight)
