"""The ``nd`` namespace: NDArray, and one function per registered op, generated from the
registry.
"""

from __future__ import annotations

import sys

from ..serialization import load, save

# Submodules as in MXNet, and hybrid's ``unchecked`` (Note [Legacy operators refuse np.ndarray]).
from . import _internal, contrib, image, linalg, random, sparse, unchecked  # noqa: F401
from . import control_flow as _flow
from . import helpers as _helpers
from . import namespace as _namespace
from .cached_op import CachedOp
from .dlpack import from_dlpack, to_dlpack_for_read, to_dlpack_for_write
from .helpers import (  # noqa: F401  (MXNet's Python-level nd functions)
    concatenate,
    from_numpy,
    get_indexing_dispatch_code,
    get_oshape_of_gather_nd_op,
    indexing_key_expand_implicit_axes,
    load_frombuffer,
    moveaxis,
    onehot_encode,
    reset_arrays,
)
from .legacy_image import imdecode
from .ndarray import NDArray, array, empty, waitall

__all__ = [
    "NDArray", "CachedOp", "array", "empty", "imdecode", "load", "save", "waitall",
    "from_dlpack", "to_dlpack_for_read", "to_dlpack_for_write",
]

_namespace.populate(globals(), __all__, cls=None, checked="nd")
# MXNet's Python-level nd functions (hybrid/ndarray/helpers.py), after the ops they call.
_FUNCTIONS = _helpers.functions(random.Frontend(NDArray, _namespace.legacy_call("nd")))
globals().update(_FUNCTIONS)
# x.split_v2(...) is MXNet's fluent form of the Python-level split_v2.
NDArray.split_v2 = _namespace._fluent(unchecked.FUNCTIONS["split_v2"])
NDArray._basic_indexing_slice_is_contiguous = staticmethod(
    _helpers.basic_indexing_slice_is_contiguous
)
NDArray.to_dlpack_for_read = to_dlpack_for_read
NDArray.to_dlpack_for_write = to_dlpack_for_write
__all__ += [*_FUNCTIONS, *_helpers.__all__]
NDArray.__module__ = __name__
# nd.contrib's functions composed of the ops above (isnan, rand_zipfian...).
_CONTRIB = contrib.functions(sys.modules[__name__])
vars(contrib).update(_CONTRIB)
contrib.__all__ += list(_CONTRIB)
# nd.contrib's control flow: Python loops over eager calls (hybrid/ndarray/control_flow.py).
vars(contrib).update(foreach=_flow.foreach, while_loop=_flow.while_loop, cond=_flow.cond)
contrib.__all__ += ["foreach", "while_loop", "cond"]


# ``F.np`` and ``F.npx`` inside hybrid_forward (MXNet's ``mx.nd.np``, ``mx.nd.npx``): the np and
# npx functions take np.ndarray and Symbols alike, so ``nd`` and ``sym`` name the same modules.
NUMPY_NAMESPACES = {"np": "numpy", "numpy": "numpy", "npx": "npx", "numpy_extension": "npx"}


def __getattr__(name: str) -> object:
    if name in NUMPY_NAMESPACES:
        import importlib

        return importlib.import_module("hybrid." + NUMPY_NAMESPACES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
