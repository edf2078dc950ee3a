"""Fused ops MXNet registers for speed: contrib.BatchNormWithReLU, ``relu(BatchNorm(...))``
written once on top of BatchNorm's own rules.
"""

from __future__ import annotations

import numpy as np

from .norm import BatchNorm
from .registry import register


@register
class BatchNormWithReLU(BatchNorm):
    """``relu(BatchNorm(data, gamma, beta, moving_mean, moving_var))``: BatchNorm (same inputs,
    attributes, modes and running-statistics update) followed by ``max(y, 0)``; the extra
    ``output_mean_var`` outputs are BatchNorm's.
    """

    name = "_contrib_BatchNormWithReLU"
    aliases = ()

    def forward(ctx, x, gamma, beta, moving_mean, moving_var, **attrs):
        outs = BatchNorm.forward(ctx, x, gamma, beta, moving_mean, moving_var, **attrs)
        ctx.positive = outs[0] > 0
        return (np.where(ctx.positive, outs[0], 0),) + outs[1:]

    def vjp(ctx, gy, *rest, **attrs):
        return BatchNorm.vjp(ctx, gy * ctx.positive, *rest, **attrs)
