"""The graph IR, its tracer, passes and executor (see DESIGN.md, "Hybridized")."""

from __future__ import annotations

from .executor import Executor
from .ir import Graph, Node, Value

__all__ = ["Graph", "Node", "Value", "Executor"]
