"""``mx.np``: MXNet's NumPy-compatible interface, on the same op registry as ``nd`` and ``sym``.

``np.ndarray`` subclasses ``nd.NDArray`` and shares its buffer and autograd tape; every function
is a registered op or a composition of registered ops run through ``_dispatch.call``.
"""

from __future__ import annotations

# Importing _indexing, _methods and _operators installs ndarray's indexing and operators.
from . import _indexing, _methods, _operators, linalg, random  # noqa: F401
from ._core import *  # noqa: F403
from ._core import __all__ as _core_all
from ._creation import *  # noqa: F403
from ._creation import __all__ as _creation_all
from ._dispatch import asarray_like, call  # noqa: F401  (the helpers np functions build on)
from ._functions import *  # noqa: F403
from ._functions import __all__ as _functions_all
from ._manip import *  # noqa: F403
from ._manip import __all__ as _manip_all
from .ndarray import ndarray

__all__ = [
    "ndarray", *_core_all, *_creation_all, *_manip_all, *_functions_all, "linalg", "random",
]
_methods.install()
ndarray.__module__ = __name__
