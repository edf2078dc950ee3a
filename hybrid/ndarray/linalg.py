"""``nd.linalg``: linear algebra ops, generated from the op registry
(``_linalg_name`` registry keys, as MXNet names them).
"""

from __future__ import annotations

from . import namespace as _namespace

__all__: list[str] = []

_namespace.populate_subspace(globals(), __all__, "linalg", checked="nd")
