"""Trigonometric and hyperbolic elementwise ops (tan, arcsin, ..., arctanh), and degrees/radians.

One table row per op: numpy function, gradient ``g(x, y, gy)``, the sample domain (inside the
function's domain, away from its poles) and the docstring. ``sin`` and ``cos`` are in
``elemwise.py``, ``tanh`` in ``activation.py``.
"""

from __future__ import annotations

import numpy as np

from .elemwise import declare_unary

__all__ = ["TRIG_TABLE"]

TRIG_TABLE: list[tuple] = [
    ("tan", np.tan, lambda x, y, gy: gy * (1 + y * y), (-1.2, 1.2), "``y = tan(x)``."),
    (
        "arcsin",
        np.arcsin,
        lambda x, y, gy: gy / np.sqrt(1 - x * x),
        (-0.9, 0.9),
        "``y = arcsin(x)``, in ``[-pi/2, pi/2]``; NaN outside ``[-1, 1]``.",
    ),
    (
        "arccos",
        np.arccos,
        lambda x, y, gy: -gy / np.sqrt(1 - x * x),
        (-0.9, 0.9),
        "``y = arccos(x)``, in ``[0, pi]``; NaN outside ``[-1, 1]``.",
    ),
    (
        "arctan",
        np.arctan,
        lambda x, y, gy: gy / (1 + x * x),
        (-2.0, 2.0),
        "``y = arctan(x)``, in ``(-pi/2, pi/2)``.",
    ),
    ("sinh", np.sinh, lambda x, y, gy: gy * np.cosh(x), (-2.0, 2.0), "``y = sinh(x)``."),
    ("cosh", np.cosh, lambda x, y, gy: gy * np.sinh(x), (-2.0, 2.0), "``y = cosh(x)``."),
    (
        "arcsinh",
        np.arcsinh,
        lambda x, y, gy: gy / np.sqrt(x * x + 1),
        (-2.0, 2.0),
        "``y = arcsinh(x) = ln(x + sqrt(x^2 + 1))``.",
    ),
    (
        "arccosh",
        np.arccosh,
        lambda x, y, gy: gy / np.sqrt(x * x - 1),
        (1.2, 3.0),
        "``y = arccosh(x)``, for ``x >= 1`` (NaN below).",
    ),
    (
        "arctanh",
        np.arctanh,
        lambda x, y, gy: gy / (1 - x * x),
        (-0.9, 0.9),
        "``y = arctanh(x)``, for ``-1 < x < 1`` (+-inf at +-1, NaN outside).",
    ),
    (
        "degrees",
        np.degrees,
        lambda x, y, gy: gy * (180 / np.pi),
        (-3.0, 3.0),
        "``y = x * 180 / pi``: radians to degrees.",
    ),
    (
        "radians",
        np.radians,
        lambda x, y, gy: gy * (np.pi / 180),
        (-200.0, 200.0),
        "``y = x * pi / 180``: degrees to radians.",
    ),
]

for _row in TRIG_TABLE:
    declare_unary(*_row)
