"""Recurrent cells (MXNet 1.9 ``gluon.rnn``): one time step per call, ``unroll`` over a sequence.

``RNNCell``, ``LSTMCell`` and ``GRUCell`` compute exactly what one layer and direction of the
fused ``RNN`` op computes (same gate order, same parameter names without the ``l0_`` prefix), so a
fused layer and a stack of cells with shared weights agree. The wrappers (Sequential, Dropout,
Zoneout, Residual, Bidirectional) live in ``cell_wrappers.py``.

A cell is called as ``cell(inputs, states)`` with ``states`` a list; the states travel as separate
block arguments underneath, so hybridized cells trace like any block.
"""

from __future__ import annotations

from typing import Any

from ... import ndarray
from ...base import HybridError, ShapeError
from ..block import Block, HybridBlock
from ._util import (
    format_sequence,
    get_begin_state,
    last_valid,
    make_state,
    mask_sequence,
    namespace,
    set_deferred_shape,
)

__all__ = ["RecurrentCell", "HybridRecurrentCell", "RNNCell", "LSTMCell", "GRUCell"]


class RecurrentCell(Block):
    """Base class of recurrent cells: ``cell(inputs, states) -> (output, new_states)``.

    Parameters
    ----------
    prefix : str, optional
    params : ParameterDict, optional
        Parameters to share with another cell.
    """

    def __init__(self, prefix: str | None = None, params: Any = None):
        super().__init__(prefix=prefix, params=params)
        self._modified = False
        self.reset()

    def reset(self) -> None:
        """Reset the step counters before unrolling again."""
        self._init_counter = -1
        self._counter = -1
        for cell in self._children.values():
            cell.reset()

    def state_info(self, batch_size: int = 0) -> list[dict]:
        """Shape and layout of each state."""
        raise NotImplementedError(f"{type(self).__name__} must define state_info")

    def begin_state(self, batch_size: int = 0, func: Any = ndarray.zeros, **kwargs: Any) -> list:
        """Initial states made by ``func`` (e.g. ``nd.zeros``, ``sym.zeros``, ``sym.var``)."""
        if self._modified:
            raise HybridError(
                f"{self.name}: after applying a modifier cell (e.g. ZoneoutCell) "
                "the base cell cannot be called directly; call the modifier"
            )
        states = []
        for info in self.state_info(batch_size):
            self._init_counter += 1
            info = dict(info or {}, **kwargs)
            states.append(make_state(func, f"{self._prefix}begin_state_{self._init_counter}", info))
        return states

    def unroll(
        self,
        length: int,
        inputs: Any,
        begin_state: Any = None,
        layout: str = "NTC",
        merge_outputs: bool | None = None,
        valid_length: Any = None,
    ) -> tuple[Any, list]:
        """Run the cell over ``length`` steps.

        Parameters
        ----------
        length : int
        inputs : NDArray, Symbol or list
            ``(batch, length, ...)`` for NTC, ``(length, batch, ...)`` for TNC, or a list of
            ``length`` tensors ``(batch, ...)``.
        begin_state : list, optional
            Default: :meth:`begin_state` with zeros.
        layout : {'NTC', 'TNC'}
        merge_outputs : bool, optional
            True: one tensor in ``layout``; False: a list per step; None: whichever is cheaper.
        valid_length : NDArray or Symbol, optional
            ``(batch,)`` sequence lengths: padded outputs are 0 and the states returned are the
            last valid ones.

        Returns
        -------
        (outputs, states)
        """
        self.reset()
        inputs, axis, F, batch = format_sequence(length, inputs, layout, False)
        states = get_begin_state(self, F, begin_state, batch)
        outputs, all_states = [], []
        for i in range(length):
            output, states = self(inputs[i], states)
            outputs.append(output)
            if valid_length is not None:
                all_states.append(states)
        if valid_length is not None:
            states = [last_valid(F, list(s), valid_length) for s in zip(*all_states)]
            outputs = mask_sequence(F, outputs, length, valid_length, axis, True)
        outputs, _, _, _ = format_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def __call__(self, inputs: Any, *states: Any) -> Any:
        flat = (
            list(states[0])
            if len(states) == 1 and isinstance(states[0], (list, tuple))
            else list(states)
        )
        return super().__call__(inputs, *flat)

    def forward(self, inputs: Any, *states: Any) -> Any:
        """One step: ``hybrid_forward(F, inputs, states, **params)`` with the states regrouped."""
        self._counter += 1
        params = {k: p.data() for k, p in self._reg_params.items()}
        return self.hybrid_forward(namespace(inputs), inputs, list(states), **params)

    def hybrid_forward(self, F: Any, inputs: Any, states: list, **params: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define hybrid_forward")


class HybridRecurrentCell(RecurrentCell, HybridBlock):
    """A recurrent cell that can be hybridized (``cell.hybridize()`` traces one step)."""

    def _deferred_params(self, specs: dict) -> None:
        """Create each ``name: (shape, init)`` of ``specs`` as attribute ``name`` (0 dims of the
        shape are inferred at the first call)."""
        for key, (shape, init) in specs.items():
            setattr(
                self, key, self.params.get(key, shape=shape, init=init, allow_deferred_init=True)
            )


class _GatedCell(HybridRecurrentCell):
    """Shared parameters of RNNCell, LSTMCell and GRUCell: ``i2h_weight`` ``(G*H, input_size)``,
    ``h2h_weight`` ``(G*H, H)``, ``i2h_bias`` and ``h2h_bias`` ``(G*H,)``.
    """

    gates = 1
    n_states = 1

    def __init__(
        self,
        hidden_size: int,
        i2h_weight_initializer: Any = None,
        h2h_weight_initializer: Any = None,
        i2h_bias_initializer: Any = "zeros",
        h2h_bias_initializer: Any = "zeros",
        input_size: int = 0,
        prefix: str | None = None,
        params: Any = None,
    ):
        super().__init__(prefix=prefix, params=params)
        self._hidden_size, self._input_size = hidden_size, input_size
        g = self.gates * hidden_size
        self._deferred_params({
            "i2h_weight": ((g, input_size), i2h_weight_initializer),
            "h2h_weight": ((g, hidden_size), h2h_weight_initializer),
            "i2h_bias": ((g,), i2h_bias_initializer),
            "h2h_bias": ((g,), h2h_bias_initializer),
        })

    def state_info(self, batch_size: int = 0) -> list[dict]:
        return [
            {"shape": (batch_size, self._hidden_size), "__layout__": "NC"}
            for _ in range(self.n_states)
        ]

    def infer_shape(self, inputs: Any, *states: Any) -> None:
        set_deferred_shape(self.i2h_weight, (self.i2h_weight.shape[0], inputs.shape[-1]))

    def __repr__(self) -> str:
        shape = self.i2h_weight.shape
        return f"{type(self).__name__}({shape[1] or None} -> {shape[0]})"

    def _projections(
        self,
        F: Any,
        inputs: Any,
        states: list,
        i2h_weight: Any,
        h2h_weight: Any,
        i2h_bias: Any,
        h2h_bias: Any,
    ) -> tuple[Any, Any]:
        if len(states) != self.n_states:
            raise ShapeError(f"{self.name}: expected {self.n_states} states, got {len(states)}")
        prefix = f"t{self._counter}_"
        g = self.gates * self._hidden_size
        i2h = F.FullyConnected(inputs, i2h_weight, i2h_bias, num_hidden=g, name=prefix + "i2h")
        h2h = F.FullyConnected(states[0], h2h_weight, h2h_bias, num_hidden=g, name=prefix + "h2h")
        return i2h, h2h


class RNNCell(_GatedCell):
    """Elman RNN cell: ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``.

    Parameters
    ----------
    hidden_size : int
    activation : str, default 'tanh'
        An ``Activation`` act_type ('tanh', 'relu', 'sigmoid', 'softsign', ...).
    i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
    h2h_bias_initializer, input_size, prefix, params
        As for :class:`LSTMCell`.

    Inputs: ``data`` ``(batch_size, input_size)``, ``states`` ``[(batch_size, hidden_size)]``.
    Outputs: ``out`` ``(batch_size, hidden_size)``, ``[out]``.

    Examples
    --------
    >>> import hybrid as mx
    >>> from hybrid.gluon import rnn
    >>> cell = rnn.RNNCell(4)
    >>> cell.initialize()
    >>> out, states = cell(mx.nd.ones((2, 3)), cell.begin_state(2))
    >>> out.shape
    (2, 4)
    """

    def __init__(
        self,
        hidden_size: int,
        activation: str = "tanh",
        i2h_weight_initializer: Any = None,
        h2h_weight_initializer: Any = None,
        i2h_bias_initializer: Any = "zeros",
        h2h_bias_initializer: Any = "zeros",
        input_size: int = 0,
        prefix: str | None = None,
        params: Any = None,
    ):
        super().__init__(
            hidden_size,
            i2h_weight_initializer,
            h2h_weight_initializer,
            i2h_bias_initializer,
            h2h_bias_initializer,
            input_size,
            prefix,
            params,
        )
        self._activation = activation

    def _alias(self) -> str:
        return "rnn"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        i2h, h2h = self._projections(F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias)
        out = F.Activation(F.elemwise_add(i2h, h2h), act_type=self._activation)
        return out, [out]


class LSTMCell(_GatedCell):
    """LSTM cell: ``[i, f, g, o] = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh`` (that gate order),
    ``c_t = s(f) c_{t-1} + s(i) tanh(g)``, ``h_t = s(o) tanh(c_t)`` with ``s`` the
    ``recurrent_activation`` (sigmoid) and tanh the ``activation``.

    Parameters
    ----------
    hidden_size : int
    i2h_weight_initializer, h2h_weight_initializer : Initializer, optional
    i2h_bias_initializer, h2h_bias_initializer : Initializer or str, default 'zeros'
    input_size : int, default 0
        0 infers it from the first input.
    prefix : str, optional
    params : ParameterDict, optional
    activation : str, default 'tanh'
    recurrent_activation : str, default 'sigmoid'

    Inputs: ``data`` ``(batch_size, input_size)``, ``states`` ``[h, c]`` each
    ``(batch_size, hidden_size)``. Outputs: ``h_t``, ``[h_t, c_t]``.

    Examples
    --------
    >>> import hybrid as mx
    >>> from hybrid.gluon import rnn
    >>> cell = rnn.LSTMCell(4)
    >>> cell.initialize()
    >>> outs, states = cell.unroll(5, mx.nd.ones((2, 5, 3)), merge_outputs=True)
    >>> outs.shape, len(states)
    ((2, 5, 4), 2)
    """

    gates = 4
    n_states = 2

    def __init__(
        self,
        hidden_size: int,
        i2h_weight_initializer: Any = None,
        h2h_weight_initializer: Any = None,
        i2h_bias_initializer: Any = "zeros",
        h2h_bias_initializer: Any = "zeros",
        input_size: int = 0,
        prefix: str | None = None,
        params: Any = None,
        activation: str = "tanh",
        recurrent_activation: str = "sigmoid",
    ):
        super().__init__(
            hidden_size,
            i2h_weight_initializer,
            h2h_weight_initializer,
            i2h_bias_initializer,
            h2h_bias_initializer,
            input_size,
            prefix,
            params,
        )
        self._activation, self._recurrent_activation = activation, recurrent_activation

    def _alias(self) -> str:
        return "lstm"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        i2h, h2h = self._projections(F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias)
        gates = F.SliceChannel(F.elemwise_add(i2h, h2h), num_outputs=4)
        rec, act = self._recurrent_activation, self._activation
        in_gate = F.Activation(gates[0], act_type=rec)
        forget_gate = F.Activation(gates[1], act_type=rec)
        in_transform = F.Activation(gates[2], act_type=act)
        out_gate = F.Activation(gates[3], act_type=rec)
        next_c = F.elemwise_add(
            F.elemwise_mul(forget_gate, states[1]), F.elemwise_mul(in_gate, in_transform)
        )
        next_h = F.elemwise_mul(out_gate, F.Activation(next_c, act_type=act))
        return next_h, [next_h, next_c]


class GRUCell(_GatedCell):
    """GRU cell (cuDNN's variant, as MXNet): ``r, z = sigmoid(W_i x + b_i + W_h h + b_h)`` per
    gate, ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h_t = (1 - z) n + z h_{t-1}``;
    weights stacked r, z, n.

    Parameters are those of :class:`LSTMCell` without the activations. Inputs: ``data``
    ``(batch_size, input_size)``, ``states`` ``[h]``. Outputs: ``h_t``, ``[h_t]``.

    Examples
    --------
    >>> import hybrid as mx
    >>> from hybrid.gluon import rnn
    >>> cell = rnn.GRUCell(4)
    >>> cell.initialize()
    >>> out, states = cell(mx.nd.ones((2, 3)), [mx.nd.zeros((2, 4))])
    >>> out.shape
    (2, 4)
    """

    gates = 3

    def _alias(self) -> str:
        return "gru"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        i2h, h2h = self._projections(F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias)
        i2h_r, i2h_z, i2h_n = F.SliceChannel(i2h, num_outputs=3)
        h2h_r, h2h_z, h2h_n = F.SliceChannel(h2h, num_outputs=3)
        reset = F.Activation(F.elemwise_add(i2h_r, h2h_r), act_type="sigmoid")
        update = F.Activation(F.elemwise_add(i2h_z, h2h_z), act_type="sigmoid")
        new = F.Activation(F.elemwise_add(i2h_n, F.elemwise_mul(reset, h2h_n)), act_type="tanh")
        ones = F.ones_like(update)
        next_h = F.elemwise_add(
            F.elemwise_mul(F.elemwise_sub(ones, update), new), F.elemwise_mul(update, states[0])
        )
        return next_h, [next_h]
