"""MXNet's ``mx.library``: loading C++ extension libraries of custom operators.

hybrid's ops are Python (numpy) declarations, so a compiled MXNet extension (``.so``/``.dll``)
cannot be loaded; write the op as a :class:`hybrid.operator.CustomOp` instead.
"""

from __future__ import annotations

from .base import HybridError

__all__ = ["load"]


def load(path: str, verbose: bool = True) -> None:
    """Raise: hybrid cannot load MXNet C++ extension libraries."""
    raise HybridError(
        f"mx.library.load({path!r}): hybrid cannot load MXNet C++ extension libraries (its ops "
        "run on numpy); port the operator as a Python mx.operator.CustomOp"
    )
