"""Variables, the graph's named inputs: ``sym.var``/``sym.Variable`` and the variables an op
call makes for the inputs it leaves out (MXNet's ``fc1_weight``).
"""

from __future__ import annotations

from typing import Any

from ..attribute import AttrScope
from ..base import HybridError
from ..graph.ir import variable
from .symbol import Symbol

# Attribute keys MXNet stores as ``__key__`` (its C API's hidden keys).
_HIDDEN_KEYS = ("ctx_group", "lr_mult", "wd_mult", "force_mirroring", "mirror_stage",
                "profiler_scope")


def _hidden(key: str) -> str:
    return f"__{key}__" if key in _HIDDEN_KEYS else key


def _own_variables(op: Any, given: int, attrs: dict, name: str) -> list[Symbol]:
    """Variables ``{name}_{input}`` for the inputs an op call left out, as MXNet makes them
    (``sym.FullyConnected(x, num_hidden=10, name='fc1')`` reads ``fc1_weight`` and
    ``fc1_bias``); which inputs exist depends on attributes (see ``Op.arguments``). Some get
    MXNet's initializer attribute (``Op.input_inits``).
    """
    if op.variadic:
        return []
    return [
        var(f"{name}_{arg}", init=op.input_inits.get(arg))
        for arg in op.arguments(attrs)[given:]
    ]


def var(
    name: str,
    attr: dict | None = None,
    shape: Any = None,
    lr_mult: float | None = None,
    wd_mult: float | None = None,
    dtype: Any = None,
    init: Any = None,
    stype: str | None = None,
    **kwargs: Any,
) -> Symbol:
    """A variable (graph input) named ``name``, optionally with a (partly known) shape."""
    if not isinstance(name, str):
        raise HybridError(f"var: name must be a string, got {type(name).__name__}")
    # The attributes of enclosing ``with AttrScope(...)`` blocks, overridden by ``attr``.
    attrs = {_hidden(k): v for k, v in AttrScope.current_scope().get(attr).items()}
    for key, value in (("__lr_mult__", lr_mult), ("__wd_mult__", wd_mult)):
        if value is not None:
            attrs[key] = float(value)
    if init is not None:
        attrs["__init__"] = init if isinstance(init, str) else init.dumps()
    if stype is not None:  # MXNet records the storage type's id; hybrid computes densely
        from ..ndarray.ndarray import _STORAGE_TYPE_STR_TO_ID as ids

        if stype not in ("default", "row_sparse", "csr"):
            raise HybridError(f"var: stype must be 'default', 'row_sparse' or 'csr', got {stype!r}")
        attrs["__storage_type__"] = str(ids[stype])
    attrs.update({f"__{k}__": v for k, v in kwargs.items()})
    return Symbol([variable(name, shape, dtype, attrs)])


Variable = var
