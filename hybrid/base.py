"""Errors and small shared definitions used across hybrid."""

from __future__ import annotations

import os

import numpy as np

__all__ = [
    "HybridError",
    "MXNetError",
    "FileFormatError",
    "ShapeError",
    "AttrError",
    "data_dir",
    "default_dtype",
    "numeric_types",
    "integer_types",
    "string_types",
    "py_str",
    "data_dir_default",
    "classproperty",
    "with_metaclass",
    "NotImplementedForSymbol",
    "NotSupportedForSparseNDArray",
    "mx_real_t",
    "check_call",
    "ArrayKindError",
    "numpy_array_expected",
    "legacy_array_expected",
]


class HybridError(Exception):
    """Base class of every error hybrid raises on purpose."""


# Ported scripts catch ``mx.base.MXNetError``; it is hybrid's error class under MXNet's name.
MXNetError = HybridError


class _FunctionError(HybridError):
    """A function that cannot run on some kind of array, named as MXNet's errors name it: by
    ``function`` (a callable or its name) and its ``alias``.
    """

    _cannot = ""  # how the message ends

    def __init__(self, function: object, alias: str | None, *args: object):
        super().__init__()
        self.function = getattr(function, "__name__", str(function))
        self.alias = alias

    def __str__(self) -> str:
        name = self.alias or self.function
        return f"Function {name} (namely operator {self.function}) {self._cannot}"


class NotImplementedForSymbol(_FunctionError):
    """An NDArray-only function called on a Symbol (MXNet's error of the same name)."""

    _cannot = "is not implemented for Symbol"


class NotSupportedForSparseNDArray(_FunctionError):
    """A function that hybrid's dense-only arrays cannot run on sparse storage."""

    _cannot = "is not supported for SparseNDArray"


class FileFormatError(HybridError, ValueError):
    """A file that cannot be read as the format its loader expects: missing, empty, truncated,
    corrupted, inflating beyond the loaders' cap, or describing something hybrid cannot build.

    Every file loader raises it, whatever is wrong with the bytes, and its message names the
    file: ``nd.load`` (hybrid's ``.npz`` files and MXNet's NDArray files, as its subclass
    :class:`hybrid.serialization.ParameterFileError`), ``sym.load`` (hybrid's and MXNet's graph
    JSON) and ``hybrid.export.from_onnx`` given a path.
    """


class ShapeError(HybridError, ValueError):
    """Inputs whose shapes or dtypes do not fit the op or block; the message names it."""


class AttrError(HybridError, ValueError):
    """An op attribute that is unknown, missing or out of range."""


# MXNet's default dtype: arrays made without an explicit dtype are float32.
default_dtype = np.dtype(np.float32)
mx_real_t = np.float32
numeric_types = (int, float, np.integer, np.floating, bool, np.bool_)
# MXNet's Python 2/3 compatibility names, which library code still imports from ``mxnet.base``.
integer_types = (int, np.int32, np.int64)
string_types = (str,)


def py_str(raw: bytes) -> str:
    """Bytes from a C string as ``str`` (UTF-8), as ``mxnet.base.py_str`` does."""
    return raw.decode("utf-8")


def _as_list(obj: object) -> list:
    """``obj`` if it is a list, its items if a tuple, else ``[obj]`` (MXNet's helper)."""
    if isinstance(obj, list):
        return obj
    return list(obj) if isinstance(obj, tuple) else [obj]


class _NullType:
    """The "argument not given" marker of MXNet's generated functions (``mx.base._Null``)."""

    def __repr__(self) -> str:
        return "_Null"


_Null = _NullType()


class classproperty:  # noqa: N801 - MXNet's name
    """A read-only property of the class itself (``@classproperty def x(cls)``)."""

    def __init__(self, fget: object):
        self.fget = fget

    def __get__(self, obj: object, owner: type) -> object:
        return self.fget(owner)


def with_metaclass(meta: type, *bases: type) -> type:
    """A base class made with metaclass ``meta`` (MXNet's Python 2/3 helper)."""
    return meta("_WithMetaclass", bases or (object,), {})


def data_dir_default() -> str:
    """``~/.mxnet``, MXNet's default data folder (``data_dir()`` honours ``$MXNET_HOME``)."""
    return os.path.join("~", ".mxnet")


def data_dir() -> str:
    """Where data sets and model files live: ``$MXNET_HOME``, else ``~/.mxnet`` (as in MXNet)."""
    return os.environ.get("MXNET_HOME", data_dir_default())


def check_call(ret: int) -> None:
    """MXNet's check of a C API return code: non-zero is an error. hybrid has no C API; the
    helper is kept for code that wraps its own calls with it."""
    if ret != 0:
        raise MXNetError(f"C API call failed with return code {ret}")


class ArrayKindError(HybridError, TypeError):
    """A legacy ``nd.NDArray`` where numpy mode wants ``np.ndarray``, or the reverse (MXNet
    raises TypeError with the advice kept in :func:`numpy_array_expected`)."""


def numpy_array_expected(where: str) -> ArrayKindError:
    """MXNet's error for a legacy ndarray given to a numpy-mode operator or block."""
    return ArrayKindError(
        f"{where}: this is a numpy operator which can only accept MXNet numpy ndarrays, while "
        "received a legacy ndarray. Please ensure that you have activated numpy semantics by "
        "calling `npx.set_np()` in your code. If you still see this error with numpy semantics "
        "activated, please call `as_np_ndarray()` upon the legacy ndarray to convert it to an "
        "MXNet numpy ndarray, and then feed the converted array to this operator."
    )


def legacy_array_expected(where: str) -> ArrayKindError:
    """MXNet's error for an ``np.ndarray`` given to a legacy (non-numpy-mode) operator or block."""
    return ArrayKindError(
        f"{where}: this is a legacy operator which can only accept legacy ndarrays, while "
        "received an MXNet numpy ndarray. Please call `as_nd_ndarray()` upon the numpy ndarray "
        "to convert it to a legacy ndarray, and then feed the converted array to this operator."
    )
