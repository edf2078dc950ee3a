"""The ``nd`` namespace: NDArray, and one function per registered op, generated from the
registry.
"""

from __future__ import annotations

from ..serialization import load, save
from . import _internal, contrib, image, linalg, random  # noqa: F401  (submodules, as in MXNet)
from . import namespace as _namespace
from .ndarray import NDArray, array, empty, waitall

__all__ = ["NDArray", "array", "empty", "load", "save", "waitall"]

_namespace.populate(globals(), __all__)
NDArray.__module__ = __name__
