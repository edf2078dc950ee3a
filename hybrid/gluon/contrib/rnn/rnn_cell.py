"""MXNet 1.9.1's contributed recurrent cells: VariationalDropoutCell (one dropout mask for a whole
sequence, Gal and Ghahramani, 2016) and LSTMPCell (an LSTM with a projected recurrent state,
Sak et al., 2014).
"""

from __future__ import annotations

from typing import Any

from ....base import HybridError
from ...rnn._util import format_sequence, get_begin_state, mask_sequence, set_deferred_shape
from ...rnn.cell_wrappers import BidirectionalCell, ModifierCell, SequentialRNNCell
from ...rnn.rnn_cell import HybridRecurrentCell

__all__ = ["VariationalDropoutCell", "LSTMPCell"]


class VariationalDropoutCell(ModifierCell):
    """Dropout on a cell's inputs, outputs and first state with masks drawn once per sequence.

    The masks are drawn at the first step after :meth:`reset` (``unroll`` resets) and reused at
    every step, so each unit is dropped for the whole sequence; inputs, states and outputs have
    separate masks. The masks live across calls, so the wrapper itself runs eagerly and
    ``hybridize`` reaches only the wrapped cell.

    Parameters
    ----------
    base_cell : RecurrentCell
    drop_inputs, drop_states, drop_outputs : float, default 0.
        Dropout rates; 0 applies none. ``drop_states`` acts on the first state.
    """

    def __init__(
        self,
        base_cell: Any,
        drop_inputs: float = 0.0,
        drop_states: float = 0.0,
        drop_outputs: float = 0.0,
    ):
        bidirectional = isinstance(base_cell, BidirectionalCell) or (
            isinstance(base_cell, SequentialRNNCell) and getattr(base_cell, "_bidirectional", False)
        )
        if drop_states and bidirectional:
            raise HybridError(
                "VariationalDropoutCell: a bidirectional cell doesn't support variational state "
                "dropout; wrap the cells underneath instead"
            )
        super().__init__(base_cell)
        self.drop_inputs, self.drop_states, self.drop_outputs = (
            drop_inputs,
            drop_states,
            drop_outputs,
        )
        self.reset()

    def _alias(self) -> str:
        return "vardrop"

    def reset(self) -> None:
        super().reset()
        self.drop_inputs_mask = self.drop_states_mask = self.drop_outputs_mask = None

    def hybridize(self, active: bool = True, **kwargs: Any) -> None:
        self.base_cell.hybridize(active, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p_out = {self.drop_outputs}, p_state = {self.drop_states})"

    @staticmethod
    def _mask(F: Any, like: Any, p: float) -> Any:
        return F.Dropout(F.ones_like(like), p=p)

    def hybrid_forward(self, F: Any, inputs: Any, states: list) -> Any:
        if self.drop_states and self.drop_states_mask is None:
            self.drop_states_mask = self._mask(F, states[0], self.drop_states)
        if self.drop_inputs and self.drop_inputs_mask is None:
            self.drop_inputs_mask = self._mask(F, inputs, self.drop_inputs)
        if self.drop_states:
            states = [states[0] * self.drop_states_mask, *states[1:]]
        if self.drop_inputs:
            inputs = inputs * self.drop_inputs_mask
        output, states = self.base_cell(inputs, states)
        if self.drop_outputs and self.drop_outputs_mask is None:
            self.drop_outputs_mask = self._mask(F, output, self.drop_outputs)
        if self.drop_outputs:
            output = output * self.drop_outputs_mask
        return output, states

    def unroll(
        self,
        length: int,
        inputs: Any,
        begin_state: Any = None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
        valid_length: Any = None,
    ) -> tuple:
        """As :meth:`RecurrentCell.unroll`; without state dropout the whole sequence goes to the
        wrapped cell's ``unroll`` with masks shared over the time axis.
        """
        if self.drop_states:
            return super().unroll(length, inputs, begin_state, layout, merge_outputs, valid_length)
        self.reset()
        inputs, axis, F, batch = format_sequence(length, inputs, layout, True)
        states = get_begin_state(self, F, begin_state, batch)
        if self.drop_inputs:
            inputs = F.Dropout(inputs, p=self.drop_inputs, axes=(axis,))
        outputs, states = self.base_cell.unroll(
            length, inputs, states, layout, merge_outputs=True, valid_length=valid_length
        )
        if self.drop_outputs:
            outputs = F.Dropout(outputs, p=self.drop_outputs, axes=(axis,))
        merge = True if merge_outputs is None else merge_outputs
        outputs, _, _, _ = format_sequence(length, outputs, layout, merge)
        if valid_length is not None:
            outputs = mask_sequence(F, outputs, length, valid_length, axis, merge)
        return outputs, states


class LSTMPCell(HybridRecurrentCell):
    """LSTM cell with a projected recurrent state::

        i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of (W_i x + b_i + W_r r + b_r) (4 slices)
        c' = f * c + i * g;  h = o * tanh(c');  r' = W_hr h

    ``r'`` is the output and the first state; ``c'`` the second.

    Parameters
    ----------
    hidden_size : int
        Units of the cell state.
    projection_size : int
        Units of the output and the recurrent state.
    i2h_weight_initializer, h2h_weight_initializer, h2r_weight_initializer : optional
    i2h_bias_initializer, h2h_bias_initializer : default 'zeros'
    input_size : int, default 0
        0 infers it from the first input.
    prefix, params

    Attributes: ``i2h_weight`` ``(4*hidden_size, input_size)``, ``h2h_weight``
    ``(4*hidden_size, projection_size)``, ``h2r_weight`` ``(projection_size, hidden_size)``,
    ``i2h_bias`` and ``h2h_bias`` ``(4*hidden_size,)``.
    Inputs: ``data`` ``(batch_size, input_size)``, states ``[(batch_size, projection_size),
    (batch_size, hidden_size)]``. Outputs: ``(batch_size, projection_size)`` and the new states.
    """

    def __init__(
        self,
        hidden_size: int,
        projection_size: int,
        i2h_weight_initializer: Any = None,
        h2h_weight_initializer: Any = None,
        h2r_weight_initializer: Any = None,
        i2h_bias_initializer: Any = "zeros",
        h2h_bias_initializer: Any = "zeros",
        input_size: int = 0,
        prefix: str | None = None,
        params: Any = None,
    ):
        super().__init__(prefix=prefix, params=params)
        self._hidden_size, self._projection_size = hidden_size, projection_size
        self._input_size = input_size
        g = 4 * hidden_size
        self._deferred_params({
            "i2h_weight": ((g, input_size), i2h_weight_initializer),
            "h2h_weight": ((g, projection_size), h2h_weight_initializer),
            "h2r_weight": ((projection_size, hidden_size), h2r_weight_initializer),
            "i2h_bias": ((g,), i2h_bias_initializer),
            "h2h_bias": ((g,), h2h_bias_initializer),
        })

    def state_info(self, batch_size: int = 0) -> list[dict]:
        return [
            {"shape": (batch_size, self._projection_size), "__layout__": "NC"},
            {"shape": (batch_size, self._hidden_size), "__layout__": "NC"},
        ]

    def _alias(self) -> str:
        return "lstmp"

    def infer_shape(self, inputs: Any, *states: Any) -> None:
        set_deferred_shape(self.i2h_weight, (self.i2h_weight.shape[0], inputs.shape[-1]))

    def __repr__(self) -> str:
        shape, proj = self.i2h_weight.shape, self.h2r_weight.shape
        return f"{type(self).__name__}({shape[1] or None} -> {shape[0]} -> {proj[0]})"

    def hybrid_forward(
        self, F, inputs, states, i2h_weight, h2h_weight, h2r_weight, i2h_bias, h2h_bias
    ):
        if len(states) != 2:
            raise HybridError(f"{self.name}: expected 2 states, got {len(states)}")
        prefix, g = f"t{self._counter}_", 4 * self._hidden_size
        i2h = F.FullyConnected(inputs, i2h_weight, i2h_bias, num_hidden=g, name=prefix + "i2h")
        h2h = F.FullyConnected(states[0], h2h_weight, h2h_bias, num_hidden=g, name=prefix + "h2h")
        gates = F.SliceChannel(i2h + h2h, num_outputs=4)
        in_gate = F.Activation(gates[0], act_type="sigmoid")
        forget_gate = F.Activation(gates[1], act_type="sigmoid")
        in_transform = F.Activation(gates[2], act_type="tanh")
        out_gate = F.Activation(gates[3], act_type="sigmoid")
        next_c = F.elemwise_add(forget_gate * states[1], in_gate * in_transform)
        hidden = F.elemwise_mul(out_gate, F.Activation(next_c, act_type="tanh"))
        next_r = F.FullyConnected(
            hidden, h2r_weight, num_hidden=self._projection_size, no_bias=True, name=prefix + "out"
        )
        return next_r, [next_r, next_c]
