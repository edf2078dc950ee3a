"""Binary elementwise ops: array-array with numpy broadcasting and array-scalar (``where`` and
``add_n`` are in ``_where_addn.py``, registered from here).

The array-array and array-scalar forms of each operation are declared from one table row, so the
math and the gradient of e.g. ``power`` are written once for ``broadcast_power``, ``_power_scalar``
and ``_rpower_scalar``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._arithmetic import ELEMWISE, OPERATOR_GRADS, Elemwise, binary_grad_graph, scalar_grad_graph
from ._util import broadcast_shapes, same_dtype, unbroadcast
from .attrs import Attr
from .registry import Op, Sample, register

Grad = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tuple]


def _pow_grads(a, b, y, gy):
    ga = gy * b * np.power(a, b - 1)
    gb = gy * y * np.log(np.where(a > 0, a, 1))
    return ga, gb


# name, MXNet aliases, forward f(a, b), gradients g(a, b, y, gy) -> (ga, gb) or None (comparisons),
__all__ = ["BROADCAST_TABLE"]


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MXNet's ``/``: integer division rounds toward zero (C's rule) and keeps the dtype."""
    if np.result_type(a, b).kind not in "iub":
        return np.true_divide(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.floor_divide(a, b)
        # floor and truncation differ where the signs differ and the division is inexact.
        q += (np.remainder(a, b) != 0) & ((a < 0) != (b < 0))
    return q


# scalar-op names (lhs array, rhs array), input domain, docstring.
BROADCAST_TABLE: list[tuple] = [
    (
        "broadcast_add",
        ("broadcast_plus",),
        np.add,
        lambda a, b, y, gy: (gy, gy),  # see _VALUE_FREE
        ("_plus_scalar", "_plus_scalar"),
        (-2, 2),
        "``y = lhs + rhs``.",
    ),
    (
        "broadcast_sub",
        ("broadcast_minus",),
        np.subtract,
        lambda a, b, y, gy: (gy, -gy),  # see _VALUE_FREE
        ("_minus_scalar", "_rminus_scalar"),
        (-2, 2),
        "``y = lhs - rhs``.",
    ),
    (
        "broadcast_mul",
        (),
        np.multiply,
        lambda a, b, y, gy: (gy * b, gy * a),
        ("_mul_scalar", "_mul_scalar"),
        (-2, 2),
        "``y = lhs * rhs``.",
    ),
    (
        "broadcast_div",
        (),
        _divide,
        lambda a, b, y, gy: (gy / b, -gy * y / b),
        ("_div_scalar", "_rdiv_scalar"),
        (0.5, 2),
        "``y = lhs / rhs``; integer arrays divide rounding toward zero and keep their dtype.",
    ),
    (
        "broadcast_mod",
        ("_mod", "_Mod"),
        None,
        lambda a, b, y, gy: (gy, -gy * np.floor(a / b)),
        ("_mod_scalar", "_rmod_scalar"),
        (0.5, 5),
        "``y = lhs mod rhs`` with the sign of ``rhs`` (Python's rule); 0 where ``rhs == 0``.",
    ),
    (
        "broadcast_power",
        ("_power", "_Power", "pow"),
        np.power,
        _pow_grads,
        ("_power_scalar", "_rpower_scalar"),
        (0.5, 2),
        "``y = lhs ^ rhs``.",
    ),
    (
        "broadcast_maximum",
        ("_maximum", "_Maximum"),
        np.maximum,
        lambda a, b, y, gy: (gy * (a >= b), gy * (a < b)),
        ("_maximum_scalar", "_maximum_scalar"),
        (-2, 2),
        "``y = max(lhs, rhs)``; ties send the gradient to ``lhs``.",
    ),
    (
        "broadcast_minimum",
        ("_minimum", "_Minimum"),
        np.minimum,
        lambda a, b, y, gy: (gy * (a <= b), gy * (a > b)),
        ("_minimum_scalar", "_minimum_scalar"),
        (-2, 2),
        "``y = min(lhs, rhs)``; ties send the gradient to ``lhs``.",
    ),
    (
        "broadcast_hypot",
        ("_hypot", "_Hypot"),
        np.hypot,
        lambda a, b, y, gy: (gy * a / y, gy * b / y),
        ("_hypot_scalar", "_hypot_scalar"),
        (0.5, 2),
        "``y = sqrt(lhs^2 + rhs^2)``.",
    ),
    (
        "broadcast_equal",
        ("_equal", "_Equal"),
        np.equal,
        None,
        ("_equal_scalar", "_equal_scalar"),
        (-2, 2),
        "``y = 1`` where ``lhs == rhs`` else 0, in the input dtype.",
    ),
    (
        "broadcast_not_equal",
        ("_not_equal", "_Not_Equal"),
        np.not_equal,
        None,
        ("_not_equal_scalar", "_not_equal_scalar"),
        (-2, 2),
        "``y = 1`` where ``lhs != rhs`` else 0.",
    ),
    (
        "broadcast_greater",
        ("_greater", "_Greater"),
        np.greater,
        None,
        ("_greater_scalar", "_lesser_scalar"),
        (-2, 2),
        "``y = 1`` where ``lhs > rhs`` else 0.",
    ),
    (
        "broadcast_greater_equal",
        ("_greater_equal", "_Greater_Equal"),
        np.greater_equal,
        None,
        ("_greater_equal_scalar", "_lesser_equal_scalar"),
        (-2, 2),
        "``y = 1`` where ``lhs >= rhs`` else 0.",
    ),
    (
        "broadcast_lesser",
        ("_lesser", "_Lesser"),
        np.less,
        None,
        ("_lesser_scalar", "_greater_scalar"),
        (-2, 2),
        "``y = 1`` where ``lhs < rhs`` else 0.",
    ),
    (
        "broadcast_lesser_equal",
        ("_lesser_equal", "_Lesser_Equal"),
        np.less_equal,
        None,
        ("_lesser_equal_scalar", "_greater_equal_scalar"),
        (-2, 2),
        "``y = 1`` where ``lhs <= rhs`` else 0.",
    ),
    (
        "broadcast_logical_and",
        ("_logical_and", "_Logical_And"),
        np.logical_and,
        None,
        ("_logical_and_scalar", "_logical_and_scalar"),
        (-1, 1),
        "``y = 1`` where both are non-zero.",
    ),
    (
        "broadcast_logical_or",
        ("_logical_or", "_Logical_Or"),
        np.logical_or,
        None,
        ("_logical_or_scalar", "_logical_or_scalar"),
        (-1, 1),
        "``y = 1`` where either is non-zero.",
    ),
    (
        "broadcast_logical_xor",
        ("_logical_xor", "_Logical_Xor"),
        np.logical_xor,
        None,
        ("_logical_xor_scalar", "_logical_xor_scalar"),
        (-1, 1),
        "``y = 1`` where exactly one is non-zero.",
    ),
]


def _mod(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0, np.mod(a, b)).astype(np.result_type(a, b), copy=False)


def _as_result(f: Callable, grads: Grad | None) -> Callable:
    """Comparisons return 0/1 in the input's dtype, as MXNet's do."""
    if grads is not None:
        return f
    return lambda a, b: f(a, b).astype(np.result_type(a, b), copy=False)


class Broadcast(Op):
    """Family base: ``y = f(lhs, rhs)`` with numpy broadcasting."""

    inputs = ("lhs", "rhs")
    check_eager = False

    def infer(in_shapes, in_dtypes, **attrs):
        return (
            in_shapes,
            [broadcast_shapes("broadcast", *in_shapes)],
            [same_dtype("broadcast", in_dtypes)],
        )


class Scalar(Op):
    """Family base: ``y = f(data, scalar)`` (or ``f(scalar, data)`` for the reflected ``_r*``
    ops).
    """

    attrs = (Attr("scalar", "float", 1.0), Attr("is_int", "bool", True))
    check_eager = False

    def infer(in_shapes, in_dtypes, **attrs):
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]


# The gradient rules that read no input or output values (sums and differences): their ops keep
# only the shapes for backward, so a residual block's sum and its inputs can die after the
# forward.
_VALUE_FREE = {row[3] for row in BROADCAST_TABLE if row[0] in ("broadcast_add", "broadcast_sub")}


def binary_methods(f: Callable, grads: Callable | None) -> tuple[Callable, Callable]:
    """``forward`` and ``vjp`` of a broadcasting ``y = f(a, b)`` whose ``grads(a, b, y, gy)``
    gives the gradients at the broadcast shape (summed back to each input's shape here).
    """
    keep = grads is not None and grads not in _VALUE_FREE

    def forward(ctx, a, b):
        y = f(a, b)
        ctx.shapes = a.shape, b.shape
        if keep:
            ctx.a, ctx.b, ctx.y = a, b, y
        return y

    def vjp(ctx, gy):
        ga, gb = grads(ctx.a, ctx.b, ctx.y, gy) if keep else grads(None, None, None, gy)
        return unbroadcast(ga, ctx.shapes[0]), unbroadcast(gb, ctx.shapes[1])

    return forward, vjp


def _declare(name, aliases, f, grads, scalar_names, domain, doc):
    f = _as_result(_mod if f is None else f, grads)
    lo, hi = domain

    forward, vjp = binary_methods(f, grads)

    def samples(rng):
        return [
            Sample([rng.uniform(lo, hi, (3, 4)), rng.uniform(lo, hi, (3, 4))]),
            Sample([rng.uniform(lo, hi, (2, 3, 4)), rng.uniform(lo, hi, (3, 1))]),
            Sample([rng.uniform(lo, hi, (1, 4)), rng.uniform(lo, hi, (3, 1))]),
        ]

    body = {
        "name": name,
        "aliases": aliases,
        "__doc__": doc,
        "forward": forward,
        "samples": samples,
        "differentiable": grads is not None,
    }
    if grads is not None:
        body["vjp"] = vjp
    if name in OPERATOR_GRADS:
        body["grad_graph"] = binary_grad_graph(name, grads)
    op = register(type(name, (Broadcast,), body))
    if name in ELEMWISE:
        elemwise, elemwise_aliases = ELEMWISE[name]
        register(type(elemwise, (Elemwise, op), {
            "name": elemwise, "aliases": elemwise_aliases,
            "__doc__": doc + " Both operands have one shape.",
            "samples": lambda rng: samples(rng)[:1],
        }))
    for scalar_name, reflected in zip(scalar_names, (False, True)):
        if scalar_name in _declared_scalars:
            continue
        _declared_scalars.add(scalar_name)
        _declare_scalar(scalar_name, f, grads, reflected, domain, doc, name in OPERATOR_GRADS)


_declared_scalars: set[str] = set()

# MXNet's legacy CamelCase names of the scalar ops (nd._internal._PlusScalar...).
_SCALAR_ALIASES = {
    name: ("_" + "".join(w.capitalize() for w in name[1:-7].split("_")) + "Scalar",)
    for name in (
        "_plus_scalar", "_minus_scalar", "_mul_scalar", "_div_scalar", "_mod_scalar",
        "_power_scalar", "_maximum_scalar", "_minimum_scalar", "_hypot_scalar", "_equal_scalar",
        "_not_equal_scalar", "_greater_scalar", "_greater_equal_scalar", "_lesser_scalar",
        "_lesser_equal_scalar", "_logical_and_scalar", "_logical_or_scalar",
        "_logical_xor_scalar",
    )
}
# MXNet's gradientmultiplier backward is the product by the scalar.
_SCALAR_ALIASES["_mul_scalar"] += ("_contrib_backward_gradientmultiplier",)
_SCALAR_ALIASES.update({
    "_rminus_scalar": ("_RMinusScalar",), "_rdiv_scalar": ("_RDivScalar",),
    "_rmod_scalar": ("_RModScalar",), "_rpower_scalar": ("_RPowerScalar",),
})


def _declare_scalar(name, f, grads, reflected, domain, doc, recordable):
    lo, hi = domain

    def forward(ctx, x, scalar, is_int):
        s = np.asarray(scalar, dtype=x.dtype)
        ctx.x, ctx.s = x, s
        ctx.y = f(s, x) if reflected else f(x, s)
        return ctx.y

    def vjp(ctx, gy, scalar, is_int):
        if reflected:
            return (grads(ctx.s, ctx.x, ctx.y, gy)[1],)
        return (grads(ctx.x, ctx.s, ctx.y, gy)[0],)

    def samples(rng):
        s = float(np.round(rng.uniform(lo, hi), 2))
        return [
            Sample([rng.uniform(lo, hi, (3, 4))], {"scalar": s}),
            Sample([rng.uniform(lo, hi, (2, 5))], {"scalar": 1.5 if lo > 0 else -0.5}),
        ]

    left, right = ("scalar", "data") if reflected else ("data", "scalar")
    body = {
        "name": name,
        "aliases": _SCALAR_ALIASES.get(name, ()),
        "__doc__": doc.replace("lhs", left).replace("rhs", right),
        "forward": forward,
        "samples": samples,
        "differentiable": grads is not None,
    }
    if grads is not None:
        body["vjp"] = vjp
    if recordable:
        body["grad_graph"] = scalar_grad_graph(name, grads, reflected)
    register(type(name, (Scalar,), body))


for _row in BROADCAST_TABLE:
    _declare(*_row)

# ``where`` and ``add_n`` live in their own module; importing it here registers them (and keeps
# ``broadcast.Where`` / ``broadcast.AddN`` importable).
from ._where_addn import AddN, Where  # noqa: E402, F401
