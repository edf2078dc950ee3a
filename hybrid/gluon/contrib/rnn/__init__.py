"""``gluon.contrib.rnn``: MXNet 1.9.1's contributed recurrent cells: the convolutional RNN, LSTM
and GRU cells in 1, 2 and 3 dimensions, VariationalDropoutCell and LSTMPCell.
"""

from __future__ import annotations

from . import conv_rnn_cell, rnn_cell
from .conv_rnn_cell import (
    Conv1DGRUCell,
    Conv1DLSTMCell,
    Conv1DRNNCell,
    Conv2DGRUCell,
    Conv2DLSTMCell,
    Conv2DRNNCell,
    Conv3DGRUCell,
    Conv3DLSTMCell,
    Conv3DRNNCell,
)
from .rnn_cell import LSTMPCell, VariationalDropoutCell

__all__ = [
    "conv_rnn_cell",
    "rnn_cell",
    "Conv1DRNNCell",
    "Conv2DRNNCell",
    "Conv3DRNNCell",
    "Conv1DLSTMCell",
    "Conv2DLSTMCell",
    "Conv3DLSTMCell",
    "Conv1DGRUCell",
    "Conv2DGRUCell",
    "Conv3DGRUCell",
    "VariationalDropoutCell",
    "LSTMPCell",
]
