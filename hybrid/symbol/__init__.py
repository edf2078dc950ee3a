"""The ``sym`` namespace: Symbol, variables, and one function per registered op, generated from
the same registry as ``nd``.
"""

from __future__ import annotations

from . import _internal, contrib, image, linalg, random  # noqa: F401  (submodules, as in MXNet)
from . import namespace as _namespace
from .symbol import Group, Symbol, Variable, load, load_json, var

__all__ = ["Symbol", "var", "Variable", "Group", "load", "load_json"]

_namespace.populate(globals(), __all__)
