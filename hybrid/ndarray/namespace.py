"""Fills the ``nd`` namespace from the op registry, plus MXNet's Python-level helpers.

Note [Legacy operators refuse np.ndarray]: MXNet 1.9.1's legacy functions (``nd.relu``,
``nd.contrib.box_nms``, ``nd.add``...) raise TypeError for an ``np.ndarray`` input or ``out=``, in
numpy mode or not, advising ``as_nd_ndarray()``. The public ``nd`` functions are therefore built
with :func:`legacy_call`. hybrid's own code runs legacy ops on np arrays (Gluon layers and losses
in numpy mode, optimizers, metrics...): it calls the unchecked twins in
``hybrid/ndarray/unchecked.py``, built by the same functions here with the plain ``invoke``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..base import legacy_array_expected, numeric_types
from ..ops.registry import REGISTRY, build_function, invoke
from ._operators import _BINARY, binary
from .ndarray import NDArray

# MXNet's nd.add/subtract/... accept scalars on either side; they pick the broadcast or the scalar
# op.
_HELPERS = {
    "add": "add",
    "subtract": "sub",
    "multiply": "mul",
    "divide": "truediv",
    "modulo": "mod",
    "power": "pow",
    "maximum": None,
    "minimum": None,
    "equal": "eq",
    "not_equal": "ne",
    "greater": "gt",
    "greater_equal": "ge",
    "lesser": "lt",
    "lesser_equal": "le",
    "true_divide": "truediv",
    "logical_and": None,
    "logical_or": None,
    "logical_xor": None,
}
_EXTRA_BINARY = {
    "maximum": ("broadcast_maximum", "_maximum_scalar", "_maximum_scalar"),
    "minimum": ("broadcast_minimum", "_minimum_scalar", "_minimum_scalar"),
    **{
        f"logical_{k}": (f"broadcast_logical_{k}", f"_logical_{k}_scalar", f"_logical_{k}_scalar")
        for k in ("and", "or", "xor")
    },
}


# Ops that are also NDArray methods (``x.sum(axis=1)`` is ``nd.sum(x, axis=1)``), as in MXNet.
FLUENT = (
    "sum", "mean", "max", "min", "prod", "norm", "argmax", "argmin", "topk", "sort", "argsort",
    "transpose", "swapaxes", "expand_dims", "squeeze", "flatten", "reshape_like", "split", "slice",
    "slice_axis", "slice_like", "take", "pick", "one_hot", "tile", "repeat", "broadcast_to",
    "broadcast_like", "broadcast_axes", "pad", "zeros_like", "ones_like", "clip", "abs", "sign",
    "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tanh",
    "sigmoid", "relu", "softmax", "log_softmax", "round", "floor", "ceil", "dot",
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "argmax_channel", "cbrt",
    "cosh", "degrees", "depth_to_space", "diag", "fix", "flip", "log10", "log2", "nanprod",
    "nansum", "radians", "rcbrt", "rint", "shape_array", "sinh", "size_array", "softmin",
    "space_to_depth", "tan", "trunc",
)


class _NotYet:
    """Stands for ``np.ndarray`` until ``hybrid/numpy/ndarray.py`` plugs the class in."""


# ``mx.np.ndarray``, plugged in by ``hybrid/numpy/ndarray.py`` (this module sits below it).
numpy_array_type: type = _NotYet


def refuse_numpy_arrays(where: str, arrays: Any) -> None:
    """Raise MXNet's legacy-operator error if one of ``arrays`` is an ``np.ndarray``."""
    for a in arrays:
        if a.__class__ is numpy_array_type:
            raise legacy_array_expected(where)


def legacy_call(where: str) -> Callable[..., Any]:
    """The ``call`` of :func:`build_function` for a public legacy function (``where``:
    ``nd.relu``): see Note [Legacy operators refuse np.ndarray]."""

    def call(op: Any, inputs: list, attrs: dict, out: Any, name: Any) -> Any:
        for a in inputs:
            if a.__class__ is numpy_array_type:
                raise legacy_array_expected(f"{where} (operator {op.name})")
        if out is not None:
            refuse_numpy_arrays(f"{where} (operator {op.name}, out=)",
                                out if isinstance(out, (list, tuple)) else (out,))
        return invoke(op, inputs, attrs, out, name)

    return call


def _fluent(fn: Any) -> Any:
    def method(self: NDArray, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


def _helper(public: str, ops: tuple[str, str, str], checked: str | None) -> Any:
    def fn(lhs: Any, rhs: Any) -> Any:
        if checked is not None and numpy_array_type in (lhs.__class__, rhs.__class__):
            # ops: (array-array, array-scalar, scalar-array), as binary picks them
            which = 1 if isinstance(rhs, numeric_types) else 2 if isinstance(
                lhs, numeric_types) else 0
            raise legacy_array_expected(f"{checked}.{public} (operator {ops[which]})")
        return binary(lhs, rhs, *ops)

    fn.__name__ = fn.__qualname__ = public
    fn.__doc__ = (
        f"``{public}(lhs, rhs)``: elementwise with broadcasting; either side may be a number."
    )
    return fn


# MXNet files an op under a submodule by its name's prefix (``_contrib_box_nms`` is
# ``contrib.box_nms``); other underscore names live in ``_internal``. ``_random_*`` ops are
# ``_internal`` too, except the ``*_like`` ones: ``random``'s Python functions call the rest.
SUBSPACE_PREFIXES = {
    "contrib": "_contrib_",
    "linalg": "_linalg_",
    "image": "_image_",
    "random": "_random_",
}


def subspace_of(key: str) -> tuple[str, str] | None:
    """(submodule, function name) under which MXNet shows the registry key ``key``, or None for
    the top-level namespace."""
    for sub, prefix in SUBSPACE_PREFIXES.items():
        if key.startswith(prefix) and (sub != "random" or key.endswith("_like")):
            return sub, key[len(prefix) :]
    if key.startswith("_"):
        return "_internal", key
    return None


def populate_subspace(
    namespace: dict, public: list[str], sub: str, call: Any = invoke, checked: str | None = None
) -> None:
    """Add a function for every registry key that MXNet files under submodule ``sub``
    (``contrib``, ``linalg``, ``image``, ``random`` or ``_internal``). With ``checked`` (the
    namespace's name, ``nd``) each refuses ``np.ndarray`` (:func:`legacy_call`)."""
    for key, op in REGISTRY.items():
        where = subspace_of(key)
        if where is not None and where[0] == sub:
            if checked is not None:
                call = legacy_call(f"{checked}.{sub}.{where[1]}")
            fn = build_function(op, call)
            fn.__name__ = fn.__qualname__ = where[1]
            namespace[where[1]] = fn
            public.append(where[1])


def populate(
    namespace: dict, public: list[str], call: Any = invoke, cls: type | None = NDArray,
    checked: str | None = None,
) -> None:
    """Add a function for every op name and alias (each calling ``call``), the scalar-aware
    helpers, and the fluent methods on ``cls`` (unless None); shared by the ``nd`` and ``sym``
    namespaces. With ``checked`` (the namespace's name, ``nd``) the functions refuse
    ``np.ndarray``: see Note [Legacy operators refuse np.ndarray].
    """
    built: dict[int, Any] = {}
    for key, op in REGISTRY.items():
        fn = built.get(id(op))
        if checked is not None:
            fn = build_function(op, legacy_call(f"{checked}.{key}"))
        elif fn is None:
            fn = built[id(op)] = build_function(op, call)
        namespace[key] = fn
        if not key.startswith("_"):
            public.append(key)
    by_method = {m: ops for m, *ops in _BINARY}
    for public_name, method in _HELPERS.items():
        ops = _EXTRA_BINARY[public_name] if method is None else tuple(by_method[method])
        namespace[public_name] = _helper(public_name, ops, checked)
        public.append(public_name)
    if cls is None:
        return
    for name in FLUENT:
        if name in namespace:  # tests/test_ndarray.py checks that every one exists
            setattr(cls, name, _fluent(namespace[name]))
    for name in ("squeeze", "flatten", "expand_dims"):
        if name in namespace:
            setattr(cls, name, _fluent_inplace(namespace[name]))


def _fluent_inplace(fn: Any) -> Any:
    """MXNet's ``x.squeeze``/``flatten``/``expand_dims`` methods: a new array, or with
    ``inplace=True`` a view sharing ``x``'s memory (Symbols ignore ``inplace``).
    """

    def method(self: Any, *args: Any, inplace: bool = False, **kwargs: Any) -> Any:
        out = fn(self, *args, **kwargs)
        if not hasattr(self, "_data"):
            return out
        if inplace:
            return self.reshape(out.shape)
        return out.copy() if np.may_share_memory(out._data, self._data) else out

    method.__name__ = method.__qualname__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method
