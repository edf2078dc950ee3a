"""Name-to-class tables behind MXNet's ``create('name')`` factories (metrics, initializers,
optimizers): one lookup rule and one error message for all of them.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import HybridError

__all__ = ["ClassRegistry", "for_base"]

# Each registry by the family base class it checks, so MXNet's ``mx.registry`` helpers for, say,
# ``mx.init.Initializer`` fill and read the same table as ``mx.init.register``.
_BY_BASE: dict[type, ClassRegistry] = {}


class ClassRegistry:
    """Classes of one kind registered under their lowercased names and aliases.

    Parameters
    ----------
    kind : str
        What the classes are ("metric", "initializer", ...), used in error messages.
    table : dict, optional
        The dict to fill; a class may expose it (MXNet's ``Optimizer.opt_registry``).
    """

    def __init__(self, kind: str, table: dict[str, type] | None = None):
        self.kind = kind
        self.table: dict[str, type] = {} if table is None else table

    def register(self, klass: type, base: type | None = None) -> type:
        """Add ``klass`` under its lowercased class name; ``base`` checks its family."""
        if base is not None:
            self.check(klass, base)
            _BY_BASE.setdefault(base, self)
        self.table[klass.__name__.lower()] = klass
        return klass

    def check(self, klass: type, base: type) -> None:
        """Raise unless ``klass`` is a subclass of ``base``."""
        if not (isinstance(klass, type) and issubclass(klass, base)):
            raise HybridError(f"{self.kind}.register: {klass!r} is not a {base.__name__} subclass")

    def alias(self, *names: str) -> Callable[[type], type]:
        """A class decorator adding more names for the class."""

        def decorate(klass: type) -> type:
            for name in names:
                self.table[name.lower()] = klass
            return klass

        return decorate

    def get(self, name: str) -> type:
        """The class registered as ``name`` (case-insensitive); the error lists the known names."""
        klass = self.table.get(str(name).lower())
        if klass is None:
            raise HybridError(
                f"{self.kind}: unknown {self.kind} {name!r}; known: {sorted(self.table)}"
            )
        return klass


def for_base(base: type, kind: str) -> ClassRegistry:
    """The registry of ``base``'s family (a new, empty one the first time ``base`` is seen)."""
    registry = _BY_BASE.get(base)
    if registry is None:
        registry = _BY_BASE[base] = ClassRegistry(kind)
    return registry
