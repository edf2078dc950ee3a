"""The ``nd`` namespace: NDArray, and one function per registered op, generated from the
registry.
"""

from __future__ import annotations

from ..serialization import load, save
from . import namespace as _namespace
from . import random  # noqa: F401  (the nd.random submodule, as in MXNet)
from .ndarray import NDArray, array, empty, waitall

__all__ = ["NDArray", "array", "empty", "load", "save", "waitall"]

_namespace.populate(globals(), __all__)
NDArray.__module__ = __name__
