"""MXNet's ``mx.util`` helpers that hybrid can honour: environment variables, GPU queries (there
are no GPUs) and the NumPy-shape switch.

Note [NumPy shape semantics]: MXNet 1.x reads a 0 in a shape as "unknown" unless
``set_np_shape(True)``; hybrid's arrays are numpy arrays, so 0-d and zero-size arrays always work,
and parameter shapes keep 0 for "unknown, inferred on the first forward" in both modes. The switch
is kept (``is_np_shape()`` reads it back) for code that sets and checks it.

Note [NumPy array mode]: ``set_np()`` (``npx.set_np()``) turns on MXNet's NumPy-array semantics:
Gluon then creates ``mx.np.ndarray`` parameters and data, and legacy ``nd`` arrays passed to ``np``
functions are refused with a message naming ``as_np_ndarray()``. The flag is per thread, as
MXNet's.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from typing import Any

from .base import HybridError

__all__ = [
    "getenv", "setenv", "get_gpu_count", "get_gpu_memory", "set_np_shape", "is_np_shape",
    "np_shape", "use_np_shape", "is_np_array", "set_module", "set_np", "reset_np", "np_array",
    "use_np_array", "use_np",
]


class _Flags(threading.local):
    np_shape = False
    np_array = False


_flags = _Flags()


def getenv(name: str) -> str | None:
    """The value of environment variable ``name`` (None when unset)."""
    return os.environ.get(name)


def setenv(name: str, value: str | None) -> None:
    """Set environment variable ``name``; None removes it."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = str(value)


def get_gpu_count() -> int:
    return 0


def get_gpu_memory(gpu_dev_id: int) -> tuple[int, int]:
    raise HybridError(f"get_gpu_memory({gpu_dev_id}): hybrid runs on numpy and has no GPU")


def set_np_shape(active: bool) -> bool:
    """Turn NumPy shape semantics on or off; returns the previous state (see Note [NumPy shape
    semantics])."""
    prev, _flags.np_shape = _flags.np_shape, bool(active)
    return prev


def is_np_shape() -> bool:
    return _flags.np_shape


class _FlagScope:
    """Sets one of the per-thread flags inside a ``with`` block and restores it after."""

    def __init__(self, setter: Callable[[bool], bool], active: bool):
        self._setter, self._active, self._prev = setter, active, False

    def __enter__(self) -> _FlagScope:
        self._prev = self._setter(self._active)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._setter(self._prev)


def np_shape(active: bool = True) -> _FlagScope:
    """``with mx.np_shape(): ...``: NumPy shape semantics inside the block."""
    return _FlagScope(set_np_shape, active)


def _decorate(func: Any, scope: Callable[[], _FlagScope]) -> Any:
    """``func`` (or every method of a class) run inside ``scope()``."""
    if isinstance(func, type):
        for name, method in list(vars(func).items()):
            if callable(method) and not name.startswith("__") or name == "__init__":
                setattr(func, name, _decorate(method, scope))
        return func

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with scope():
            return func(*args, **kwargs)

    return wrapped


def use_np_shape(func: Any) -> Any:
    """Decorate a function (or every method of a class) to run under :func:`np_shape`."""
    return _decorate(func, np_shape)


def _set_np_array(active: bool) -> bool:
    prev, _flags.np_array = _flags.np_array, bool(active)
    return prev


def is_np_array() -> bool:
    """Whether NumPy-array semantics are on (see Note [NumPy array mode])."""
    return _flags.np_array


def set_np(shape: bool = True, array: bool = True) -> None:
    """Turn on NumPy shape and array semantics (``npx.set_np()``); see Note [NumPy array
    mode]."""
    if array and not shape:
        raise ValueError("set_np: NumPy array semantics need NumPy shape semantics (shape=True)")
    _set_np_array(array)
    set_np_shape(shape)


def reset_np() -> None:
    """Back to MXNet's legacy semantics (``nd.NDArray`` everywhere)."""
    set_np(shape=False, array=False)


def np_array(active: bool = True) -> _FlagScope:
    """``with mx.util.np_array(): ...``: NumPy array semantics inside the block."""
    return _FlagScope(_set_np_array, active)


def use_np_array(func: Any) -> Any:
    """Decorate a function (or every method of a class) to run under :func:`np_array`."""
    return _decorate(func, np_array)


def use_np(func: Any) -> Any:
    """Decorate a function or class to run with NumPy shape and array semantics (MXNet's
    ``use_np``, what ``@npx.use_np`` on a HybridBlock does)."""
    return use_np_shape(use_np_array(func))


def set_module(module: str) -> Callable[[Any], Any]:
    """A decorator setting ``__module__`` of a function or class (MXNet's doc helper)."""

    def decorator(func: Any) -> Any:
        if module is not None:
            func.__module__ = module
        return func

    return decorator
