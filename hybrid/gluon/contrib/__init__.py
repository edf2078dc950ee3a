"""``gluon.contrib``: MXNet 1.9.1's contributed Gluon blocks (``contrib.nn``, ``contrib.rnn``,
``contrib.data``)."""

from __future__ import annotations

from . import data, nn, rnn

__all__ = ["data", "nn", "rnn"]
