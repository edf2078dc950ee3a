"""The ``nd`` functions without the array-kind check, for hybrid's own code.

MXNet's public legacy functions refuse ``np.ndarray`` (see Note [Legacy operators refuse
np.ndarray] in ``namespace.py``), yet hybrid's library runs the same ops on np arrays in numpy
mode: this module is the ``F`` that Gluon hands to ``hybrid_forward`` in numpy mode, and what
losses, optimizers, metrics and initializers call. It is built by the same registry walk as
``nd``, with ``contrib``, ``linalg``, ``image``, ``random`` and ``_internal`` beside the top-level
ops, and ``F.np`` / ``F.npx`` as in MXNet's ``mxnet.ndarray``; other names (``NDArray``,
``array``, ``concatenate``...) are ``nd``'s own.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

from ..ops.registry import REGISTRY, build_function, invoke
from ..util import is_np_array
from . import contrib as _nd_contrib
from . import control_flow as _flow
from . import helpers as _helpers
from . import namespace as _namespace
from . import random as _nd_random
from .ndarray import NDArray

__all__: list[str] = []

# The fluent methods (``x.sum()``) are installed here: they call these unchecked functions, as
# ``np.ndarray`` replaces every legacy method it keeps (``hybrid/numpy/_methods.py``).
_namespace.populate(globals(), __all__, cls=NDArray)


def _creation_call(op: Any, inputs: list, attrs: dict, out: Any, name: Any) -> Any:
    """Ops without array inputs (``F.zeros``, ``F.eye``, ``F.random.uniform``...) make
    ``np.ndarray`` in numpy mode, so the built-in layers' constants meet their np inputs, as
    MXNet's ``F.np.zeros`` would."""
    res = invoke(op, inputs, attrs, out, name)
    if not inputs and out is None and is_np_array():
        for r in res if isinstance(res, (list, tuple)) else (res,):
            r.__class__ = _namespace.numpy_array_type
    return res


for _key, _op in REGISTRY.items():
    if not _op.inputs and not _op.variadic and _key in globals():
        globals()[_key] = build_function(_op, _creation_call)
_FRONTEND = _nd_random.Frontend(NDArray, _creation_call)
FUNCTIONS = _helpers.functions(_FRONTEND)
globals().update(FUNCTIONS)
__all__ += list(FUNCTIONS)


def _subspace(sub: str, extra: dict[str, Any]) -> ModuleType:
    module = ModuleType(f"{__name__}.{sub}")
    module.__all__ = []
    _namespace.populate_subspace(vars(module), module.__all__, sub)
    vars(module).update(extra)
    module.__all__ += list(extra)
    return module


random = _subspace("random", _nd_random.functions(_FRONTEND))
contrib = _subspace("contrib", {
    **_nd_contrib.functions(sys.modules[__name__]), "uniform": random.uniform,
    "foreach": _flow.foreach, "while_loop": _flow.while_loop, "cond": _flow.cond,
})
linalg = _subspace("linalg", {})
image = _subspace("image", {})
_internal = _subspace("_internal", {})


def __getattr__(name: str) -> object:
    from .. import ndarray

    return getattr(ndarray, name)
