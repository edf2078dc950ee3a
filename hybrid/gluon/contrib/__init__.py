"""``gluon.contrib``: MXNet 1.9.1's contributed Gluon blocks (``contrib.nn``, ``contrib.rnn``)."""

from __future__ import annotations

from . import nn, rnn

__all__ = ["nn", "rnn"]
