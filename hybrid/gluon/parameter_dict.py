"""Gluon's :class:`ParameterDict` and the all-or-nothing parameter loading it shares with Block."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import initializer
from ..base import HybridError
from ..context import Context
from .constant import Constant
from .parameter import Parameter

__all__ = ["ParameterDict", "load_checked", "check_loadable"]


class ParameterDict:
    """An ordered name -> :class:`Parameter` map whose ``get`` creates prefixed parameters.

    Parameters
    ----------
    prefix : str, default ''
        Prepended to the names given to ``get``.
    shared : ParameterDict, optional
        Parameters looked up here first, for sharing weights between blocks.
    """

    def __init__(self, prefix: str = "", shared: ParameterDict | None = None):
        self._prefix = prefix
        self._params: OrderedDict[str, Parameter] = OrderedDict()
        self._shared = shared

    def __repr__(self) -> str:
        name = f"{self._prefix} " if self._prefix else ""
        body = "\n".join(f"  {v}" for v in self.values())
        return f"{name}(\n{body}\n)"

    def __getitem__(self, key: str) -> Parameter:
        return self._params[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __contains__(self, key: object) -> bool:
        return key in self._params

    def items(self) -> Any:
        return self._params.items()

    def keys(self) -> Any:
        return self._params.keys()

    def values(self) -> Any:
        return self._params.values()

    @property
    def prefix(self) -> str:
        return self._prefix

    def _get_impl(self, name: str) -> Parameter | None:
        if name in self._params:
            return self._params[name]
        if self._shared is not None and name in self._shared._params:
            self._params[name] = self._shared._params[name]
            return self._params[name]
        return None

    def get(self, name: str, **kwargs: Any) -> Parameter:
        """The parameter ``prefix + name``, created with ``kwargs`` if it does not exist.

        For an existing one, ``kwargs`` must agree with its attributes (unknown shape dims are
        filled in).
        """
        name = self._prefix + name
        param = self._get_impl(name)
        if param is None:
            param = self._params[name] = Parameter(name, **kwargs)
            return param
        for key, value in kwargs.items():
            existing = getattr(param, key, None)
            if existing is None:
                setattr(param, key, value)
            elif key == "shape" and _merge_shape(param, value):
                continue
            elif key == "dtype" and np.dtype(value) == np.dtype(existing):
                continue
            elif value is not None and value != existing:
                raise HybridError(
                    f"Cannot retrieve Parameter '{name}' because desired attribute does not "
                    f"match with stored for attribute '{key}': desired '{value}' vs stored "
                    f"'{existing}'."
                )
        return param

    def get_constant(self, name: str, value: Any = None) -> Constant:
        """The constant ``prefix + name``, created from ``value`` if it does not exist."""
        name = self._prefix + name
        param = self._get_impl(name)
        if param is None:
            if value is None:
                raise HybridError(f"No constant named '{name}'. Please specify value.")
            param = self._params[name] = Constant(name, value)
        elif not isinstance(param, Constant):
            raise HybridError(f"Parameter '{name}' already exists but it is not a constant.")
        return param

    def update(self, other: Any) -> None:
        """Add the parameters of ``other`` (a ParameterDict or dict); same name, same object."""
        for key, value in other.items():
            if key in self._params and self._params[key] is not value:
                raise HybridError(
                    "Cannot update self with other because they have different Parameters with "
                    f"the same name '{key}'"
                )
        for key, value in other.items():
            self._params[key] = value

    def select(self, select: str) -> ParameterDict:
        """The parameters whose names match the regular expression ``select``."""
        pattern = re.compile(select)
        ret = ParameterDict(self._prefix)
        ret.update({k: v for k, v in self.items() if pattern.match(k)})
        return ret

    def initialize(
        self, init: Any = None, ctx: Any = None, verbose: bool = False, force_reinit: bool = False
    ) -> None:
        """Initialize every parameter; ``init`` (default ``Uniform(0.07)``) is the global one."""
        if init is None:
            init = initializer.Uniform()
        if verbose and hasattr(init, "set_verbosity"):
            init.set_verbosity(verbose=verbose)
        for param in self.values():
            param.initialize(None, ctx, init, force_reinit=force_reinit)

    def zero_grad(self) -> None:
        for param in self.values():
            param.zero_grad()

    def reset_ctx(self, ctx: Any) -> None:
        for param in self.values():
            param.reset_ctx(ctx)

    def list_ctx(self) -> list[Context]:
        ctxs: list[Context] = []
        for param in self.values():
            ctxs.extend(c for c in param.list_ctx() if c not in ctxs)
        return ctxs

    def setattr(self, name: str, value: Any) -> None:
        """Set an attribute (``grad_req``, ``lr_mult`` ...) on every parameter."""
        for param in self.values():
            setattr(param, name, value)

    def save(self, filename: str, strip_prefix: str = "") -> None:
        """Save every parameter's value under its name minus ``strip_prefix``."""
        from .. import serialization

        arg_dict = {}
        for param in self.values():
            if not param.name.startswith(strip_prefix):
                raise HybridError(
                    f"Prefix '{strip_prefix}' is to be striped before saving, but Parameter's "
                    f"name '{param.name}' does not start with '{strip_prefix}'."
                )
            arg_dict[param.name[len(strip_prefix) :]] = param._reduce()
        serialization.save(filename, arg_dict)

    def load(
        self,
        filename: str,
        ctx: Any = None,
        allow_missing: bool = False,
        ignore_extra: bool = False,
        restore_prefix: str = "",
        cast_dtype: bool = False,
        dtype_source: str = "current",
    ) -> None:
        """Load values saved by :meth:`save` (names get ``restore_prefix`` prepended).

        Every name, shape and dtype is checked before any parameter changes.
        """
        from .. import serialization

        loaded = serialization.load(filename)
        if not isinstance(loaded, dict):
            raise HybridError(f"ParameterDict.load: {filename!r} holds a list, not named arrays")
        # MXNet's Module files name arrays 'arg:<name>' and 'aux:<name>'.
        arrays = {
            restore_prefix + (k[4:] if k[:4] in ("arg:", "aux:") else k): v
            for k, v in loaded.items()
        }
        load_checked(
            self._params,
            arrays,
            filename,
            ctx,
            allow_missing,
            ignore_extra,
            cast_dtype,
            dtype_source,
        )


def _merge_shape(param: Parameter, shape: Any) -> bool:
    """Fill ``param``'s unknown dims from ``shape``; False when the two disagree."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    existing = param.shape
    if len(shape) != len(existing):
        return False
    merged = []
    for new, old in zip(shape, existing):
        if new != old and new > 0 and old > 0:
            return False
        merged.append(old if new in (0, -1) else new)
    param._shape = tuple(merged)
    return True


def _brief(names: Any, limit: int = 3) -> str:
    names = list(names)
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def load_checked(
    params: dict[str, Parameter],
    arrays: dict[str, Any],
    filename: str,
    ctx: Any,
    allow_missing: bool,
    ignore_extra: bool,
    cast_dtype: bool,
    dtype_source: str,
) -> None:
    """Load ``arrays`` into ``params`` (both keyed by the same names) all or nothing.

    Missing and extra names, shapes and dtypes are all checked before the first parameter changes,
    so a failed load leaves every parameter as it was. A parameter shared under several names
    needs only one of them in the file.
    """
    if not allow_missing:
        names_of: dict[int, list[str]] = {}
        for name, param in params.items():
            names_of.setdefault(id(param), []).append(name)
        missing = [n for n, p in params.items() if not any(k in arrays for k in names_of[id(p)])]
        if missing:
            raise HybridError(
                f"Parameter {_brief(missing)} is missing in file '{filename}', which contains "
                f"parameters: {_brief(arrays)}. Set allow_missing=True to ignore missing "
                "parameters."
            )
    extra = [n for n in arrays if n not in params]
    if extra and not ignore_extra:
        raise HybridError(
            f"Parameter {_brief(extra)} loaded from file '{filename}' is not present in the "
            f"block, which contains parameters {_brief(params)}. Set ignore_extra=True to "
            "ignore."
        )
    todo = [(params[n], arrays[n]) for n in arrays if n in params]
    for param, value in todo:
        check_loadable(param, value, cast_dtype, dtype_source)
    for param, value in todo:
        param._load_init(value, ctx, cast_dtype=cast_dtype, dtype_source=dtype_source)


def check_loadable(param: Parameter, data: Any, cast_dtype: bool, dtype_source: str) -> np.ndarray:
    """The array to load into ``param``, after checking its shape and dtype; raises before anything
    changes.
    """
    arr = np.asarray(getattr(data, "_data", data))
    if param.shape is not None:
        fits = len(arr.shape) == len(param.shape) and all(
            old in (0, -1, new) for new, old in zip(arr.shape, param.shape)
        )
        if not fits:
            raise HybridError(
                f"Failed loading Parameter '{param.name}' from saved params: shape "
                f"incompatible, expected {param.shape} vs saved {arr.shape}"
            )
    if dtype_source not in ("current", "saved"):
        raise HybridError(f"dtype_source {dtype_source!r}, expected 'current' or 'saved'")
    if arr.dtype != np.dtype(param.dtype):
        if not cast_dtype:
            raise HybridError(
                f"Failed loading Parameter '{param.name}' from saved params: dtype "
                f"incompatible, expected {np.dtype(param.dtype)} vs saved {arr.dtype}. "
                "Set cast_dtype=True to cast the dtype of saved params."
            )
        if dtype_source == "current":
            arr = arr.astype(param.dtype)
    return arr
