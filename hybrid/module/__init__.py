"""``mx.mod``: MXNet 1.x's module API (``Module``) for symbol-graph training code."""

from __future__ import annotations

from .base_module import BaseModule
from .module import Module

__all__ = ["BaseModule", "Module"]
