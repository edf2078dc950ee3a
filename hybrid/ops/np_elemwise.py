"""Elementwise ops that numpy semantics need beyond the legacy families: ``arctan2``,
``copysign``, ``ldexp``, ``lcm``, the bitwise ops and the floating-point class tests
(``isnan``, ``isinf``, ...), under MXNet 1.9.1's ``_npi_*`` names.

The binary ops broadcast like ``broadcast.py``'s and take inputs of one dtype (``mx.np`` promotes
before calling them); the class tests return ``bool`` arrays, as numpy's do.
"""

from __future__ import annotations

import numpy as np

from .broadcast import Broadcast, binary_methods
from .elemwise import Piecewise
from .registry import Sample, register

__all__ = ["NP_BINARY_TABLE", "NP_CLASS_TABLE"]

_LN2 = np.log(2.0)


def _arctan2_grads(a, b, y, gy):
    r2 = a * a + b * b
    return gy * b / r2, -gy * a / r2


def _copysign_grads(a, b, y, gy):
    # NOTE: d/da copysign(a, b) is +1 where a's sign is kept and -1 where it is flipped; b only
    # picks a sign, so its gradient is 0 (as in MXNet's _npi_copysign backward).
    return gy * np.where(np.signbit(a) == np.signbit(y), 1, -1).astype(gy.dtype), np.zeros_like(b)


def _ldexp_grads(a, b, y, gy):
    return gy * np.exp2(b), gy * y * _LN2


def _ldexp(a, b):
    return (a * np.exp2(b)).astype(np.result_type(a, b), copy=False)


# name, forward f(a, b), gradients g(a, b, y, gy) -> (ga, gb) or None, sample kind, docstring.
NP_BINARY_TABLE: list[tuple] = [
    ("_npi_arctan2", np.arctan2, _arctan2_grads, "float",
     "``y = arctan(x1 / x2)`` in the quadrant of ``(x2, x1)``, in radians."),
    ("_npi_copysign", np.copysign, _copysign_grads, "float",
     "``y = |x1|`` with the sign of ``x2``."),
    ("_npi_ldexp", _ldexp, _ldexp_grads, "float",
     "``y = x1 * 2 ** x2`` (float ``x2`` allowed, as MXNet's)."),
    ("_npi_lcm", np.lcm, None, "int", "The least common multiple of integers ``|x1|``, ``|x2|``."),
    ("_npi_bitwise_and", np.bitwise_and, None, "int", "``y = x1 & x2`` (integers or bools)."),
    ("_npi_bitwise_or", np.bitwise_or, None, "int", "``y = x1 | x2`` (integers or bools)."),
    ("_npi_bitwise_xor", np.bitwise_xor, None, "int", "``y = x1 ^ x2`` (integers or bools)."),
]


_NO_ONNX = {"_npi_lcm": "ONNX has no gcd or lcm operator"}


class NpBinary(Broadcast):
    """Family base: ``y = f(x1, x2)`` with numpy broadcasting."""

    inputs = ("x1", "x2")


def _binary_samples(kind):
    def samples(rng):
        if kind == "int":
            draw = lambda shape: rng.integers(1, 30, shape).astype(np.int32)  # noqa: E731
        else:
            draw = lambda shape: rng.uniform(0.5, 2, shape) * rng.choice([-1, 1], shape)  # noqa: E731
        return [
            Sample([draw((3, 4)), draw((3, 4))]),
            Sample([draw((2, 3, 4)), draw((3, 1))]),
        ]

    return samples


def _declare_binary(name, f, grads, kind, doc):
    forward, vjp = binary_methods(f, grads)

    body = {"name": name, "__doc__": doc, "forward": forward, "samples": _binary_samples(kind),
            "differentiable": grads is not None}
    if grads is not None:
        body["vjp"] = vjp
    if name in _NO_ONNX:
        body["xfail"] = {"onnx": _NO_ONNX[name]}
    register(type(name, (NpBinary,), body))


for _row in NP_BINARY_TABLE:
    _declare_binary(*_row)


# name, test, docstring: the floating-point class tests, bool results.
NP_CLASS_TABLE: list[tuple] = [
    ("_npi_isnan", np.isnan, "``y = True`` where ``x`` is NaN."),
    ("_npi_isinf", np.isinf, "``y = True`` where ``x`` is +inf or -inf."),
    ("_npi_isposinf", np.isposinf, "``y = True`` where ``x`` is +inf."),
    ("_npi_isneginf", np.isneginf, "``y = True`` where ``x`` is -inf."),
    ("_npi_isfinite", np.isfinite, "``y = True`` where ``x`` is neither inf nor NaN."),
]


def _class_samples(rng):
    special = np.array([np.nan, np.inf, -np.inf, 0.0, 1.5, -2.0])
    return [Sample([rng.choice(special, (3, 4))]), Sample([rng.uniform(-2, 2, (2, 5))])]


class ClassTest(Piecewise):
    """Family base: a bool test of each element's floating-point class."""

    def infer(in_shapes, in_dtypes, **attrs):
        return in_shapes, [in_shapes[0]], [np.dtype(bool)]

    samples = staticmethod(_class_samples)


def _declare_class(name, test, doc):
    register(type(name, (ClassTest,), {"name": name, "__doc__": doc,
                                       "forward": lambda ctx, x: test(x)}))


for _row in NP_CLASS_TABLE:
    _declare_class(*_row)


@register
class BitwiseNot(Piecewise):
    """``y = ~x``, bitwise NOT of integer inputs, logical NOT of bool inputs."""

    name = "_npi_bitwise_not"
    aliases = ("_npi_invert",)

    def forward(ctx, x):
        return np.invert(x)

    def samples(rng):
        return [Sample([rng.integers(-20, 20, (3, 4)).astype(np.int32)]),
                Sample([rng.integers(0, 2, (2, 5)).astype(bool)])]
