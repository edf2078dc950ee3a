"""``_np_fallback``: MXNet 1.9.1's fallback from ``mx.np`` to official NumPy, as one registered op.

MXNet 1.9.1 implements a list of ``mx.np`` functions (``mxnet/numpy/fallback.py``: ``isclose``,
``cov``, ``polyfit``, ``intersect1d``, ...) by copying the arrays to the host, calling NumPy and
wrapping the results; they have no gradient. Here that is one op whose ``func`` attribute names
the NumPy function and whose ``spec`` says how the call's arguments are laid out, so each fallback
runs through the registry like any op: eager, traced (when its output shape does not depend on
values) and visible to the profiler.

``spec`` is a pair ``(args, kwargs)``: each positional entry is ``("a", i)`` for input ``i``,
``("l", (i, j, ...))`` for a list of inputs, or ``("v", value)`` for a plain value; ``kwargs`` is a
tuple of ``(name, entry)``. Nested results (``histogramdd``'s edges list) are flattened into
outputs in order; ``num_out`` says how many.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..base import HybridError
from .attrs import Attr
from .registry import Op, Sample, register

__all__ = ["FALLBACK_FUNCS", "HOST_FUNCS", "DYNAMIC_SHAPE", "numpy_function"]

# MXNet 1.9.1's fallback names that take and return arrays (callables and metadata are handled
# in hybrid.numpy).
FALLBACK_FUNCS = (
    "allclose", "argpartition", "argwhere", "array_equal", "array_equiv", "choose",
    "compress", "corrcoef", "correlate", "count_nonzero", "cov", "digitize", "divmod", "extract",
    "flatnonzero", "float_power", "frexp", "heaviside", "histogram2d", "histogram_bin_edges",
    "histogramdd", "i0", "interp", "intersect1d", "isclose", "isin", "lexsort", "modf",
    "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmedian", "nanmin",
    "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar", "partition",
    "packbits", "poly", "polyadd", "polydiv", "polyfit", "polyint", "polymul", "polysub", "ptp",
    "roots", "searchsorted", "select", "setdiff1d", "setxor1d", "signbit", "spacing",
    "take_along_axis", "trapz", "tril_indices_from", "trim_zeros", "triu_indices_from",
    "union1d", "unpackbits", "unwrap", "vander",
)

# Further functions MXNet computes without a gradient and with value-dependent output shapes; they
# run here the same way (``mx.np.unique``, ``nonzero``, ``bincount``, ``linalg.lstsq``).
HOST_FUNCS = (*FALLBACK_FUNCS, "unique", "nonzero", "bincount", "linalg.lstsq")

# Functions whose output shape depends on the values: they run eagerly but cannot be traced.
DYNAMIC_SHAPE = frozenset((
    "argwhere", "compress", "extract", "flatnonzero", "histogram_bin_edges", "histogramdd",
    "histogram2d", "intersect1d", "polydiv", "roots", "setdiff1d", "setxor1d", "trim_zeros",
    "union1d", "packbits", "unpackbits", "unique", "nonzero", "bincount", "linalg.lstsq",
))


# MXNet's names that NumPy 2 renamed, with the names to try in order.
_RENAMED = {"trapz": ("trapezoid", "trapz")}


def numpy_function(func: str):
    """The installed NumPy's function for MXNet's name ``func`` (dotted for submodules)."""
    f = np
    for part in func.split("."):
        for name in _RENAMED.get(part, (part,)):
            if hasattr(f, name):
                f = getattr(f, name)
                break
        else:
            raise HybridError(f"_np_fallback: this NumPy has no function {func!r}")
    return f


def _rebuild(spec, arrays):
    def value(entry):
        kind, v = entry
        if kind == "a":
            return arrays[v]
        if kind == "l":
            return [arrays[i] for i in v]
        return v

    args, kwargs = spec
    return [value(e) for e in args], {k: value(e) for k, e in kwargs}


def _flatten(result):
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in _flatten(r)]
    return [np.asarray(result)]


def _call(func, spec, arrays):
    args, kwargs = _rebuild(spec, arrays)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return _flatten(numpy_function(func)(*args, **kwargs))


@register
class NpFallback(Op):
    """``y = numpy.<func>(...)``: MXNet's fallback to official NumPy for ``mx.np.<func>`` (and
    the value-dependent ``unique``, ``nonzero``, ``bincount``, ``linalg.lstsq``).

    ``func`` names the NumPy function, ``spec`` lays out its arguments (see the module docstring)
    and ``num_out`` is how many arrays it returns (nested lists flattened). No gradient, as in
    MXNet; functions whose output shape depends on the values cannot be traced.
    """

    name = "_np_fallback"
    inputs = ("*data",)
    attrs = (
        Attr("func", "str", choices=HOST_FUNCS),
        Attr("spec", "any", ((), ())),
        Attr("num_out", "int", 1),
    )
    differentiable = False
    check_eager = False

    def forward(ctx, *arrays, func, spec, num_out):
        outs = _call(func, spec, arrays)
        if len(outs) != num_out:
            raise HybridError(f"_np_fallback: numpy.{func} returned {len(outs)} arrays, "
                              f"expected {num_out}")
        return outs[0] if num_out == 1 else tuple(outs)

    def num_outputs(attrs):
        return attrs["num_out"]

    def infer(in_shapes, in_dtypes, *, func, spec, num_out):
        if func in DYNAMIC_SHAPE:
            raise HybridError(f"_np_fallback: numpy.{func}'s output shape depends on the values, "
                              "so it cannot be traced (call it outside hybridized code)")
        if any(s is None or 0 in s for s in in_shapes):
            return in_shapes, [None] * num_out, [None] * num_out
        # The shapes of a value-independent function follow from a call on stand-in arrays.
        stand_ins = [np.ones(s, d) for s, d in zip(in_shapes, in_dtypes)]
        outs = _call(func, spec, stand_ins)
        return in_shapes, [o.shape for o in outs], [o.dtype for o in outs]

    def samples(rng):
        a, b = rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (3, 4))
        one = (("a", 0),)
        return [
            Sample([a, a + 1e-9 * b], {"func": "isclose", "spec": ((("a", 0), ("a", 1)), ())}),
            Sample([a, b], {"func": "heaviside", "spec": ((("a", 0), ("a", 1)), ())}),
            Sample([a], {"func": "cov", "spec": (one, (("rowvar", ("v", False)),))}),
            Sample([a], {"func": "frexp", "spec": (one, ()), "num_out": 2}),
        ]

    xfail = {"onnx": "MXNet runs these functions in NumPy on the host; ONNX has no equivalent"}
