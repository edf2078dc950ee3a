"""``nd._internal``: MXNet's underscore-named ops (``F._internal._plus``), generated from the
op registry.
"""

from __future__ import annotations

from . import namespace as _namespace

__all__: list[str] = []

_namespace.populate_subspace(globals(), __all__, "_internal", checked="nd")
