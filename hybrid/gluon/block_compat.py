"""MXNet 1.x Block behaviours kept for old code: ``register_op_hook`` (a callback on every op of
a hybridized block's graph) and the warning about Blocks held in plain lists, tuples and dicts.
The deprecated ``save_params``/``load_params`` live with the other parameter files in
``block_io.py``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any


class BlockCompat:
    """Mixed into :class:`hybrid.gluon.Block`."""

    def register_op_hook(
        self, callback: Callable[[bytes, bytes, Any], None], monitor_all: bool = False
    ) -> None:
        """Call ``callback(node_name, op_name, array)`` after every op a hybridized block runs:
        for each output (``<node>_output``) and, with ``monitor_all``, first for each input
        (``<node>_<input name>``). Names are bytes, as MXNet's C callback passes them
        (``mx.base.py_str`` decodes them); ``array`` is the NDArray itself. A block that is
        not hybridized runs no graph and calls nothing, as in MXNet.
        """
        for child in self._children.values():
            child.register_op_hook(callback, monitor_all)
        if hasattr(self, "_cached_op"):  # a HybridBlock
            self.__dict__["_op_hook"] = (callback, monitor_all)


def warn_unregistered_containers(block: Any) -> None:
    """Warn, as MXNet's ``collect_params`` does, about list, tuple or dict attributes holding
    Blocks that are not registered children (their parameters would be missed).
    """
    children = {id(c) for c in block._children.values()}

    def unregistered(data: Any) -> bool:
        if isinstance(data, (list, tuple)):
            return any(unregistered(d) for d in data)
        if isinstance(data, dict):
            return any(unregistered(d) for d in data.values())
        return hasattr(data, "_children") and id(data) not in children

    for name, value in block.__dict__.items():
        if name.startswith("__") or name == "_children":
            continue
        if isinstance(value, (list, tuple, dict)) and unregistered(value):
            warnings.warn(
                f'"{name}" is an unregistered container with Blocks. Note that Blocks inside the '
                "list, tuple or dict will not be registered automatically. Make sure to register "
                "them using register_child() or switching to nn.Sequential/nn.HybridSequential "
                "instead.",
                stacklevel=3,
            )
