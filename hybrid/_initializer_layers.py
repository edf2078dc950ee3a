"""Layer-specific initializers: ``Bilinear`` (deconvolution upsampling kernels) and ``LSTMBias``
(split from ``initializer.py``, which re-exports them as ``hybrid.initializer.X`` and
``hybrid.init.X``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .initializer import Initializer, _buffer, register

__all__ = ["Bilinear", "LSTMBias"]


@register
class Bilinear(Initializer):
    """Bilinear-upsampling kernels for a deconvolution weight ``(..., kh, kw)``.

    ``w[..., y, x] = (1 - |x / f - c|) * (1 - |y / f - c|)`` with ``f = ceil(kw / 2)`` and
    ``c = (2f - 1 - f mod 2) / (2f)``.
    """

    def _init_weight(self, _: str, arr: Any) -> None:
        data = _buffer(arr)
        kh, kw = data.shape[-2:]
        f = np.ceil(kw / 2.0)
        c = (2 * f - 1 - f % 2) / (2.0 * f)
        # NOTE: MXNet's loop computes the row index as (i / kw) % kh with true division under
        # Python 3; the intended integer row index is used here, which gives the standard kernel.
        y = np.arange(kh, dtype=np.float64)[:, None]
        x = np.arange(kw, dtype=np.float64)[None, :]
        kernel = (1 - np.abs(x / f - c)) * (1 - np.abs(y / f - c))  # (kh, kw)
        data[...] = np.broadcast_to(kernel, data.shape)


@register
class LSTMBias(Initializer):
    """LSTM bias: 0 everywhere but the forget gate (the second of the four gates), set to
    ``forget_bias``.
    """

    def __init__(self, forget_bias: float = 1.0):
        super().__init__(forget_bias=forget_bias)
        self.forget_bias = forget_bias

    def _init_weight(self, _: str, arr: Any) -> None:
        data = _buffer(arr)
        num_hidden = data.shape[0] // 4
        data[...] = 0.0
        data[num_hidden : 2 * num_hidden] = self.forget_bias
