"""Input shapes for converting a saved graph that does not record them (``hybrid-export convert``
without ``--input-shape``).

Note [Symbolic dims by probing]
-------------------------------
MXNet's ``-symbol.json`` carries no data shapes. What the parameters imply comes first: two-way
shape inference from their shapes settles what it can. The dims left unknown are probed: they
all get one value ``v`` from :data:`PROBES`, and the graph must infer without error at it (an
input of unknown rank tries ranks 4, 3, 2, 1, 5). Graphs whose first layer fixes a size the
inference cannot see (a convolution's input channels, a layer's features) need that dim pinned:
one dim at a time is set to a size found in the parameters' shapes and the rest probed again.
The first pattern that fits at two values of ``v`` is exported at both; if the two ONNX graphs
are the same node for node and constant for constant, nothing in the lowering depends on those
dims, so the model is written with them symbolic (``batch`` for axis 0, ``<input>_d<axis>``
otherwise). Otherwise the model keeps the sizes of the first fit and says so; ``--input-shape``
settles such a graph. Symbolic dims are a claim about the lowering, not a proof that every size
runs (a flattening layer still accepts only the sizes its weights allow).

An input whose rank nothing settles (a graph without parameters) takes the first rank that fits,
and the report says so: ONNX's checker wants a rank for every graph input, so "any rank" cannot
be written.
"""

from __future__ import annotations

import itertools
from typing import Any

import onnx

from hybrid.base import HybridError
from hybrid.graph.infer import infer_graph

__all__ = ["PROBES", "open_ranks", "settle_shapes", "symbolic_model"]

PROBES = (*range(1, 65), 96, 112, 128, 160, 192, 224, 227, 256, 299, 320, 384, 512)
_RANKS = (4, 3, 2, 1, 5)


def _complete(graph: Any, shapes: dict[str, tuple]) -> bool:
    """Whether the graph infers without error and with every output known from ``shapes``."""
    try:
        table, _ = infer_graph(graph, shapes, {})
    except HybridError:
        return False
    return all(table.get(id(v)) is not None and 0 not in table[id(v)] for v in graph.outputs)


def _settled(block: Any, names: list[str], given: dict[str, tuple]) -> tuple[dict, dict]:
    """(the parameters' shapes, what inference settles for each of ``names``: None when even
    the rank is open)."""
    graph = block._graph
    params = {p.name: p.shape for p in block.collect_params().values()
              if p.shape is not None and 0 not in p.shape}
    table, _ = infer_graph(graph, {**params, **given}, {})
    return params, {v.name: table.get(id(v)) for v in graph.inputs if v.name in names}


def open_ranks(block: Any, names: list[str], given: dict[str, tuple]) -> list[str]:
    """The inputs among ``names`` whose rank neither ``given`` nor the parameters settle."""
    return [n for n, s in _settled(block, names, given)[1].items() if s is None]


def settle_shapes(block: Any, names: list[str], given: dict[str, tuple]) -> tuple[dict, dict]:
    """(shapes at the first probe, shapes at the second or None) for the data ``names`` of an
    imported ``block``; ``given`` shapes are kept as they are.
    """
    graph = block._graph
    params, partial = _settled(block, names, given)
    pins = sorted({d for shape in params.values() for d in shape})
    ranks = _RANKS if any(s is None for s in partial.values()) else (None,)
    fixed = None  # the first fit at a single probe: used only if no pattern fits at two
    for rank in ranks:
        open_shapes = {n: (0,) * rank if s is None else s for n, s in partial.items()}
        for shapes in _pinned(open_shapes, pins):
            fits = (p for p in PROBES if _complete(graph, {**params, **_fill(shapes, p)}))
            found = list(itertools.islice(fits, 2))
            if len(found) == 2:
                return _fill(shapes, found[0]), _fill(shapes, found[1])
            if found and fixed is None:
                fixed = _fill(shapes, found[0])
    if fixed is not None:
        return fixed, None
    unknown = [n for n, s in partial.items() if s is None or 0 in s]
    raise HybridError(
        f"convert: cannot settle the shapes of inputs {unknown} from the parameters (known: "
        f"{ {n: s for n, s in partial.items() if s is not None} }); pass --input-shape"
    )


def _pinned(shapes: dict[str, tuple], pins: list[int]):
    """``shapes`` as they are, then with one unknown dim set to a size found among the
    parameters' (a channel or feature count), axis 1 first, then the last axis, then the rest.
    """
    yield shapes
    for name, shape in shapes.items():
        axes = sorted((a for a, d in enumerate(shape) if d == 0),
                      key=lambda a: (a != 1, a != len(shape) - 1, a))
        for axis in axes:
            for pin in pins:
                yield {**shapes, name: shape[:axis] + (pin,) + shape[axis + 1:]}


def _fill(shapes: dict[str, tuple], value: int) -> dict[str, tuple]:
    return {n: tuple(d or value for d in s) for n, s in shapes.items()}


def _body(model: onnx.ModelProto) -> bytes:
    graph = onnx.GraphProto()
    graph.CopyFrom(model.graph)
    for field in ("input", "output", "value_info"):
        graph.ClearField(field)
    return graph.SerializeToString(deterministic=True)


def symbolic_model(first: onnx.ModelProto, second: onnx.ModelProto | None) -> tuple[
        onnx.ModelProto, bool]:
    """``first`` with the dims that differ from ``second`` made symbolic, when both graphs are
    the same apart from their shapes; (model, whether it is symbolic).
    """
    if second is None or _body(first) != _body(second):
        return first, False
    for info_a, info_b in [*zip(first.graph.input, second.graph.input),
                           *zip(first.graph.output, second.graph.output)]:
        dims_a = info_a.type.tensor_type.shape.dim
        dims_b = info_b.type.tensor_type.shape.dim
        for axis, (a, b) in enumerate(zip(dims_a, dims_b)):
            if a.dim_value != b.dim_value:
                a.dim_param = "batch" if axis == 0 else f"{info_a.name}_d{axis}"
    del first.metadata_props[:]  # they describe the probe shapes
    return first, True
