"""``sym.contrib``: contributed ops, generated from the op registry
(``_contrib_name`` registry keys, as MXNet names them).
"""

from __future__ import annotations

from ..context import current_context
from . import namespace as _namespace
from . import random as _random

__all__: list[str] = ["current_context", "uniform"]

uniform = _random.uniform

_namespace.populate_subspace(globals(), __all__, "contrib")
