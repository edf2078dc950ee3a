"""Lowerings (in progress)."""

from __future__ import annotations
