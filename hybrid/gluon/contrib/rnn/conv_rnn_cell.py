"""Convolutional recurrent cells (MXNet 1.9.1 ``gluon.contrib.rnn``): RNN, LSTM and GRU cells
whose input-to-hidden and hidden-to-hidden maps are convolutions (Shi et al., 2015, ConvLSTM).

The state is a feature map: ``(batch, hidden_channels) + out_dims`` (channel-first layouts),
where ``out_dims`` is the input's spatial size after the i2h convolution (stride 1). The h2h
convolution pads by ``dilate * (kernel - 1) / 2``, so it keeps that size; its kernel must be odd.
Parameter names and shapes are MXNet's: ``i2h_weight`` ``(G*hidden, in_channels) + i2h_kernel``,
``h2h_weight`` ``(G*hidden, hidden) + h2h_kernel``, ``i2h_bias`` and ``h2h_bias`` ``(G*hidden,)``
with ``G`` gates (RNN 1; LSTM 4 in the order i, f, c, o; GRU 3 in the order r, z, h).
"""

from __future__ import annotations

from typing import Any

from ....base import HybridError
from ...rnn.rnn_cell import HybridRecurrentCell

__all__ = [
    "Conv1DRNNCell",
    "Conv2DRNNCell",
    "Conv3DRNNCell",
    "Conv1DLSTMCell",
    "Conv2DLSTMCell",
    "Conv3DLSTMCell",
    "Conv1DGRUCell",
    "Conv2DGRUCell",
    "Conv3DGRUCell",
]

_LAYOUTS = {1: ("NCW", "NWC"), 2: ("NCHW", "NHWC"), 3: ("NCDHW", "NDHWC")}


def _activate(F: Any, x: Any, activation: Any) -> Any:
    """An ``Activation`` act_type by name, or a block such as ``LeakyReLU``."""
    return F.Activation(x, act_type=activation) if isinstance(activation, str) else activation(x)


class _BaseConvRNNCell(HybridRecurrentCell):
    """Shared parameters and the two convolutions of every convolutional cell."""

    _gates = 1
    _n_states = 1

    def __init__(
        self,
        input_shape: tuple,
        hidden_channels: int,
        i2h_kernel: Any,
        h2h_kernel: Any,
        i2h_pad: Any,
        i2h_dilate: Any,
        h2h_dilate: Any,
        i2h_weight_initializer: Any,
        h2h_weight_initializer: Any,
        i2h_bias_initializer: Any,
        h2h_bias_initializer: Any,
        dims: int,
        conv_layout: str,
        activation: Any,
        prefix: str | None,
        params: Any,
    ):
        super().__init__(prefix=prefix, params=params)
        name = type(self).__name__
        if conv_layout not in _LAYOUTS[dims]:
            raise HybridError(
                f"{name}: conv_layout must be one of {_LAYOUTS[dims]}, got {conv_layout!r}"
            )
        if len(input_shape) != dims + 1:
            raise HybridError(
                f"{name}: input_shape must be {dims + 1} numbers (channels and {dims} spatial "
                f"dims in {conv_layout} without N), got {tuple(input_shape)}"
            )

        def spec(what: str, value: Any) -> tuple:
            values = (value,) * dims if isinstance(value, int) else tuple(value)
            if len(values) != dims:
                raise HybridError(f"{name}: {what} must be an int or {dims} ints, got {value}")
            return values

        self._hidden_channels, self._input_shape = hidden_channels, tuple(input_shape)
        self._conv_layout, self._activation = conv_layout, activation
        self._i2h_kernel, self._h2h_kernel = (
            spec("i2h_kernel", i2h_kernel),
            spec("h2h_kernel", h2h_kernel),
        )
        self._i2h_pad, self._i2h_dilate = spec("i2h_pad", i2h_pad), spec("i2h_dilate", i2h_dilate)
        self._h2h_dilate, self._stride = spec("h2h_dilate", h2h_dilate), (1,) * dims
        if any(k % 2 == 0 for k in self._h2h_kernel):
            raise HybridError(f"{name}: h2h_kernel must be odd, got {h2h_kernel}")
        self._h2h_pad = tuple(d * (k - 1) // 2 for d, k in zip(self._h2h_dilate, self._h2h_kernel))
        self._channel_axis = conv_layout.find("C")
        channel_first = self._channel_axis == 1
        in_channels = input_shape[0] if channel_first else input_shape[-1]
        spatial = input_shape[1:] if channel_first else input_shape[:-1]
        out_dims = tuple(
            x + 2 * p - d * (k - 1) if x else 0
            for x, k, p, d in zip(spatial, self._i2h_kernel, self._i2h_pad, self._i2h_dilate)
        )
        g = hidden_channels * self._gates

        def channels_at(c: int, kernel: tuple) -> tuple:
            return (g, c) + kernel if channel_first else (g,) + kernel + (c,)

        self._state_shape = (
            (hidden_channels,) + out_dims if channel_first else out_dims + (hidden_channels,)
        )
        self._deferred_params({
            "i2h_weight": (channels_at(in_channels, self._i2h_kernel), i2h_weight_initializer),
            "h2h_weight": (channels_at(hidden_channels, self._h2h_kernel), h2h_weight_initializer),
            "i2h_bias": ((g,), i2h_bias_initializer),
            "h2h_bias": ((g,), h2h_bias_initializer),
        })

    def state_info(self, batch_size: int = 0) -> list[dict]:
        info = {"shape": (batch_size,) + self._state_shape, "__layout__": self._conv_layout}
        return [dict(info) for _ in range(self._n_states)]

    def __repr__(self) -> str:
        shape = self.i2h_weight.shape
        in_channels = shape[1 if self._channel_axis == 1 else -1]
        activation = f", {self._activation}" if isinstance(self._activation, str) else ""
        return (
            f"{type(self).__name__}({in_channels or None} -> {shape[0]}{activation}, "
            f"{self._conv_layout})"
        )

    def _convolutions(self, F: Any, inputs: Any, states: list, *params: Any) -> tuple:
        i2h_weight, h2h_weight, i2h_bias, h2h_bias = params
        if len(states) != self._n_states:
            raise HybridError(f"{self.name}: expected {self._n_states} states, got {len(states)}")
        prefix, g = f"t{self._counter}_", self._hidden_channels * self._gates
        common = {"num_filter": g, "stride": self._stride, "layout": self._conv_layout}
        i2h = F.Convolution(
            inputs,
            i2h_weight,
            i2h_bias,
            kernel=self._i2h_kernel,
            pad=self._i2h_pad,
            dilate=self._i2h_dilate,
            name=prefix + "i2h",
            **common,
        )
        h2h = F.Convolution(
            states[0],
            h2h_weight,
            h2h_bias,
            kernel=self._h2h_kernel,
            pad=self._h2h_pad,
            dilate=self._h2h_dilate,
            name=prefix + "h2h",
            **common,
        )
        return i2h, h2h


class _ConvRNNCell(_BaseConvRNNCell):
    def _alias(self) -> str:
        return "conv_rnn"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        i2h, h2h = self._convolutions(F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias)
        output = _activate(F, i2h + h2h, self._activation)
        return output, [output]


class _ConvLSTMCell(_BaseConvRNNCell):
    _gates = 4
    _n_states = 2

    def _alias(self) -> str:
        return "conv_lstm"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        i2h, h2h = self._convolutions(F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias)
        gates = F.SliceChannel(i2h + h2h, num_outputs=4, axis=self._channel_axis)
        in_gate = F.Activation(gates[0], act_type="sigmoid")
        forget_gate = F.Activation(gates[1], act_type="sigmoid")
        in_transform = _activate(F, gates[2], self._activation)
        out_gate = F.Activation(gates[3], act_type="sigmoid")
        next_c = F.elemwise_add(forget_gate * states[1], in_gate * in_transform)
        next_h = F.elemwise_mul(out_gate, _activate(F, next_c, self._activation))
        return next_h, [next_h, next_c]


class _ConvGRUCell(_BaseConvRNNCell):
    _gates = 3

    def _alias(self) -> str:
        return "conv_gru"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        i2h, h2h = self._convolutions(F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias)
        i2h_r, i2h_z, i2h = F.SliceChannel(i2h, num_outputs=3, axis=self._channel_axis)
        h2h_r, h2h_z, h2h = F.SliceChannel(h2h, num_outputs=3, axis=self._channel_axis)
        reset_gate = F.Activation(i2h_r + h2h_r, act_type="sigmoid")
        update_gate = F.Activation(i2h_z + h2h_z, act_type="sigmoid")
        candidate = _activate(F, i2h + reset_gate * h2h, self._activation)
        next_h = F.elemwise_add((1.0 - update_gate) * candidate, update_gate * states[0])
        return next_h, [next_h]


def _cell(base: type, dims: int, summary: str) -> type:
    """A public cell class: ``base`` with MXNet's ``dims``-D defaults in its signature."""
    layout = _LAYOUTS[dims][0]

    def __init__(
        self,
        input_shape: tuple,
        hidden_channels: int,
        i2h_kernel: Any,
        h2h_kernel: Any,
        i2h_pad: Any = (0,) * dims,
        i2h_dilate: Any = (1,) * dims,
        h2h_dilate: Any = (1,) * dims,
        i2h_weight_initializer: Any = None,
        h2h_weight_initializer: Any = None,
        i2h_bias_initializer: Any = "zeros",
        h2h_bias_initializer: Any = "zeros",
        conv_layout: str = layout,
        activation: Any = "tanh",
        prefix: str | None = None,
        params: Any = None,
    ):
        base.__init__(
            self,
            input_shape,
            hidden_channels,
            i2h_kernel,
            h2h_kernel,
            i2h_pad,
            i2h_dilate,
            h2h_dilate,
            i2h_weight_initializer,
            h2h_weight_initializer,
            i2h_bias_initializer,
            h2h_bias_initializer,
            dims,
            conv_layout,
            activation,
            prefix,
            params,
        )

    doc = f"""{summary}

    Parameters
    ----------
    input_shape : tuple of int
        One input without the batch axis: ``(C, {layout[2:]})`` for ``{layout}``.
    hidden_channels : int
    i2h_kernel, h2h_kernel : int or tuple of {dims} int
        Kernel of the input and the recurrent convolution (the latter odd).
    i2h_pad, i2h_dilate, h2h_dilate : int or tuple of {dims} int
    i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer, h2h_bias_initializer
    conv_layout : {_LAYOUTS[dims]}, default {layout!r}
    activation : str or Block, default 'tanh'
    prefix, params

    Inputs: ``data`` ``(batch,) + input_shape`` and the list of states (``state_info``).
    Outputs: the new hidden map and the list of new states.
    """
    name = f"Conv{dims}D{base.__name__[5:]}"
    return type(name, (base,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


Conv1DRNNCell = _cell(
    _ConvRNNCell, 1, "1-D convolutional RNN cell: ``h' = act(conv(x) + conv(h))``."
)
Conv2DRNNCell = _cell(
    _ConvRNNCell, 2, "2-D convolutional RNN cell: ``h' = act(conv(x) + conv(h))``."
)
Conv3DRNNCell = _cell(
    _ConvRNNCell, 3, "3-D convolutional RNN cell: ``h' = act(conv(x) + conv(h))``."
)
Conv1DLSTMCell = _cell(_ConvLSTMCell, 1, "1-D convolutional LSTM cell (gates i, f, c, o).")
Conv2DLSTMCell = _cell(_ConvLSTMCell, 2, "2-D convolutional LSTM cell (gates i, f, c, o).")
Conv3DLSTMCell = _cell(_ConvLSTMCell, 3, "3-D convolutional LSTM cell (gates i, f, c, o).")
Conv1DGRUCell = _cell(_ConvGRUCell, 1, "1-D convolutional GRU cell (gates r, z, h).")
Conv2DGRUCell = _cell(_ConvGRUCell, 2, "2-D convolutional GRU cell (gates r, z, h).")
Conv3DGRUCell = _cell(_ConvGRUCell, 3, "3-D convolutional GRU cell (gates r, z, h).")
