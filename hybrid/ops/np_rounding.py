"""NumPy's rounding, behind ``mx.np.around``/``round``: half to even at ``decimals`` places
(legacy ``round`` goes half away from zero and ``rint`` half down, as MXNet's do).
"""

from __future__ import annotations

import numpy as np

from .attrs import Attr
from .elemwise import Piecewise
from .registry import Sample, register

__all__: list[str] = []


@register
class Around(Piecewise):
    """``y = around(x, decimals)``: ``x`` rounded half to even at ``decimals`` decimal places
    (negative: to tens, hundreds...); integer inputs are kept for ``decimals >= 0``. Zero
    gradient.
    """

    name = "_npi_around"
    attrs = (Attr("decimals", "int", 0),)

    def forward(ctx, x, decimals):
        return np.around(x, decimals)

    def samples(rng):
        x = np.round(rng.uniform(-5, 5, (3, 4)) * 4) / 4 + 0.01  # away from the .5 ties
        return [Sample([x]), Sample([x], {"decimals": 1}), Sample([x * 100], {"decimals": -1})]
