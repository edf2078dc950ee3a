"""Helpers for tests of code written against MXNet (``mx.test_utils``), with MXNet 1.9.1's names,
arguments and defaults: comparing arrays with per-dtype tolerances, random inputs, checking
symbols' forward and backward passes (see :mod:`hybrid._symbol_checks`), environment variables,
and the data helpers (which read local files only: hybrid never downloads).
"""

from __future__ import annotations

import contextlib
import gzip
import numbers
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

import hybrid as mx

from . import ndarray as nd
from ._symbol_checks import (
    check_consistency,
    check_numeric_gradient,
    check_symbolic_backward,
    check_symbolic_forward,
)
from .base import HybridError
from .context import Context, current_context
from .gluon.utils import NoNetworkError, require_file
from .io import DataIter

__all__ = [
    "default_context", "set_default_context", "default_dtype", "default_rtols", "default_atols",
    "default_numeric_eps", "get_tolerance", "get_tols", "get_rtol", "get_atol", "get_etol",
    "same", "almost_equal", "assert_almost_equal", "assert_allclose", "assert_exception",
    "random_arrays", "rand_ndarray", "rand_shape_2d", "rand_shape_3d", "rand_shape_nd",
    "check_numeric_gradient", "check_symbolic_forward", "check_symbolic_backward",
    "check_consistency", "environment", "DummyIter", "download", "get_mnist", "list_gpus",
    "NoNetworkError", "assert_almost_equal_ignore_nan", "np_reduce", "retry", "same_array",
    "simple_forward", "random_uniform_arrays", "effective_dtype",
    # MXNet's test_utils has no __all__: test files rely on ``from mxnet.test_utils import *``
    # bringing numpy and mxnet along.
    "np", "mx",
]


def default_context() -> Context:
    """The context tests run on (the current one)."""
    return current_context()


def set_default_context(ctx: Context) -> None:
    """Make ``ctx`` the context arrays are created on when none is given."""
    Context._default = ctx


def default_dtype() -> type:
    return np.float32


def default_rtols() -> dict:
    """Relative tolerance per dtype, as MXNet's (0 for integer and boolean types)."""
    exact = {np.dtype(t): 0 for t in (np.bool_, np.int8, np.uint8, np.int32, np.uint32,
                                      np.int64, np.uint64)}
    return {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 1e-4,
            np.dtype(np.float64): 1e-5, **exact}


def default_atols() -> dict:
    """Absolute tolerance per dtype, as MXNet's."""
    exact = {np.dtype(t): 0 for t in (np.bool_, np.int8, np.uint8, np.int32, np.uint32,
                                      np.int64, np.uint64)}
    return {np.dtype(np.float16): 1e-1, np.dtype(np.float32): 1e-3,
            np.dtype(np.float64): 1e-20, **exact}


def default_numeric_eps() -> dict:
    """Finite-difference step per dtype, as MXNet's."""
    return {np.dtype(np.float16): 1.0 / 2**6, np.dtype(np.float32): 1.0 / 2**9,
            np.dtype(np.float64): 1.0 / 2**14}


def get_tolerance(dat: Any, tol: Any, default_tol: dict) -> float:
    """``tol`` when it is a number, else its (or the default's) entry for ``dat``'s dtype."""
    if isinstance(tol, numbers.Number):
        return tol
    dtype = np.dtype(getattr(dat, "dtype", np.asarray(dat).dtype))
    return (tol or {}).get(dtype, default_tol.get(dtype, 0))


def get_tols(x: Any, y: Any, rtol: Any, atol: Any) -> tuple[float, float]:
    """(rtol, atol) for comparing ``x`` and ``y``: the looser of the two dtypes' tolerances."""
    if isinstance(x, numbers.Number):
        x = np.asarray(x)
    if isinstance(y, numbers.Number):
        y = np.asarray(y)
    return (max(get_tolerance(x, rtol, default_rtols()), get_tolerance(y, rtol, default_rtols())),
            max(get_tolerance(x, atol, default_atols()), get_tolerance(y, atol, default_atols())))


def get_rtol(rtol: float | None = None, dtype: Any = np.float64) -> float:
    return default_rtols()[np.dtype(dtype)] if rtol is None else rtol


def get_atol(atol: float | None = None, dtype: Any = np.float64) -> float:
    return default_atols()[np.dtype(dtype)] if atol is None else atol


def get_etol(etol: float | None = None) -> float:
    return 0 if etol is None else etol


def _numpy(a: Any) -> np.ndarray:
    return a.asnumpy() if hasattr(a, "asnumpy") else np.asarray(a)


def effective_dtype(dat: Any) -> np.dtype:
    """The dtype whose tolerances apply to ``dat`` (its own: no reduced-precision GPU math)."""
    return np.dtype(dat.dtype)


def same(a: Any, b: Any) -> bool:
    """Whether two arrays have the same shape and values."""
    return bool(np.array_equal(_numpy(a), _numpy(b)))


def _check_shapes(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise AssertionError(f"a.shape = {a.shape} and b.shape = {b.shape} are not equal")


def almost_equal(a: Any, b: Any, rtol: float | None = None, atol: float | None = None,
                 equal_nan: bool = False, use_broadcast: bool = True) -> bool:
    """``|a - b| <= atol + rtol * |b|`` everywhere (defaults: float64's tolerances)."""
    a, b = _numpy(a), _numpy(b)
    if not use_broadcast:
        _check_shapes(a, b)
    return bool(np.allclose(a, b, rtol=get_rtol(rtol), atol=get_atol(atol), equal_nan=equal_nan))


def _max_violation(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> tuple:
    """(index, error / tolerance) of the worst element; a NaN on one side counts as infinite."""
    diff = np.where(np.equal(a, b), 0, np.abs(a - b))
    violation = diff / (atol + rtol * np.abs(b) + 1e-20)
    violation = np.where(np.isnan(violation), np.inf, violation)
    index = np.unravel_index(np.argmax(violation), violation.shape)
    return tuple(int(i) for i in index), float(violation[index])


def assert_almost_equal(a: Any, b: Any, rtol: Any = None, atol: Any = None,
                        names: tuple = ("a", "b"), equal_nan: bool = False,
                        use_broadcast: bool = True, mismatches: tuple = (10, 10)) -> None:
    """Raise an ``AssertionError`` unless ``|a - b| <= atol + rtol * |b|`` everywhere.

    ``rtol``/``atol`` are numbers or dicts dtype -> tolerance; None takes the per-dtype
    defaults (the looser of ``a``'s and ``b``'s dtypes). The message, as MXNet's, gives the
    largest error relative to the tolerance, the share of mismatching elements, the location of
    the largest error with both values (named by ``names``) and both arrays.
    """
    rtol, atol = get_tols(a, b, rtol, atol)
    a, b = _numpy(a), _numpy(b)
    if not use_broadcast:
        _check_shapes(a, b)
    if a.dtype == np.bool_ and b.dtype == np.bool_:
        np.testing.assert_equal(a, b)
        return
    a, b = np.broadcast_arrays(a, b)
    close = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if close.all():
        return
    index, rel = _max_violation(a, b, rtol, atol)
    n_bad = int(np.count_nonzero(~close))
    limit = mismatches[1]
    degree = "at least " if 0 < limit < n_bad else ""
    shown = min(n_bad, limit) if limit > 0 else n_bad
    where = (f"Location of maximum error: {index}, {names[0]}={float(a[index]):.8f}, "
             f"{names[1]}={float(b[index]):.8f}")
    message = (f"Error {rel:f} exceeds tolerance rtol={rtol:e}, atol={atol:e} "
               f"(mismatch {degree}{100 * shown / a.size:f}%).\n{where}")
    with np.printoptions(threshold=4, suppress=True):
        detail = "\n".join(f" {n}: {np.array2string(x)}" for n, x in zip(names, (a, b)))
    raise AssertionError(f"\n{message}\n{detail}")


def assert_almost_equal_ignore_nan(a: Any, b: Any, rtol: Any = None, atol: Any = None,
                                   names: tuple = ("a", "b")) -> None:
    """:func:`assert_almost_equal` on the elements where neither array is NaN."""
    a, b = np.copy(_numpy(a)), np.copy(_numpy(b))
    nan = np.logical_or(np.isnan(a), np.isnan(b))
    a[nan], b[nan] = 0, 0
    assert_almost_equal(a, b, rtol, atol, names)


def same_array(array1: Any, array2: Any) -> bool:
    """Whether two NDArrays share their memory (a write to one shows in the other)."""
    return bool(np.shares_memory(array1._data, array2._data))


def np_reduce(dat: np.ndarray, axis: Any, keepdims: bool, numpy_reduce_func: Any) -> np.ndarray:
    """``numpy_reduce_func`` over ``axis`` (an int, a sequence or None), keeping dims if asked."""
    axes = tuple(range(dat.ndim)) if axis is None else (axis,) if isinstance(axis, int) \
        else tuple(axis)
    return numpy_reduce_func(dat, axis=axes, keepdims=keepdims)


def retry(n: int) -> Any:
    """Decorator: rerun a stochastic test up to ``n`` times until it passes."""
    if n <= 0:
        raise HybridError(f"retry: n must be positive, got {n}")

    def decorate(f: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for i in range(n):
                try:
                    return f(*args, **kwargs)
                except AssertionError:
                    if i == n - 1:
                        raise
            return None

        wrapper.__name__, wrapper.__doc__ = f.__name__, f.__doc__
        return wrapper

    return decorate


def simple_forward(sym: Any, ctx: Any = None, is_train: bool = False, **inputs: Any) -> Any:
    """``sym``'s outputs as numpy arrays for numpy ``inputs`` by name (one array for one
    output)."""
    from . import autograd

    arrays = {k: nd.array(v) for k, v in inputs.items()}
    with autograd.train_mode() if is_train else autograd.predict_mode():
        outs = [o.asnumpy() for o in sym.eval(**arrays)]
    return outs[0] if len(outs) == 1 else outs


def assert_allclose(a: Any, b: Any, rtol: float = 1e-07, atol: float = 0,
                    equal_nan: bool = True) -> None:
    assert_almost_equal(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def assert_exception(f: Any, exception_type: type, *args: Any, **kwargs: Any) -> None:
    """Raise an ``AssertionError`` unless ``f(*args, **kwargs)`` raises ``exception_type``."""
    try:
        f(*args, **kwargs)
    except exception_type:
        return
    raise AssertionError(f"{getattr(f, '__name__', f)} did not raise {exception_type.__name__}")


def random_arrays(*shapes: tuple) -> Any:
    """Standard-normal float32 numpy arrays of the given shapes (one array for one shape)."""
    arrays = [np.asarray(np.random.randn(*s), dtype=default_dtype()) for s in shapes]
    return arrays[0] if len(arrays) == 1 else arrays


def random_uniform_arrays(*shapes: tuple, low: float = 0.0, high: float = 1.0,
                          dtype: Any = np.float32) -> Any:
    """Uniform ``[low, high)`` numpy arrays of the given shapes (one array for one shape)."""
    arrays = [np.random.uniform(low, high, size=s).astype(dtype) for s in shapes]
    return arrays[0] if len(arrays) == 1 else arrays


def rand_ndarray(shape: tuple, stype: str = "default", density: float | None = None,
                 dtype: Any = None, modifier_func: Any = None, shuffle_csr_indices: bool = False,
                 distribution: Any = None, ctx: Context | None = None) -> nd.NDArray:
    """A standard-normal NDArray of ``shape`` (dense storage only)."""
    if stype != "default":
        raise HybridError(f"rand_ndarray: storage type {stype!r} is not supported: hybrid's "
                          "arrays are dense ('default') only")
    return nd.array(random_arrays(shape), ctx=ctx or default_context(), dtype=dtype)


def rand_shape_2d(dim0: int = 10, dim1: int = 10, allow_zero_size: bool = False) -> tuple:
    low = 0 if allow_zero_size else 1
    return np.random.randint(low, dim0 + 1), np.random.randint(low, dim1 + 1)


def rand_shape_3d(dim0: int = 10, dim1: int = 10, dim2: int = 10,
                  allow_zero_size: bool = False) -> tuple:
    low = 0 if allow_zero_size else 1
    return (np.random.randint(low, dim0 + 1), np.random.randint(low, dim1 + 1),
            np.random.randint(low, dim2 + 1))


def rand_shape_nd(num_dim: int, dim: int = 10, allow_zero_size: bool = False) -> tuple:
    low = 0 if allow_zero_size else 1
    return tuple(np.random.randint(low, dim + 1, size=num_dim))


def list_gpus() -> list[int]:
    """The GPU ids: none (hybrid computes on the CPU)."""
    return []


@contextlib.contextmanager
def environment(*args: Any) -> Iterator[None]:
    """Set environment variables inside a ``with`` block (or a decorated function) and restore
    them after: ``environment('NAME', 'value')`` or ``environment({'A': '1', 'B': None})``
    (None unsets)."""
    if len(args) == 1 and isinstance(args[0], dict):
        wanted = dict(args[0])
    elif len(args) == 2:
        wanted = {args[0]: args[1]}
    else:
        raise HybridError("environment: pass a name and a value, or one dict of them")
    saved = {name: os.environ.get(name) for name in wanted}

    def apply(values: dict) -> None:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    apply(wanted)
    try:
        yield
    finally:
        apply(saved)


class DummyIter(DataIter):
    """An iterator that returns the first batch of ``real_iter`` forever (for speed tests)."""

    def __init__(self, real_iter: Any):
        super().__init__(getattr(real_iter, "batch_size", 0))
        self.real_iter = real_iter
        self.provide_data = real_iter.provide_data
        self.provide_label = real_iter.provide_label
        self.the_batch = next(real_iter)

    def __iter__(self) -> DummyIter:
        return self

    def next(self) -> Any:
        return self.the_batch


def download(url: str, fname: str | None = None, dirname: str | None = None,
             overwrite: bool = False, retries: int = 5) -> str:
    """The local copy of ``url`` (``dirname/fname``, by default the URL's file name in the
    current folder). hybrid never downloads: a missing file raises :class:`NoNetworkError`
    saying where to put it."""
    fname = fname or url.split("/")[-1]
    path = os.path.join(dirname, fname) if dirname is not None else fname
    if overwrite:
        raise NoNetworkError(f"download({url!r}, overwrite=True): hybrid does not download files "
                             "(no network access at run time)")
    return require_file(url, path, f"download({url!r})")


_MNIST_URL = "http://data.mxnet.io/data/mnist/"
_MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def _read_idx(path: str, header: int) -> np.ndarray:
    with gzip.open(path) as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def get_mnist() -> dict[str, np.ndarray]:
    """MNIST as MXNet's ``get_mnist`` returns it, read from the four IDX ``.gz`` files in the
    current folder (``train_data``/``test_data`` float32 ``(N, 1, 28, 28)`` in [0, 1],
    ``train_label``/``test_label`` int8). A missing file raises :class:`NoNetworkError` naming
    it and where to put it."""
    paths = [require_file(_MNIST_URL + name, name, "get_mnist()") for name in _MNIST_FILES]
    out = {}
    for part, (images, labels) in (("train", paths[:2]), ("test", paths[2:])):
        label = _read_idx(labels, 8).astype(np.int8)
        image = _read_idx(images, 16).reshape(len(label), 1, 28, 28)
        out[f"{part}_data"] = image.astype(np.float32) / 255
        out[f"{part}_label"] = label
    return out
