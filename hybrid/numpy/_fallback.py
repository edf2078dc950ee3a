"""The ``mx.np`` functions MXNet 1.9.1 runs in official NumPy (``mxnet/numpy/fallback.py``), as
calls of the ``_np_fallback`` op (``hybrid/ops/np_fallback.py``).

Each function keeps NumPy's signature. Its array arguments (also inside lists) become the op's
inputs, everything else travels in the op's ``spec`` attribute. As in MXNet, a result NumPy gives
as a scalar (``allclose``, ``nanmax`` over all axes) comes back as a scalar, arrays come back as
``np.ndarray``, there is no gradient, and calling one while ``autograd.record()`` is on is an
error (MXNet's ``ValueError``: a silent gap in the tape would give wrong gradients).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as onp

from .. import autograd
from ..base import HybridError
from ..ops.np_fallback import FALLBACK_FUNCS, numpy_function
from ._dispatch import asarray_like, call
from .ndarray import ndarray

__all__ = list(FALLBACK_FUNCS)

# How many arrays each function returns, where not one (nested lists flattened).
_NUM_OUT = {"frexp": 2, "modf": 2, "divmod": 2, "histogram2d": 3, "polydiv": 2}


def _is_array(x: Any) -> bool:
    return isinstance(x, (ndarray, onp.ndarray)) or hasattr(x, "_is_symbol")


def _pack(args: tuple, kwargs: dict) -> tuple[list, tuple]:
    """The op's inputs and ``spec`` for one call (see ``hybrid/ops/np_fallback.py``)."""
    inputs: list = []

    def entry(v: Any) -> tuple:
        if _is_array(v):
            inputs.append(asarray_like(v))
            return ("a", len(inputs) - 1)
        if isinstance(v, (list, tuple)) and v and any(_is_array(e) for e in v):
            return ("l", tuple(entry(e)[1] for e in v))
        return ("v", tuple(v) if isinstance(v, list) else v)

    spec = (tuple(entry(a) for a in args), tuple((k, entry(v)) for k, v in kwargs.items()))
    return inputs, spec


def _num_out(func: str, args: tuple, kwargs: dict) -> int:
    if func == "histogramdd":
        sample = args[0] if args else kwargs["sample"]
        shape = getattr(sample, "shape", None)
        dims = shape[1] if shape is not None and len(shape) == 2 else len(sample)
        return 1 + dims
    return _NUM_OUT.get(func, 1)


def _scalar_or_array(y: Any) -> Any:
    data = getattr(y, "_data", None)
    return data[()] if data is not None and data.ndim == 0 else y


def _regroup(func: str, outs: tuple) -> tuple:
    if func == "histogramdd":
        return outs[0], list(outs[1:])
    return outs


class _RecordingError(HybridError, ValueError):
    """A NumPy fallback called while recording (MXNet raises ValueError)."""


def _make(func: str):
    reference = numpy_function(func)

    def fn(*args: Any, **kwargs: Any) -> Any:
        if autograd.is_recording():
            raise _RecordingError(f"np.{func}: falls back to NumPy, which autograd cannot "
                                  "record; call it outside autograd.record()")
        inputs, spec = _pack(args, kwargs)
        num_out = _num_out(func, args, kwargs)
        res = call("_np_fallback", *inputs, func=func, spec=spec, num_out=num_out)
        if num_out == 1:
            return _scalar_or_array(res)
        return _regroup(func, tuple(_scalar_or_array(r) for r in res))

    fn.__name__ = fn.__qualname__ = func
    fn.__doc__ = (f"``numpy.{func}`` on ``np.ndarray`` arguments, run in NumPy as MXNet 1.9.1 does "
                  "(no gradient).")
    try:
        fn.__signature__ = inspect.signature(reference)
    except (TypeError, ValueError):
        pass
    return fn


globals().update({_func: _make(_func) for _func in FALLBACK_FUNCS})
