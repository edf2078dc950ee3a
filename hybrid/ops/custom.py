"""``Custom``: an op written in Python by the user, as MXNet's ``mx.operator.CustomOp``.

The op is registered once here; what it computes comes from the ``CustomOpProp`` subclass
registered under its ``op_type`` (``@mx.operator.register('name')``, see
:mod:`hybrid.operator`). Every rule delegates to that prop: ``infer`` to ``infer_shape`` and
``infer_type``, the output count to ``list_outputs``, ``forward`` and ``vjp`` to the
``CustomOp`` that ``create_operator`` returns. Inputs are the prop's ``list_arguments`` followed by
its ``list_auxiliary_states``. So ``nd.Custom``, ``sym.Custom`` and ``F.Custom`` in a hybridized
block all run the same Python op, and recording it calls its ``backward``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import autograd
from ..base import AttrError, HybridError
from . import registry
from .attrs import REQUIRED, Attr
from .registry import Op, Sample, register

__all__ = ["PROPS", "prop_for", "Custom"]

# op_type -> the registered CustomOpProp subclass (filled by hybrid.operator.register).
PROPS: dict[str, type] = {}
_INSTANCES: dict[tuple, Any] = {}


def prop_for(attrs: dict) -> Any:
    """The prop instance for parsed ``Custom`` attributes (one per distinct attribute set)."""
    key = tuple(sorted(attrs.items()))
    prop = _INSTANCES.get(key)
    if prop is None:
        kwargs = {k: v for k, v in attrs.items() if k not in ("op_type", "is_train")}
        prop = _INSTANCES[key] = PROPS[attrs["op_type"]](**kwargs)
    return prop


def _wrap_all(arrays: Any) -> list:
    return [registry.array_type._wrap(a) for a in arrays]


def _check_count(op_type: str, what: str, got: Any, expected: int) -> None:
    if len(got) != expected:
        raise HybridError(f"Custom op {op_type!r}: {what} returned {len(got)} entries, "
                          f"expected {expected}")


@register
class Custom(Op):
    """``Custom(*data, op_type=name, **kwargs)``: run the Python op registered as ``op_type``.

    ``data`` are the prop's ``list_arguments()`` then ``list_auxiliary_states()`` (keyword
    arguments with those names are taken as inputs in that order); the other keyword arguments
    reach the prop's constructor as strings, as in MXNet. Outputs: ``list_outputs()``, with the
    shapes and dtypes of ``infer_shape``/``infer_type``. The op's ``forward(is_train, req,
    in_data, out_data, aux)`` fills preallocated outputs (``req`` 'write'); ``backward(req,
    out_grad, in_data, out_data, in_grad, aux)`` fills zeroed input gradients, with ``req``
    'null' for inputs that need none. ONNX export uses the prop's ``lower_onnx`` when it has one
    (see :mod:`hybrid.operator`), else it raises naming the op.
    """

    name = "Custom"
    inputs = ("*data",)
    attrs = (Attr("op_type", "str", REQUIRED),)
    train_aware = True
    check_eager = False
    xfail = {"onnx-1": "the example op _example_product_and_sum has no lower_onnx: export "
                       "raises by design (See Note [Custom op ONNX lowering])"}

    @classmethod
    def parse_attrs(cls, raw: dict[str, Any]) -> dict[str, Any]:
        if "op_type" not in raw:
            raise AttrError("Custom: attribute op_type is required")
        op_type = str(raw["op_type"])
        if op_type not in PROPS:
            known = ", ".join(sorted(PROPS)) or "none"
            raise AttrError(f"Custom: no custom op registered as {op_type!r} (registered: "
                            f"{known}); decorate its CustomOpProp with "
                            "@mx.operator.register(name)")
        # NOTE: MXNet hands the prop its keyword arguments as strings.
        attrs = {k: v if isinstance(v, str) else str(v) for k, v in raw.items()}
        attrs["op_type"] = op_type
        attrs["is_train"] = bool(raw.get("is_train", False))
        return attrs

    @classmethod
    def keyword_inputs(cls, inputs: list, kwargs: dict) -> list:
        """Move keyword inputs named by the prop's arguments and aux states into ``inputs``."""
        op_type = kwargs.get("op_type")
        if op_type not in PROPS:
            return inputs
        prop = prop_for(cls.parse_attrs({k: v for k, v in kwargs.items()
                                         if not _is_array(v)}))
        names = [*prop.list_arguments(), *prop.list_auxiliary_states()]
        for name in names[len(inputs):]:
            if name in kwargs:
                inputs.append(kwargs.pop(name))
        return inputs

    def num_outputs(attrs):
        return len(prop_for(attrs).list_outputs())

    def infer(in_shapes, in_dtypes, **attrs):
        prop = prop_for(attrs)
        op_type = attrs["op_type"]
        n_args = len(prop.list_arguments())
        n_aux = len(prop.list_auxiliary_states())
        _check_count(op_type, "the inputs", in_shapes, n_args + n_aux)
        shapes = [list(s) if s is not None else [] for s in in_shapes[:n_args]]
        ret = prop.infer_shape(shapes)
        ins, outs = ret[0], ret[1]
        aux = ret[2] if len(ret) > 2 else in_shapes[n_args:]
        _check_count(op_type, "infer_shape's output shapes", outs, len(prop.list_outputs()))
        types = prop.infer_type([np.dtype(d).type if d is not None else np.float32
                                 for d in in_dtypes[:n_args]])
        out_dtypes = [np.dtype(t) for t in types[1]]
        in_done = [tuple(s) for s in [*ins, *aux]]
        return in_done, [tuple(s) for s in outs], out_dtypes

    def forward(ctx, *arrays, **attrs):
        prop = prop_for(attrs)
        n_args = len(prop.list_arguments())
        shapes = [a.shape for a in arrays]
        _, out_shapes, out_dtypes = Custom.infer(shapes, [a.dtype for a in arrays], **attrs)
        op = prop.create_operator(None, [list(s) for s in shapes[:n_args]],
                                  [a.dtype for a in arrays[:n_args]])
        in_data, aux = _wrap_all(arrays[:n_args]), _wrap_all(arrays[n_args:])
        out_data = _wrap_all(np.zeros(s, d) for s, d in zip(out_shapes, out_dtypes))
        with autograd.pause(train_mode=attrs["is_train"]):
            op.forward(attrs["is_train"], ["write"] * len(out_data), in_data, out_data, aux)
        ctx.op, ctx.in_data, ctx.out_data, ctx.aux = op, in_data, out_data, aux
        outs = tuple(o._data for o in out_data)
        return outs[0] if len(outs) == 1 else outs

    def vjp(ctx, *out_grads, **attrs):
        needs = ctx.needs_grad or (True,) * (len(ctx.in_data) + len(ctx.aux))
        in_grad = _wrap_all(np.zeros_like(x._data) for x in ctx.in_data)
        req = ["write" if n else "null" for n in needs[: len(in_grad)]]
        with autograd.pause(train_mode=attrs["is_train"]):
            ctx.op.backward(req, _wrap_all(out_grads), ctx.in_data, ctx.out_data, in_grad,
                            ctx.aux)
        grads = [g._data if r != "null" else None for g, r in zip(in_grad, req)]
        return (*grads, *([None] * len(ctx.aux)))

    def samples(rng):
        from ..operator import example_props

        example_props()
        x = rng.uniform(-2.0, 2.0, (3, 4))
        y = rng.uniform(-2.0, 2.0, (3, 4))
        return [Sample([x], {"op_type": "_example_scaled_square", "scale": "1.5"}),
                Sample([x, y], {"op_type": "_example_product_and_sum"})]


def _is_array(value: Any) -> bool:
    return isinstance(value, registry.array_type) or hasattr(value, "_is_symbol")
