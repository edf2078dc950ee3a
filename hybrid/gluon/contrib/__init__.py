"""``gluon.contrib``: MXNet's contributed Gluon blocks that hybrid has (see ``contrib.nn``)."""

from __future__ import annotations

from . import nn

__all__ = ["nn"]
