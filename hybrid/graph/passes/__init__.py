"""Graph passes: each a pure function from Graph to Graph, in its own module.

:func:`optimize` is the pipeline the CachedOp runs on a freshly traced graph.
"""

from __future__ import annotations

from ..ir import Graph
from .constant_folding import constant_folding
from .cse import cse
from .dead_code import dead_code
from .fusion import FusedLinear, fusion
from .memory_plan import memory_plan

__all__ = [
    "dead_code",
    "constant_folding",
    "cse",
    "fusion",
    "memory_plan",
    "optimize",
    "FusedLinear",
]


def optimize(graph: Graph, inference: bool, static_alloc: bool) -> Graph:
    """Dead code, constant folding, CSE, fusion (BatchNorm folding only for ``inference``: run
    neither in training mode nor while recording), then the memory plan when ``static_alloc``.
    """
    graph = dead_code(cse(constant_folding(dead_code(graph))))
    graph = fusion(graph, inference)
    return memory_plan(graph) if static_alloc else graph
