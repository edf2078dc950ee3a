"""MXNet's ``mx.util`` helpers that hybrid can honour: environment variables, GPU queries (there
are no GPUs) and the NumPy-shape switch.

Note [NumPy shape semantics]: MXNet 1.x reads a 0 in a shape as "unknown" unless
``set_np_shape(True)``; hybrid's arrays are numpy arrays, so 0-d and zero-size arrays always work,
and parameter shapes keep 0 for "unknown, inferred on the first forward" in both modes. The switch
is kept (``is_np_shape()`` reads it back) for code that sets and checks it. MXNet's NumPy-array
mode (``set_np``, ``use_np``) is not here: it needs ``mx.np``.
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
    "np_shape", "use_np_shape", "is_np_array", "set_module",
]


class _Flags(threading.local):
    np_shape = False


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


class _NumpyShapeScope:
    def __init__(self, active: bool):
        self._active, self._prev = active, None

    def __enter__(self) -> _NumpyShapeScope:
        self._prev = set_np_shape(self._active)
        return self

    def __exit__(self, *exc: Any) -> None:
        set_np_shape(self._prev)


def np_shape(active: bool = True) -> _NumpyShapeScope:
    """``with mx.np_shape(): ...``: NumPy shape semantics inside the block."""
    return _NumpyShapeScope(active)


def use_np_shape(func: Any) -> Any:
    """Decorate a function (or every method of a class) to run under :func:`np_shape`."""
    if isinstance(func, type):
        for name, method in list(vars(func).items()):
            if callable(method) and not name.startswith("__") or name == "__init__":
                setattr(func, name, use_np_shape(method))
        return func

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with np_shape(True):
            return func(*args, **kwargs)

    return wrapped


def is_np_array() -> bool:
    """False: hybrid's front ends return legacy NDArray objects (MXNet's default mode)."""
    return False


def set_module(module: str) -> Callable[[Any], Any]:
    """A decorator setting ``__module__`` of a function or class (MXNet's doc helper)."""

    def decorator(func: Any) -> Any:
        if module is not None:
            func.__module__ = module
        return func

    return decorator
