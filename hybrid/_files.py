"""Files hybrid writes and reads: atomic replacement (readers see the old file or the new one,
never half of it), the mode a new file gets, and the error of an array file that cannot be
written or read. Below both array file formats: :mod:`hybrid.serialization` (hybrid's ``.npz``)
and :mod:`hybrid.mxnet_format` (MXNet's NDArray lists).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import BinaryIO

from .base import FileFormatError

__all__ = ["ParameterFileError", "new_file_mode", "write_atomic"]


class ParameterFileError(FileFormatError):
    """A file that cannot be written or read as a hybrid array file; the message names it."""


def write_atomic(fname: str | os.PathLike, payload: bytes | Callable[[BinaryIO], None]) -> None:
    """Write ``payload`` (bytes, or a function writing to a binary file) to ``fname`` through a
    temporary file in the same folder and ``os.replace``: readers see the old file or the new one.
    """
    directory = os.path.dirname(os.path.abspath(fname))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        os.fchmod(fd, new_file_mode())  # mkstemp makes 0600; a saved file follows the umask
        with os.fdopen(fd, "wb") as f:
            if callable(payload):
                payload(f)
            else:
                f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, fname)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def new_file_mode() -> int:
    """The mode ``open()`` gives a new file: 0o666 less the process umask."""
    try:
        with open("/proc/self/status") as f:  # reading it, unlike os.umask, changes nothing
            umask = next(int(line.split()[1], 8) for line in f if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError):
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask
