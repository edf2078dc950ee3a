"""The ``sym`` namespace: Symbol, variables, and one function per registered op, generated from
the same registry as ``nd``.
"""

from __future__ import annotations

import sys

from ..base import HybridError
from ..ndarray import contrib as _nd_contrib
from ..ndarray import helpers as _nd_helpers
from ..ndarray.random import Frontend as _Frontend
from . import _internal, contrib, image, linalg, random  # noqa: F401  (submodules, as in MXNet)
from . import control_flow as _flow
from . import namespace as _namespace
from .symbol import Group, Symbol, Variable, load, load_json, var

__all__ = ["Symbol", "var", "Variable", "Group", "load", "load_json"]

_namespace.populate(globals(), __all__)
# linspace, split_v2 and histogram: the nd functions of hybrid/ndarray/helpers.py over Symbols.
_FUNCTIONS = _nd_helpers.functions(_Frontend(Symbol, random._call))
globals().update(_FUNCTIONS)
__all__ += list(_FUNCTIONS)


def reset_arrays(*data, **kwargs):
    """MXNet's in-place zeroing of arrays: it has no graph form, so Symbols raise."""
    raise HybridError("sym.reset_arrays: zeroing arrays in place has no graph form; call "
                    "nd.reset_arrays on NDArrays")


__all__ += ["reset_arrays"]
# sym.contrib's functions composed of the ops above (isnan, rand_zipfian...), as in nd.contrib.
_CONTRIB = _nd_contrib.functions(sys.modules[__name__])
vars(contrib).update(_CONTRIB)
contrib.__all__ += list(_CONTRIB)
# sym.contrib's control flow: one node holding subgraphs (hybrid/symbol/control_flow.py).
vars(contrib).update(foreach=_flow.foreach, while_loop=_flow.while_loop, cond=_flow.cond)
contrib.__all__ += ["foreach", "while_loop", "cond"]


def __getattr__(name: str) -> object:
    # ``F.np`` and ``F.npx`` while tracing: see ``NUMPY_NAMESPACES`` in ``hybrid.ndarray``.
    from .. import ndarray

    return ndarray.__getattr__(name) if name in ndarray.NUMPY_NAMESPACES else _missing(name)


def _missing(name: str) -> object:
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
