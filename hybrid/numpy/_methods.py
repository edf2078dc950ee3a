"""``np.ndarray``'s methods that are ``mx.np`` functions (``x.sum(axis=1)`` is
``np.sum(x, axis=1)``), with NumPy's method signatures where they differ."""

from __future__ import annotations

from typing import Any

from . import _arrange, _core, _manip
from .ndarray import ndarray

__all__ = ["install"]

_FLUENT = {
    **{n: getattr(_core, n) for n in (
        "sum", "mean", "max", "min", "prod", "argmax", "argmin", "std", "var", "all", "any",
        "cumsum", "clip", "round", "dot",
    )},
    **{n: getattr(_manip, n) for n in (
        "swapaxes", "squeeze", "repeat", "sort", "argsort", "copy", "ravel", "broadcast_to",
    )},
    "take": _arrange.take,
}
# NDArray's legacy methods that MXNet 1.9.1's np.ndarray keeps as names but refuses with
# AttributeError when called (measured: ``mx.np.ones(2).relu()``).
_LEGACY_ONLY = (
    "abs", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "argmax_channel",
    "asscalar", "broadcast_axes", "broadcast_like", "cbrt", "ceil", "cos", "cosh", "degrees",
    "depth_to_space", "diag", "exp", "expand_dims", "expm1", "fix", "flip", "floor", "log",
    "log10", "log1p", "log2", "log_softmax", "nanprod", "nansum", "norm", "one_hot", "ones_like",
    "pad", "pick", "radians", "rcbrt", "reciprocal", "relu", "reshape_like", "rint", "rsqrt",
    "shape_array", "sigmoid", "sign", "sin", "sinh", "size_array", "slice", "slice_axis",
    "slice_like", "softmax", "softmin", "space_to_depth", "split", "split_v2", "sqrt", "square",
    "tan", "tanh", "tile", "topk", "tostype", "trunc", "zeros_like",
)


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


def _refused(name: str) -> Any:
    def method(self: ndarray, *args: Any, **kwargs: Any) -> Any:
        raise AttributeError(f"mxnet.numpy.ndarray object has no attribute {name}")

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Refused, as in MXNet: ``{name}`` is a legacy NDArray method."
    return method


def install() -> None:
    for name in _LEGACY_ONLY:
        setattr(ndarray, name, _refused(name))
    for name, fn in _FLUENT.items():
        setattr(ndarray, name, _method(fn))
    for fn in (reshape, transpose, flatten):
        setattr(ndarray, fn.__name__, fn)
