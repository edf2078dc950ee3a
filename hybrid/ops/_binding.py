"""Argument binding for the public op functions (``nd.relu``, ``sym.relu``): positional and
keyword arguments sorted into inputs and attributes as MXNet's generated functions do, and the
signature that shows them. Re-exported by :mod:`hybrid.ops.registry`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..base import AttrError, HybridError
from . import registry
from .attrs import REQUIRED

if TYPE_CHECKING:
    from .registry import Op


def build_function(op: type[Op], call: Callable[..., Any]) -> Callable[..., Any]:
    """The public function for ``op`` in a namespace (``nd.relu``, ``sym.relu``).

    Positional arguments fill the inputs first (arrays or None for an absent optional input), then
    the attributes in declared order, as MXNet's generated functions do. ``call(op, inputs, attrs,
    out, name)`` does the work.
    """
    n_in = None if op.variadic else len(op.inputs)
    attr_order = [n for n in op.attr_specs if n != "is_train"]
    defaults = op.default_attrs
    # A variadic op whose input names depend on its attributes (``Custom``) sorts keyword
    # inputs itself.
    keyword_inputs = getattr(op, "keyword_inputs", None)

    def fn(*args: Any, out: Any = None, name: str | None = None, **kwargs: Any) -> Any:
        array_type = registry.array_type  # NDArray, plugged in by the front end
        if not kwargs and len(args) == n_in and defaults is not None:
            for a in args:
                if not isinstance(a, array_type):  # NDArray or np.ndarray
                    break
            else:  # every input given positionally as an NDArray: nothing to sort out
                return call(op, args, defaults, out, name)
        inputs = list(args)
        if keyword_inputs is not None:
            inputs = keyword_inputs(inputs, kwargs)
        if n_in is not None:
            split = 0
            while (
                split < len(args)
                and split < n_in
                and (
                    isinstance(args[split], array_type)
                    or args[split] is None
                    or hasattr(args[split], "_is_symbol")
                )
            ):
                split += 1
            if split < min(len(args), n_in) and isinstance(args[split], np.ndarray):
                raise HybridError(f"{op.name}: input {op.inputs[split]} must be an NDArray, got a "
                                  "numpy array; wrap it with nd.array() first")
            inputs = list(args[:split])
            for key, value in zip(attr_order, args[split:]):
                kwargs[key] = value
            if len(args) - split > len(attr_order):
                raise AttrError(f"{op.name}: too many positional arguments")
            for key in op.inputs[len(inputs) :]:
                if key in kwargs:
                    inputs.extend([None] * (op.inputs.index(key) - len(inputs)))
                    inputs.append(kwargs.pop(key))
        elif "data" in kwargs:
            inputs.extend(kwargs.pop("data"))
        kwargs.pop("num_args", None)
        while inputs and inputs[-1] is None:
            inputs.pop()
        # NOTE: `None in inputs` would call NDArray.__eq__; compare identities instead.
        holes = [i for i, a in enumerate(inputs) if a is None]
        if holes:
            missing = op.inputs[holes[0]]
            raise HybridError(f"{op.name}: input {missing} is missing")
        attrs = defaults if not kwargs and defaults is not None else op.parse_attrs(kwargs)
        return call(op, inputs, attrs, out, name)

    params = [
        inspect.Parameter(
            n.lstrip("*"),
            inspect.Parameter.VAR_POSITIONAL
            if n.startswith("*")
            else inspect.Parameter.POSITIONAL_OR_KEYWORD,
            **({} if n.startswith("*") else {"default": None}),
        )
        for n in op.inputs
    ]
    kind = (
        inspect.Parameter.KEYWORD_ONLY if op.variadic else inspect.Parameter.POSITIONAL_OR_KEYWORD
    )
    for n in attr_order:
        spec = op.attr_specs[n]
        params.append(
            inspect.Parameter(n, kind, default=None if spec.default is REQUIRED else spec.default)
        )
    params += [
        inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None),
        inspect.Parameter("name", inspect.Parameter.KEYWORD_ONLY, default=None),
    ]
    fn.__signature__ = inspect.Signature(params)
    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = op.__doc__
    return fn
