"""The ``nd`` namespace: NDArray, and one function per registered op, generated from the
registry.
"""

from __future__ import annotations

from . import namespace as _namespace
from .ndarray import NDArray, array, empty

__all__ = ["NDArray", "array", "empty"]

_namespace.populate(globals(), __all__)
