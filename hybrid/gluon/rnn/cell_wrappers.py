"""Cells built from other cells (MXNet 1.9 ``gluon.rnn``): stacks, dropout between steps,
zoneout, residual connections and bidirectional unrolling.
"""

from __future__ import annotations

from typing import Any

from ...base import HybridError
from ._util import format_sequence, get_begin_state, mask_sequence, reverse_sequences
from .rnn_cell import HybridRecurrentCell, RecurrentCell

__all__ = [
    "SequentialRNNCell",
    "HybridSequentialRNNCell",
    "DropoutCell",
    "ModifierCell",
    "ZoneoutCell",
    "ResidualCell",
    "BidirectionalCell",
]


def _tensor(x: Any) -> bool:
    return not isinstance(x, (list, tuple))


def _children_state_info(cells: Any, batch_size: int) -> list:
    return [info for c in cells for info in c.state_info(batch_size)]


def _children_begin_state(cells: Any, **kwargs: Any) -> list:
    return [s for c in cells for s in c.begin_state(**kwargs)]


class _StackMixin:
    """What SequentialRNNCell and HybridSequentialRNNCell share: a step feeds each cell the
    previous one's output and its own slice of the states.
    """

    def add(self, cell: RecurrentCell) -> None:
        """Append a cell to the stack."""
        self.register_child(cell)

    def __repr__(self) -> str:
        lines = [f"({i}): " + repr(m).replace("\n", "\n  ") for i, m in self._children.items()]
        return "{}(\n{}\n)".format(type(self).__name__, "\n".join(lines))

    def __getitem__(self, i: int) -> RecurrentCell:
        return self._children[str(i)]

    def __len__(self) -> int:
        return len(self._children)

    def state_info(self, batch_size: int = 0) -> list:
        return _children_state_info(self._children.values(), batch_size)

    def begin_state(self, **kwargs: Any) -> list:
        if self._modified:
            raise HybridError(f"{self.name}: call the modifier cell, not the modified one")
        return _children_begin_state(self._children.values(), **kwargs)

    def hybrid_forward(self, F: Any, inputs: Any, states: list) -> Any:
        next_states, p = [], 0
        for cell in self._children.values():
            if isinstance(cell, BidirectionalCell):
                raise HybridError(f"{self.name}: a BidirectionalCell cannot be stepped; use unroll")
            n = len(cell.state_info())
            inputs, state = cell(inputs, states[p : p + n])
            p += n
            next_states.extend(state)
        return inputs, next_states

    def unroll(
        self,
        length: int,
        inputs: Any,
        begin_state: Any = None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
        valid_length: Any = None,
    ) -> tuple:
        self.reset()
        inputs, _, F, batch = format_sequence(length, inputs, layout, None)
        begin_state = get_begin_state(self, F, begin_state, batch)
        cells = list(self._children.values())
        p, next_states = 0, []
        for i, cell in enumerate(cells):
            n = len(cell.state_info())
            inputs, states = cell.unroll(
                length,
                inputs,
                begin_state[p : p + n],
                layout,
                merge_outputs=None if i < len(cells) - 1 else merge_outputs,
                valid_length=valid_length,
            )
            p += n
            next_states.extend(states)
        return inputs, next_states


class SequentialRNNCell(_StackMixin, RecurrentCell):
    """Stacks recurrent cells: the output of each is the input of the next.

    Examples
    --------
    >>> import hybrid as mx
    >>> from hybrid.gluon import rnn
    >>> stack = rnn.SequentialRNNCell()
    >>> stack.add(rnn.LSTMCell(4))
    >>> stack.add(rnn.GRUCell(3))
    >>> stack.initialize()
    >>> out, states = stack.unroll(5, mx.nd.ones((2, 5, 6)), merge_outputs=True)
    >>> out.shape, [s.shape for s in states]
    ((2, 5, 3), [(2, 4), (2, 4), (2, 3)])
    """


class HybridSequentialRNNCell(_StackMixin, HybridRecurrentCell):
    """Stacks hybridizable recurrent cells; the stack hybridizes as one step graph."""


class DropoutCell(HybridRecurrentCell):
    """Dropout on the inputs of each step (a whole sequence at once when unrolled on a tensor);
    no states.

    Parameters
    ----------
    rate : float
        Fraction of elements dropped.
    axes : tuple of int, default ()
        Axes along which one mask value is shared.
    """

    def __init__(
        self, rate: float, axes: tuple = (), prefix: str | None = None, params: Any = None
    ):
        super().__init__(prefix, params)
        if not isinstance(rate, (int, float)):
            raise HybridError(f"DropoutCell: rate must be a number, got {type(rate).__name__}")
        self._rate, self._axes = rate, axes

    def __repr__(self) -> str:
        return f"DropoutCell(rate={self._rate}, axes={self._axes})"

    def state_info(self, batch_size: int = 0) -> list:
        return []

    def _alias(self) -> str:
        return "dropout"

    def hybrid_forward(self, F: Any, inputs: Any, states: list) -> Any:
        if self._rate > 0:
            inputs = F.Dropout(inputs, p=self._rate, axes=self._axes)
        return inputs, states

    def unroll(
        self,
        length: int,
        inputs: Any,
        begin_state: Any = None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
        valid_length: Any = None,
    ) -> tuple:
        self.reset()
        inputs, _, F, _ = format_sequence(length, inputs, layout, merge_outputs)
        if _tensor(inputs):
            return self.hybrid_forward(F, inputs, list(begin_state or []))
        return super().unroll(length, inputs, begin_state, layout, merge_outputs)


class ModifierCell(HybridRecurrentCell):
    """Base of cells that wrap one cell and change its behaviour; the wrapped cell must then be
    used only through the wrapper.
    """

    def __init__(self, base_cell: RecurrentCell):
        if base_cell._modified:
            raise HybridError(
                f"cell {base_cell.name} is already modified; a cell can be modified once"
            )
        base_cell._modified = True
        super().__init__(prefix=base_cell.prefix + self._alias(), params=None)
        self.base_cell = base_cell

    @property
    def params(self) -> Any:
        return self.base_cell.params

    def state_info(self, batch_size: int = 0) -> list:
        return self.base_cell.state_info(batch_size)

    def begin_state(self, batch_size: int = 0, **kwargs: Any) -> list:
        if self._modified:
            raise HybridError(f"{self.name}: call the modifier cell, not the modified one")
        self.base_cell._modified = False
        try:
            return self.base_cell.begin_state(batch_size=batch_size, **kwargs)
        finally:
            self.base_cell._modified = True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_cell!r})"


class ZoneoutCell(ModifierCell):
    """Zoneout: in training, each output and state unit keeps its previous value with
    probability ``zoneout_outputs`` / ``zoneout_states`` instead of taking the new one.
    """

    def __init__(
        self, base_cell: RecurrentCell, zoneout_outputs: float = 0.0, zoneout_states: float = 0.0
    ):
        if isinstance(base_cell, BidirectionalCell):
            raise HybridError(
                "ZoneoutCell: a BidirectionalCell cannot be stepped; wrap the "
                "cells inside it instead"
            )
        super().__init__(base_cell)
        self.zoneout_outputs, self.zoneout_states = zoneout_outputs, zoneout_states
        self._prev_output = None

    def __repr__(self) -> str:
        return (
            f"ZoneoutCell(p_out={self.zoneout_outputs}, p_state={self.zoneout_states}, "
            f"{self.base_cell!r})"
        )

    def _alias(self) -> str:
        return "zoneout"

    def reset(self) -> None:
        super().reset()
        self._prev_output = None

    def hybrid_forward(self, F: Any, inputs: Any, states: list) -> Any:
        p_out, p_state = self.zoneout_outputs, self.zoneout_states
        next_output, next_states = self.base_cell(inputs, states)

        def zoneout(p: float, new: Any, old: Any) -> Any:
            # Dropout of ones is 0 where the unit keeps its old value (training only).
            return F.where(F.Dropout(F.ones_like(new), p=p), new, old) if p != 0 else new

        prev = self._prev_output if self._prev_output is not None else F.zeros_like(next_output)
        output = zoneout(p_out, next_output, prev)
        states = [zoneout(p_state, new, old) for new, old in zip(next_states, states)]
        self._prev_output = output
        return output, states


class ResidualCell(ModifierCell):
    """Adds the input to the wrapped cell's output (Wu et al., 2016)."""

    def hybrid_forward(self, F: Any, inputs: Any, states: list) -> Any:
        output, states = self.base_cell(inputs, states)
        return F.elemwise_add(output, inputs), states

    def unroll(
        self,
        length: int,
        inputs: Any,
        begin_state: Any = None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
        valid_length: Any = None,
    ) -> tuple:
        self.reset()
        self.base_cell._modified = False
        try:
            outputs, states = self.base_cell.unroll(
                length, inputs, begin_state, layout, merge_outputs, valid_length
            )
        finally:
            self.base_cell._modified = True
        merge = _tensor(outputs) if merge_outputs is None else merge_outputs
        inputs, axis, F, _ = format_sequence(length, inputs, layout, merge)
        if valid_length is not None:
            inputs = mask_sequence(F, inputs, length, valid_length, axis, merge)
        if merge:
            return F.elemwise_add(outputs, inputs), states
        return [F.elemwise_add(o, i) for o, i in zip(outputs, inputs)], states


class BidirectionalCell(HybridRecurrentCell):
    """Runs ``l_cell`` forward and ``r_cell`` backward in time and concatenates their outputs on
    the feature axis; can only be unrolled. States are ``l_cell``'s then ``r_cell``'s.
    """

    def __init__(self, l_cell: RecurrentCell, r_cell: RecurrentCell, output_prefix: str = "bi_"):
        super().__init__(prefix="", params=None)
        self.register_child(l_cell, "l_cell")
        self.register_child(r_cell, "r_cell")
        self._output_prefix = output_prefix

    def __call__(self, inputs: Any, *states: Any) -> Any:
        raise HybridError("BidirectionalCell cannot be stepped; use unroll")

    def __repr__(self) -> str:
        return (
            f"BidirectionalCell(forward={self._children['l_cell']!r}, "
            f"backward={self._children['r_cell']!r})"
        )

    def state_info(self, batch_size: int = 0) -> list:
        return _children_state_info(self._children.values(), batch_size)

    def begin_state(self, **kwargs: Any) -> list:
        if self._modified:
            raise HybridError(f"{self.name}: call the modifier cell, not the modified one")
        return _children_begin_state(self._children.values(), **kwargs)

    def unroll(
        self,
        length: int,
        inputs: Any,
        begin_state: Any = None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
        valid_length: Any = None,
    ) -> tuple:
        self.reset()
        inputs, axis, F, batch = format_sequence(length, inputs, layout, False)
        reversed_inputs = reverse_sequences(F, inputs, valid_length)
        states = get_begin_state(self, F, begin_state, batch)
        l_cell, r_cell = self._children.values()
        n_l = len(l_cell.state_info(batch))
        l_outputs, l_states = l_cell.unroll(
            length, inputs, states[:n_l], layout, merge_outputs=False, valid_length=valid_length
        )
        r_outputs, r_states = r_cell.unroll(
            length,
            reversed_inputs,
            states[n_l:],
            layout,
            merge_outputs=False,
            valid_length=valid_length,
        )
        r_outputs = reverse_sequences(F, r_outputs, valid_length)
        outputs = [F.concat(lo, ro, dim=1) for lo, ro in zip(l_outputs, r_outputs)]
        if merge_outputs:
            outputs = F.stack(*outputs, axis=axis)
        if valid_length is not None:
            outputs = mask_sequence(F, outputs, length, valid_length, axis, bool(merge_outputs))
        return outputs, l_states + r_states
