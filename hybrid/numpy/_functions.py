"""The ``mx.np`` functions and constants beyond the core (``_core``, ``_creation``,
``_manip``), gathered from their modules by concept. A name the core defines stays the core's.
"""

from __future__ import annotations

from . import (
    _arrange,
    _constants,
    _core,
    _creation,
    _fallback,
    _manip,
    _math,
    _misc,
    _products,
    _shape_ops,
    _stats,
)

_CORE = {*_core.__all__, *_creation.__all__, *_manip.__all__}
_MODULES = (_fallback, _math, _shape_ops, _arrange, _stats, _products, _misc, _constants)

__all__ = sorted({n for m in _MODULES for n in m.__all__} - _CORE)
globals().update({n: getattr(m, n) for m in _MODULES for n in m.__all__ if n in __all__})
