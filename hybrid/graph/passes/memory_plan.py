"""Memory plan: liveness-based slot sharing for the executor.

Each node output gets a slot; a slot is given back once the last reader of its value has run and
is handed to the next value that needs one, so values with disjoint lifetimes share a slot and the
number of live intermediate arrays stays at the graph's true working set. After each step the
executor drops the references in the slots released there (when not recording: a recorded run
keeps what the backward pass needs in the ops' saved contexts anyway), so numpy frees those
buffers at once instead of at the end of the run. Graph inputs, constants and outputs keep their
own slots. ``tests/graph/test_passes.py`` measures the peak memory this saves. A planned graph
also gets the executor's per-step buffers in recorded runs (see ``hybrid.graph.executor``).
"""

from __future__ import annotations

from ..ir import Graph

__all__ = ["memory_plan"]


def memory_plan(graph: Graph) -> Graph:
    """The graph with ``meta['memory_plan'] = {'slot', 'n_slots', 'release'}`` for the
    executor.
    """
    last_use: dict[int, int] = {}
    for i, node in enumerate(graph.nodes):
        for v in node.inputs:
            last_use[id(v)] = i
    end = len(graph.nodes)
    for v in graph.outputs:
        last_use[id(v)] = end
    slot: dict[int, int] = {}
    for v in [*graph.inputs, *graph.constants]:
        slot[id(v)] = len(slot)
    n_slots = len(slot)
    free: list[int] = []
    release: list[list[int]] = []
    for i, node in enumerate(graph.nodes):
        for v in node.outputs:
            if free:
                slot[id(v)] = free.pop()
            else:
                slot[id(v)] = n_slots
                n_slots += 1
        dead = []
        for v in {id(x): x for x in [*node.inputs, *node.outputs]}.values():
            if v.node is not None and last_use.get(id(v), i) == i:
                dead.append(slot[id(v)])
        release.append(dead)
        free.extend(dead)
    meta = {**graph.meta, "memory_plan": {"slot": slot, "n_slots": n_slots, "release": release}}
    return Graph(graph.inputs, graph.nodes, graph.outputs, graph.constants, meta)
