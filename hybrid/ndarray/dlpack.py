"""DLPack exchange (MXNet's ``to_dlpack_for_read``, ``to_dlpack_for_write``, ``from_dlpack``).

MXNet hands out a ``dltensor`` capsule; hybrid hands out a :class:`DLPackTensor`, an object with
the DLPack protocol methods (``__dlpack__``, ``__dlpack_device__``) over the array's buffer,
which ``from_dlpack`` here, ``numpy.from_dlpack`` and other frameworks' ``from_dlpack`` accept.
No copy is made either way: the exported tensor and the array imported from it share memory.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["DLPackTensor", "from_dlpack", "to_dlpack_for_read", "to_dlpack_for_write"]


class DLPackTensor:
    """A CPU buffer offered through the DLPack protocol; read-only when exported for reading."""

    def __init__(self, data: np.ndarray):
        self._data = data

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple:
        return self._data.__dlpack_device__()

    def __repr__(self) -> str:
        return f"DLPackTensor(shape={self._data.shape}, dtype={self._data.dtype})"


def to_dlpack_for_read(data: Any) -> DLPackTensor:
    """``data``'s buffer for readers: an import of it cannot write."""
    view = data._data.view()
    view.flags.writeable = False
    return DLPackTensor(view)


def to_dlpack_for_write(data: Any) -> DLPackTensor:
    """``data``'s buffer for writers: writes through an import of it change ``data``."""
    return DLPackTensor(data._data)


def from_dlpack(dlpack: Any) -> Any:
    """An NDArray over the buffer of ``dlpack`` (any object with ``__dlpack__``), shared."""
    from .ndarray import NDArray

    return NDArray._wrap(np.from_dlpack(dlpack))
