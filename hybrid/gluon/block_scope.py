"""Block naming scopes and forward-hook handles.

Note [Block names]
------------------
A block's ``prefix`` names its parameters (``dense0_weight``). Outside any ``name_scope()`` the
prefix comes from the current :class:`hybrid.name.NameManager`, a counter per block kind
(``dense0_``, ``dense1_`` ...; a fresh ``NameManager`` scope restarts the counters). Inside a
parent's ``with self.name_scope():`` each kind counts from 0 again under the parent's prefix
(``net0_dense0_``). Saved parameter files use structural names instead (``fc1.weight``,
``0.bias``: attribute names or positions of children), which do not depend on these counters.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..name import NameManager
from .parameter import ParameterDict

if TYPE_CHECKING:
    from .block import Block

__all__ = ["HookHandle", "BlockScope", "indent"]


class BlockScope:
    """The ``name_scope()`` of a block: children created inside get prefixes under its own."""

    _current = threading.local()

    def __init__(self, block: Block):
        self._block = block
        self._names = NameManager()
        self._old_scope: BlockScope | None = None

    @staticmethod
    def create(prefix: str | None, params: ParameterDict | None, hint: str) -> tuple:
        """The prefix and ParameterDict of a new block (see Note [Block names])."""
        current = getattr(BlockScope._current, "value", None)
        if current is None:
            if prefix is None:
                prefix = NameManager.current().get(None, hint) + "_"
            params = (
                ParameterDict(prefix) if params is None else ParameterDict(params.prefix, params)
            )
            return prefix, params
        if prefix is None:
            prefix = current._names.get(None, hint) + "_"
        if params is None:
            parent = current._block.params
            params = ParameterDict(parent.prefix + prefix, parent._shared)
        else:
            params = ParameterDict(params.prefix, params)
        return current._block.prefix + prefix, params

    def __enter__(self) -> BlockScope:
        if self._block._empty_prefix:
            return self
        self._old_scope = getattr(BlockScope._current, "value", None)
        BlockScope._current.value = self
        return self

    def __exit__(self, *exc: object) -> None:
        if self._block._empty_prefix:
            return
        BlockScope._current.value = self._old_scope


class HookHandle:
    """Returned by ``register_forward_hook``; ``detach()`` removes the hook (also a context
    manager).
    """

    _next_id = 0

    def __init__(self, hooks: OrderedDict, hook: Callable) -> None:
        self._hooks_ref = weakref.ref(hooks)
        self._id = HookHandle._next_id
        HookHandle._next_id += 1
        hooks[self._id] = hook

    def detach(self) -> None:
        hooks = self._hooks_ref()
        if hooks is not None:
            hooks.pop(self._id, None)

    def __enter__(self) -> HookHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.detach()


def indent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    return "\n".join([lines[0]] + [" " * spaces + line for line in lines[1:]])
