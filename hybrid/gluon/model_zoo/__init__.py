"""Predefined networks (``gluon.model_zoo``): ``vision`` and where pretrained files are found
(``model_store``).
"""

from __future__ import annotations

from . import model_store, vision
from .vision import get_model

__all__ = ["model_store", "vision", "get_model"]
