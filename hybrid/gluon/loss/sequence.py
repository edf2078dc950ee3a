"""The connectionist temporal classification (CTC) loss."""

from __future__ import annotations

from typing import Any

from ...base import HybridError
from .base import Loss, apply_weighting


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
        return apply_weighting(F, loss, self._weight, sample_weight)
