"""``gluon.contrib``: MXNet 1.9.1's contributed Gluon blocks (``contrib.nn``, ``contrib.rnn``,
``contrib.estimator``, ``contrib.data``)."""

from __future__ import annotations

from . import data, estimator, nn, rnn

__all__ = ["data", "estimator", "nn", "rnn"]
