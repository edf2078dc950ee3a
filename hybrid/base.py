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
]


class HybridError(Exception):
    """Base class of every error hybrid raises on purpose."""


# Ported scripts catch ``mx.base.MXNetError``; it is hybrid's error class under MXNet's name.
MXNetError = HybridError


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
numeric_types = (int, float, np.integer, np.floating, bool, np.bool_)
# MXNet's Python 2/3 compatibility names, which library code still imports from ``mxnet.base``.
integer_types = (int, np.int32, np.int64)
string_types = (str,)


def py_str(raw: bytes) -> str:
    """Bytes from a C string as ``str`` (UTF-8), as ``mxnet.base.py_str`` does."""
    return raw.decode("utf-8")


def data_dir() -> str:
    """Where data sets and model files live: ``$MXNET_HOME``, else ``~/.mxnet`` (as in MXNet)."""
    return os.environ.get("MXNET_HOME", os.path.join("~", ".mxnet"))
