"""Container layers: Sequential and HybridSequential run their children in order; Concatenate and
HybridConcatenate run each child on the same input and join the outputs (MXNet 1.9 ``gluon.nn``).
"""

from __future__ import annotations

import warnings
from typing import Any

from ... import ndarray
from ..block import Block, HybridBlock
from ..block_scope import indent

__all__ = [
    "Sequential",
    "HybridSequential",
    "Concatenate",
    "HybridConcatenate",
    "Concurrent",
    "HybridConcurrent",
]


def _repr_children(block: Block) -> str:
    lines = [f"  ({key}): {indent(repr(child), 2)}" for key, child in block._children.items()]
    return "{}(\n{}\n)".format(type(block).__name__, "\n".join(lines))


def _run_in_sequence(children: Any, x: Any, args: tuple) -> Any:
    """Feed each child the previous one's output; a tuple output spreads over the arguments."""
    for block in children:
        x = block(x, *args)
        args = ()
        if isinstance(x, (tuple, list)):
            args, x = tuple(x[1:]), x[0]
    return (x, *args) if args else x


class _SequenceMixin:
    """Shared container behaviour of Sequential and HybridSequential."""

    def add(self, *blocks: Block) -> None:
        """Append blocks; they run in order."""
        for block in blocks:
            self.register_child(block)

    def __repr__(self) -> str:
        return _repr_children(self)

    def __getitem__(self, key: int | slice) -> Block:
        layers = list(self._children.values())[key]
        if not isinstance(key, slice):
            return layers
        net = type(self)(prefix=self._prefix)
        with net.name_scope():
            net.add(*layers)
        return net

    def __len__(self) -> int:
        return len(self._children)


class Sequential(_SequenceMixin, Block):
    """Stacks Blocks sequentially.

    Examples
    --------
    >>> import hybrid as mx
    >>> net = mx.gluon.nn.Sequential()
    >>> with net.name_scope():
    ...     net.add(mx.gluon.nn.Dense(4, activation='relu'), mx.gluon.nn.Dense(2))
    >>> net.initialize()
    >>> net(mx.nd.ones((3, 5))).shape
    (3, 2)
    """

    def forward(self, x: Any, *args: Any) -> Any:
        return _run_in_sequence(self._children.values(), x, args)

    def hybridize(self, active: bool = True, **kwargs: Any) -> None:
        children = list(self._children.values())
        if children and all(isinstance(c, HybridBlock) for c in children):
            warnings.warn(
                f"All children of this Sequential layer '{self.prefix}' are HybridBlocks. "
                "Consider using HybridSequential for the best performance.",
                stacklevel=2,
            )
        super().hybridize(active, **kwargs)


class HybridSequential(_SequenceMixin, HybridBlock):
    """Stacks HybridBlocks sequentially; hybridizes as one graph."""

    def hybrid_forward(self, F: Any, x: Any, *args: Any) -> Any:
        return _run_in_sequence(self._children.values(), x, args)


class Concatenate(Sequential):
    """Runs every child on the same input and concatenates their outputs along ``axis``.

    Parameters
    ----------
    axis : int, default -1
    """

    def __init__(self, axis: int = -1, prefix: str | None = None, params: Any = None):
        super().__init__(prefix=prefix, params=params)
        self.axis = axis

    def forward(self, x: Any) -> Any:
        outs = [block(x) for block in self._children.values()]
        return ndarray.unchecked.concat(*outs, dim=self.axis)  # nd or np arrays


class HybridConcatenate(HybridSequential):
    """Hybridizable :class:`Concatenate`.

    Parameters
    ----------
    axis : int, default -1
    """

    def __init__(self, axis: int = -1, prefix: str | None = None, params: Any = None):
        super().__init__(prefix=prefix, params=params)
        self.axis = axis

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.concat(*[block(x) for block in self._children.values()], dim=self.axis)


# MXNet 1.x spells these gluon.contrib.nn.Concurrent / HybridConcurrent.
Concurrent = Concatenate
HybridConcurrent = HybridConcatenate
