"""Custom operators written in Python (MXNet's ``mx.operator``).

Subclass :class:`CustomOp` (the computation) and :class:`CustomOpProp` (its signature: argument
and output names, shape and type inference, and ``create_operator``), register the prop under a
name, and call it as ``nd.Custom(x, op_type=name)``, ``sym.Custom(...)`` or ``F.Custom(...)`` in a
hybridized block::

    class Square(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            self.assign(out_data[0], req[0], in_data[0] * in_data[0])

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            self.assign(in_grad[0], req[0], 2 * in_data[0] * out_grad[0])

    @mx.operator.register("square")
    class SquareProp(mx.operator.CustomOpProp):
        def create_operator(self, ctx, in_shapes, in_dtypes):
            return Square()

    y = mx.nd.Custom(x, op_type="square")

The op runs eagerly, is recorded by ``autograd.record()`` (its ``backward`` gives the gradients)
and becomes one graph node when traced (the ``Custom`` op in ``hybrid/ops/custom.py``).

Note [Custom op ONNX lowering]: ONNX cannot run Python, so exporting a graph with a custom op
raises an error naming it, unless the prop defines ``lower_onnx(self, ctx, call)``: ``ctx`` is
the exporter's builder (``ctx.node(onnx_op_type, inputs, **attributes)`` adds a node and returns
its output name, ``ctx.const(array)`` adds a constant), ``call`` has the ONNX names of the inputs
(``call.inputs``), their shapes and dtypes, and the output shapes and dtypes. It returns the
output name (a list of names for several outputs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .base import HybridError
from .ops import custom

__all__ = ["CustomOp", "CustomOpProp", "register", "get_all_registered_operators"]


class CustomOp:
    """The computation of a custom op; override ``forward`` and ``backward``.

    ``forward(is_train, req, in_data, out_data, aux)`` writes each output with
    ``self.assign(out_data[i], req[i], value)``; ``backward(req, out_grad, in_data, out_data,
    in_grad, aux)`` writes each input gradient the same way. All arguments are lists of
    NDArrays; ``req`` entries are 'write' (or 'inplace'), 'add' or 'null'.
    """

    def __init__(self) -> None:
        pass

    def forward(self, is_train: bool, req: list, in_data: list, out_data: list,
                aux: list) -> None:
        pass

    def backward(self, req: list, out_grad: list, in_data: list, out_data: list,
                 in_grad: list, aux: list) -> None:
        pass

    def assign(self, dst: Any, req: str, src: Any) -> None:
        """Store ``src`` into ``dst`` as ``req`` says: 'write'/'inplace' overwrite, 'add' adds,
        'null' does nothing."""
        if req == "null":
            return
        if req in ("write", "inplace"):
            dst[:] = src
        elif req == "add":
            dst[:] = dst + src
        else:
            raise HybridError(f"CustomOp.assign: req {req!r}, expected 'write', 'inplace', "
                              "'add' or 'null'")


class CustomOpProp:
    """The signature of a custom op.

    Parameters
    ----------
    need_top_grad : bool, default True
        Whether ``backward`` reads the output gradients (False for loss-like ops).
    """

    def __init__(self, need_top_grad: bool = True):
        self.need_top_grad_ = need_top_grad

    def infer_shape(self, in_shape: list) -> tuple:
        """(input shapes, output shapes[, aux shapes]); by default every output has the first
        input's shape."""
        return in_shape, (in_shape[0],) * len(self.list_outputs()), ()

    def infer_type(self, in_type: list) -> tuple:
        """(input types, output types, aux types); by default the first input's type."""
        return (in_type, [in_type[0]] * len(self.list_outputs()),
                [in_type[0]] * len(self.list_auxiliary_states()))

    def infer_storage_type(self, in_stype: list) -> tuple:
        """Storage types: only 'default' (dense) exists in hybrid."""
        if any(s != "default" for s in in_stype):
            raise HybridError(f"{type(self).__name__}: only dense ('default') storage exists in "
                              f"hybrid, got {in_stype}")
        return (in_stype, ["default"] * len(self.list_outputs()),
                ["default"] * len(self.list_auxiliary_states()))

    def list_outputs(self) -> list[str]:
        return ["output"]

    def list_arguments(self) -> list[str]:
        return ["data"]

    def list_auxiliary_states(self) -> list[str]:
        return []

    def declare_backward_dependency(self, out_grad: list, in_data: list,
                                    out_data: list) -> list:
        """Which of the forward's arrays ``backward`` reads (every one is kept in hybrid)."""
        deps = list(out_grad) if self.need_top_grad_ else []
        return deps + list(in_data) + list(out_data)

    def create_operator(self, ctx: Any, in_shapes: list, in_dtypes: list) -> CustomOp:
        """The :class:`CustomOp` for inputs of these shapes and dtypes."""
        return CustomOp()


def register(reg_name: str) -> Callable[[type], type]:
    """Class decorator: register a :class:`CustomOpProp` subclass as ``op_type=reg_name``."""

    def do_register(prop_cls: type) -> type:
        if not (isinstance(prop_cls, type) and issubclass(prop_cls, CustomOpProp)):
            raise HybridError(f"operator.register({reg_name!r}): {prop_cls!r} is not a "
                              "CustomOpProp subclass")
        custom.PROPS[reg_name] = prop_cls
        # A re-registered name must not keep props made from the old class.
        for key in [k for k in custom._INSTANCES if ("op_type", reg_name) in k]:
            del custom._INSTANCES[key]
        return prop_cls

    return do_register


def get_all_registered_operators() -> list[str]:
    """The names of every registered op (built-in and custom op types)."""
    from .ops.registry import REGISTRY

    return sorted({*REGISTRY, *custom.PROPS})


# -- the example custom ops the registry tests run ---------------------------------------------
class _ScaledSquare(CustomOp):
    def __init__(self, scale: float):
        super().__init__()
        self.scale = scale

    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], self.scale * in_data[0] * in_data[0])

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], 2 * self.scale * in_data[0] * out_grad[0])


class _ScaledSquareProp(CustomOpProp):
    """``y = scale * x^2``, with an ONNX lowering (See Note [Custom op ONNX lowering])."""

    def __init__(self, scale: str = "1"):
        super().__init__()
        self.scale = float(scale)

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return _ScaledSquare(self.scale)

    def lower_onnx(self, ctx: Any, call: Any) -> str:
        square = ctx.node("Mul", [call.inputs[0], call.inputs[0]])
        return ctx.node("Mul", [square, ctx.const(np.asarray(self.scale, call.in_dtypes[0]))])


class _ProductAndSum(CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        a, b = in_data
        self.assign(out_data[0], req[0], a * b)
        self.assign(out_data[1], req[1], a + b)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        a, b = in_data
        g_prod, g_sum = out_grad
        self.assign(in_grad[0], req[0], g_prod * b + g_sum)
        self.assign(in_grad[1], req[1], g_prod * a + g_sum)


class _ProductAndSumProp(CustomOpProp):
    """Two inputs ``lhs, rhs`` -> two outputs ``lhs * rhs, lhs + rhs``; no ONNX lowering."""

    def list_arguments(self):
        return ["lhs", "rhs"]

    def list_outputs(self):
        return ["product", "sum"]

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return _ProductAndSum()


def example_props() -> None:
    """Register the two example custom ops (``_example_scaled_square``,
    ``_example_product_and_sum``) that the registry tests use as ``Custom``'s samples."""
    for name, prop in (("_example_scaled_square", _ScaledSquareProp),
                       ("_example_product_and_sum", _ProductAndSumProp)):
        if custom.PROPS.get(name) is not prop:
            register(name)(prop)
