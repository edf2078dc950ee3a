"""Fused recurrent layers ``RNN``, ``LSTM`` and ``GRU`` (MXNet 1.9 ``gluon.rnn``), each one call
of the registry's fused ``RNN`` op over the whole sequence (see ``fused_layer.py``).
"""

from __future__ import annotations

from typing import Any

from ...base import AttrError
from .fused_layer import FusedRNNLayer

__all__ = ["RNN", "LSTM", "GRU"]


def _doc(cls: type) -> type:
    """Insert the shared parameter and shape documentation before a layer's examples."""
    cls.__doc__ = cls.__doc__.replace("\n    Examples\n", _SHARED_DOC + "\n    Examples\n", 1)
    return cls


_SHARED_DOC = """
    Parameters
    ----------
    hidden_size : int
        Number of features in the hidden state ``h``.
    num_layers : int, default 1
    layout : {'TNC', 'NTC'}, default 'TNC'
        T, N and C are sequence length, batch size and features.
    dropout : float, default 0
        Dropout on the outputs of every layer but the last, in training.
    bidirectional : bool, default False
    input_size : int, default 0
        Input features; 0 infers them from the first input.
    i2h_weight_initializer, h2h_weight_initializer : Initializer, optional
    i2h_bias_initializer, h2h_bias_initializer : Initializer or str, default 'zeros'
    dtype : str, default 'float32'
    use_sequence_length : bool, default False
        Take ``sequence_length`` ``(batch_size,)``: padded steps output 0 and the final states
        are the last valid ones.

    Parameters of the block: ``{l|r}{layer}_{i2h|h2h}_{weight|bias}``, e.g. ``l0_i2h_weight``
    ``(gates*hidden_size, input_size)``.

    Inputs: ``data`` ``(sequence_length, batch_size, input_size)`` for TNC (NTC: batch first);
    ``states`` (optional) ``(num_layers*D, batch_size, hidden_size)`` each, D = 2 when
    bidirectional. Outputs: ``out`` ``(sequence_length, batch_size, D*hidden_size)`` for TNC;
    when ``states`` were given, ``(out, new_states)``.
    """


@_doc
class RNN(FusedRNNLayer):
    """Multi-layer Elman RNN: ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` with
    ``act`` ReLU or tanh (``activation``, default 'relu').

    Examples
    --------
    >>> import hybrid as mx
    >>> from hybrid.gluon import rnn
    >>> layer = rnn.RNN(100, 3)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((5, 3, 10))).shape
    (5, 3, 100)
    """

    def __init__(
        self,
        hidden_size: int,
        num_layers: int = 1,
        activation: str = "relu",
        layout: str = "TNC",
        dropout: float = 0,
        bidirectional: bool = False,
        i2h_weight_initializer: Any = None,
        h2h_weight_initializer: Any = None,
        i2h_bias_initializer: Any = "zeros",
        h2h_bias_initializer: Any = "zeros",
        input_size: int = 0,
        dtype: Any = "float32",
        **kwargs: Any,
    ):
        if activation not in ("relu", "tanh"):
            raise AttrError(f"RNN: activation must be 'relu' or 'tanh', got {activation!r}")
        super().__init__(
            hidden_size,
            num_layers,
            layout,
            dropout,
            bidirectional,
            input_size,
            i2h_weight_initializer,
            h2h_weight_initializer,
            i2h_bias_initializer,
            h2h_bias_initializer,
            "rnn_" + activation,
            dtype=dtype,
            **kwargs,
        )


@_doc
class LSTM(FusedRNNLayer):
    """Multi-layer LSTM: gates ``i, f, o = sigmoid(.)``, ``g = tanh(.)`` of ``W_ih x_t + b_ih +
    W_hh h_{t-1} + b_hh`` (weights stacked in that order i, f, g, o), ``c_t = f c_{t-1} + i g``,
    ``h_t = o tanh(c_t)``. States are ``[h, c]``.

    Examples
    --------
    >>> import hybrid as mx
    >>> from hybrid.gluon import rnn
    >>> layer = rnn.LSTM(100, 3)
    >>> layer.initialize()
    >>> h0, c0 = mx.nd.zeros((3, 3, 100)), mx.nd.zeros((3, 3, 100))
    >>> out, (hn, cn) = layer(mx.nd.ones((5, 3, 10)), [h0, c0])
    >>> out.shape, hn.shape
    ((5, 3, 100), (3, 3, 100))
    """

    def __init__(
        self,
        hidden_size: int,
        num_layers: int = 1,
        layout: str = "TNC",
        dropout: float = 0,
        bidirectional: bool = False,
        input_size: int = 0,
        i2h_weight_initializer: Any = None,
        h2h_weight_initializer: Any = None,
        i2h_bias_initializer: Any = "zeros",
        h2h_bias_initializer: Any = "zeros",
        projection_size: int | None = None,
        h2r_weight_initializer: Any = None,
        state_clip_min: float | None = None,
        state_clip_max: float | None = None,
        state_clip_nan: bool = False,
        dtype: Any = "float32",
        **kwargs: Any,
    ):
        super().__init__(
            hidden_size,
            num_layers,
            layout,
            dropout,
            bidirectional,
            input_size,
            i2h_weight_initializer,
            h2h_weight_initializer,
            i2h_bias_initializer,
            h2h_bias_initializer,
            "lstm",
            projection_size,
            h2r_weight_initializer,
            state_clip_min,
            state_clip_max,
            state_clip_nan,
            dtype,
            **kwargs,
        )


@_doc
class GRU(FusedRNNLayer):
    """Multi-layer GRU (cuDNN's variant, as MXNet): ``r, z = sigmoid(W_i x + b_i + W_h h +
    b_h)`` per gate, ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h_t = (1 - z) n +
    z h_{t-1}`` (weights stacked r, z, n).

    Examples
    --------
    >>> import hybrid as mx
    >>> from hybrid.gluon import rnn
    >>> layer = rnn.GRU(100, 3, layout='NTC')
    >>> layer.initialize()
    >>> layer(mx.nd.ones((3, 5, 10))).shape
    (3, 5, 100)
    """

    def __init__(
        self,
        hidden_size: int,
        num_layers: int = 1,
        layout: str = "TNC",
        dropout: float = 0,
        bidirectional: bool = False,
        input_size: int = 0,
        i2h_weight_initializer: Any = None,
        h2h_weight_initializer: Any = None,
        i2h_bias_initializer: Any = "zeros",
        h2h_bias_initializer: Any = "zeros",
        dtype: Any = "float32",
        **kwargs: Any,
    ):
        super().__init__(
            hidden_size,
            num_layers,
            layout,
            dropout,
            bidirectional,
            input_size,
            i2h_weight_initializer,
            h2h_weight_initializer,
            i2h_bias_initializer,
            h2h_bias_initializer,
            "gru",
            dtype=dtype,
            **kwargs,
        )
