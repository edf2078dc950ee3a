"""Gluon helpers, as MXNet 1.9's ``gluon.utils``: splitting batches across contexts, clipping
gradients by their global norm, and ``download`` (which only finds files already on disk: hybrid
never reaches the network at run time).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..base import HybridError, ShapeError
from ..ndarray import NDArray, array
from ..util import is_np_array
from ._np_mode import array_class

__all__ = [
    "split_data", "split_and_load", "clip_global_norm", "check_sha1", "download", "NoNetworkError",
]


def split_data(
    data: NDArray, num_slice: int, batch_axis: int = 0, even_split: bool = True
) -> list[NDArray]:
    """Split ``data`` into ``num_slice`` slices along ``batch_axis``.

    Parameters
    ----------
    data : NDArray
        A batch of data.
    num_slice : int
        Number of slices.
    batch_axis : int, default 0
        The axis to split along.
    even_split : bool, default True
        Whether the batch size must divide evenly; otherwise the first ``size % num_slice``
        slices get one extra sample.

    Returns
    -------
    list of NDArray
        The slices, views of ``data`` (recorded by autograd like any indexing).

    Examples
    --------
    >>> import hybrid as mx
    >>> [s.shape for s in mx.gluon.utils.split_data(mx.nd.zeros((5, 2)), 2, even_split=False)]
    [(3, 2), (2, 2)]
    """
    size = data.shape[batch_axis]
    if size < num_slice:
        raise ShapeError(
            f"split_data: too many slices ({num_slice}) for data with shape {data.shape} "
            f"along axis {batch_axis}"
        )
    if even_split and size % num_slice != 0:
        raise ShapeError(  # a ValueError, as MXNet raises
            f"split_data: data with shape {data.shape} cannot be evenly split into {num_slice} "
            f"slices along axis {batch_axis}. Use a batch size that's a multiple of {num_slice} "
            f"or set even_split=False to allow uneven partitioning of data."
        )
    if num_slice == 1:
        return [data]
    each, extras = divmod(size, num_slice)
    sizes = [each + 1] * extras + [each] * (num_slice - extras)
    bounds = np.cumsum([0] + sizes)
    lead = (slice(None),) * batch_axis
    return [data[lead + (slice(int(a), int(b)),)] for a, b in zip(bounds[:-1], bounds[1:])]


def split_and_load(
    data: Any, ctx_list: Sequence[Any], batch_axis: int = 0, even_split: bool = True
) -> list[NDArray]:
    """Split ``data`` into ``len(ctx_list)`` slices along ``batch_axis`` and load one slice on
    each context. ``data`` may be an NDArray or anything ``nd.array`` accepts (made an
    ``np.ndarray`` in numpy mode).
    """
    if not isinstance(data, NDArray):
        data = array(data, ctx=ctx_list[0])
        if is_np_array():
            data = data.as_np_ndarray()
    if len(ctx_list) == 1:
        return [data.as_in_context(ctx_list[0])]
    slices = split_data(data, len(ctx_list), batch_axis, even_split)
    return [s.as_in_context(ctx) for s, ctx in zip(slices, ctx_list)]


def clip_global_norm(
    arrays: Sequence[NDArray], max_norm: float, check_isfinite: bool = True
) -> float | NDArray:
    """Rescale ``arrays`` in place so that the 2-norm of their concatenation is at most
    ``max_norm``: each is multiplied by ``min(1, max_norm / (total_norm + 1e-8))``.

    Returns the total norm before clipping: a float when ``check_isfinite`` (which also warns
    when the norm is nan or inf, since the clipped values are then undefined), else an NDArray
    of shape ``(1,)``. Typically applied to gradients, outside ``autograd.record()``.
    """
    if not arrays:
        raise HybridError("clip_global_norm: arrays must not be empty")
    dtype = arrays[0]._data.dtype
    total = np.sqrt(sum(np.vdot(a._data, a._data) for a in arrays)).astype(dtype)
    if check_isfinite and not np.isfinite(total):
        warnings.warn(
            UserWarning("nan or inf is detected. Clipping results will be undefined."),
            stacklevel=2,
        )
    scale = min(dtype.type(1.0), dtype.type(max_norm) / (total + dtype.type(1e-8)))
    for a in arrays:
        a._data *= scale
    if check_isfinite:
        return float(total)
    return array_class()._wrap(np.array([total], dtype=dtype))


def check_sha1(filename: str, sha1_hash: str) -> bool:
    """Whether the SHA-1 digest of the file ``filename`` equals ``sha1_hash``."""
    sha1 = hashlib.sha1()
    with open(filename, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha1.update(chunk)
    return sha1.hexdigest() == sha1_hash


class NoNetworkError(HybridError, OSError):
    """A file that MXNet would download: hybrid never downloads; the message says where to put
    it."""


def require_file(url: str, path: str, what: str) -> str:
    """``path`` when it is a file, else a :class:`NoNetworkError` naming ``url`` and ``path``."""
    path = os.path.abspath(os.path.expanduser(path))
    if os.path.isfile(path):
        return path
    raise NoNetworkError(
        f"{what}: {path} does not exist and hybrid does not download files (no network access "
        f"at run time). Fetch {url} yourself and save it as {path}"
    )


def download(url: str, path: str | None = None, overwrite: bool = False,
             sha1_hash: str | None = None, retries: int = 5, verify_ssl: bool = True) -> str:
    """The local copy of ``url``, as MXNet's ``gluon.utils.download`` names it (``path``, a file
    in the folder ``path``, or the URL's file name in the current folder).

    The file must already be there (and match ``sha1_hash`` when given); otherwise this raises
    :class:`NoNetworkError` saying which URL to fetch and where to save it. ``overwrite=True``
    (download again) always raises.
    """
    name = url.split("/")[-1]
    if path is None:
        fname = name
    elif os.path.isdir(os.path.expanduser(path)) or path.endswith(("/", os.sep)):
        fname = os.path.join(path, name)
    else:
        fname = path
    if overwrite:
        raise NoNetworkError(f"download({url!r}, overwrite=True): hybrid does not download files "
                             "(no network access at run time)")
    fname = require_file(url, fname, f"download({url!r})")
    if sha1_hash and not check_sha1(fname, sha1_hash):
        raise NoNetworkError(f"download({url!r}): {fname} exists but its SHA-1 is not "
                             f"{sha1_hash}; replace it with the file from {url}")
    return fname
