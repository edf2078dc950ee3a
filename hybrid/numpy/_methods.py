"""``np.ndarray``'s methods that are ``mx.np`` functions (``x.sum(axis=1)`` is
``np.sum(x, axis=1)``), with NumPy's method signatures where they differ."""

from __future__ import annotations

from typing import Any

from . import _core, _manip
from .ndarray import ndarray

__all__ = ["install"]

_FLUENT = {
    **{n: getattr(_core, n) for n in (
        "sum", "mean", "max", "min", "prod", "argmax", "argmin", "std", "var", "all", "any",
        "cumsum", "clip", "round", "dot",
    )},
    **{n: getattr(_manip, n) for n in (
        "swapaxes", "squeeze", "repeat", "tile", "sort", "argsort", "copy", "ravel",
    )},
}


def _method(fn: Any) -> Any:
    def method(self: ndarray, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


def _shape_args(args: tuple) -> Any:
    return args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args


def reshape(self: ndarray, *shape: Any, order: str = "C") -> Any:
    """``x.reshape(2, 3)`` or ``x.reshape((2, 3))``: NumPy's reshape (no MXNet codes)."""
    return _manip.reshape(self, _shape_args(shape), order)


def transpose(self: ndarray, *axes: Any) -> Any:
    """``x.transpose()`` reverses the axes; ``x.transpose(1, 0, 2)`` permutes them."""
    axes = _shape_args(axes)
    return _manip.transpose(self, axes if axes else None)


def flatten(self: ndarray, order: str = "C") -> Any:
    """A 1-D copy of the array (NumPy's ``flatten``, not MXNet's 2-D ``Flatten``)."""
    return _manip.ravel(self, order).copy()


def install() -> None:
    for name, fn in _FLUENT.items():
        setattr(ndarray, name, _method(fn))
    for fn in (reshape, transpose, flatten):
        setattr(ndarray, fn.__name__, fn)
