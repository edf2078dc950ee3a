"""MXNet's elementwise arithmetic beside the broadcasting ops of ``broadcast.py``: the
``elemwise_*`` family base and its names, and the recorded gradients (``grad_graph``, for
higher-order derivatives) of ``+ - * /``.
"""

from __future__ import annotations

from collections.abc import Callable

from ._util import complete_shape, same_dtype
from .grad_graph import reduce_to
from .registry import Op

__all__ = ["ELEMWISE", "OPERATOR_GRADS", "Elemwise", "binary_grad_graph", "scalar_grad_graph"]


class Elemwise(Op):
    """Family base: MXNet's ``elemwise_*``, the same math on operands of one shape. A shape known
    on either side completes the other (so partial shape inference gets as far as MXNet's), and
    operands of different shapes are an error rather than broadcast.
    """

    check_eager = True

    def infer(in_shapes, in_dtypes, **attrs):
        a, b = in_shapes
        shape = b if a is None else a if b is None else complete_shape(
            "elemwise", "rhs", b, a, "lhs")
        return [shape, shape], [shape], [same_dtype("elemwise", in_dtypes)]


# MXNet's elemwise op (and its aliases) for a broadcast op of the table.
ELEMWISE = {
    "broadcast_add": ("elemwise_add", ("_plus", "_add", "_Plus")),
    "broadcast_sub": ("elemwise_sub", ("_minus", "_sub", "_Minus")),
    "broadcast_mul": ("elemwise_mul", ("_mul", "_Mul")),
    "broadcast_div": ("elemwise_div", ("_div", "_Div")),
}


# The table gradients written with arithmetic operators only: they run on recorded arrays as
# well, which gives these ops and their scalar forms a ``grad_graph`` (higher-order gradients).
OPERATOR_GRADS = ("broadcast_add", "broadcast_sub", "broadcast_mul", "broadcast_div")


def binary_grad_graph(name: str, grads: Callable) -> Callable:
    def grad_graph(F, inputs, out_grads):
        a, b = inputs
        ga, gb = grads(a, b, getattr(F, name)(a, b), out_grads[0])
        return reduce_to(ga, a.shape), reduce_to(gb, b.shape)

    return grad_graph


def scalar_grad_graph(name: str, grads: Callable, reflected: bool) -> Callable:
    def grad_graph(F, inputs, out_grads, scalar, is_int):
        (x,), (g,) = inputs, out_grads
        y = getattr(F, name)(x, scalar=scalar, is_int=is_int)
        return (grads(scalar, x, y, g)[1],) if reflected else (grads(x, scalar, y, g)[0],)

    return grad_graph
