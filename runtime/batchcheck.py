"""Whether a model's first dimension is really a batch dimension, checked once at load.

Note [Proving the batch dimension]
    Merging requests is only right when every input and every output carries the batch along
    dim 0: otherwise splitting a merged output hands one client another client's values. The
    declared shapes are not enough (an exporter may label a transposed output ``batch``), so the
    check runs ONNX shape inference on the graph with every input's dim 0 renamed to one private
    symbol and the declared output shapes removed. The model batches only when inference gives
    each output that same symbol as its dim 0; anything else (a fixed or unknown dim 0, another
    symbol, an unknown rank, a graph inference cannot follow) serves the model unbatched, and the
    reason is logged.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import onnx

from .spec import TensorSpec

__all__ = ["batch_problem", "read_model", "unknown_rank"]

_SYMBOL = "__hybrid_batch__"


def read_model(path: Path) -> onnx.ModelProto | None:
    """The model's graph (weights kept external when they are), or None when onnx cannot read
    it (ONNX Runtime, which did, is then the judge)."""
    try:
        return onnx.load(str(path), load_external_data=False)
    except Exception:  # onnx raises several unrelated classes
        return None


def unknown_rank(model: onnx.ModelProto | None) -> set[str]:
    """Names of graph inputs and outputs of unknown rank (ONNX Runtime shows them as scalars)."""
    if model is None:
        return set()
    return {v.name for v in (*model.graph.input, *model.graph.output)
            if v.type.HasField("tensor_type") and not v.type.tensor_type.HasField("shape")}


def batch_problem(model: onnx.ModelProto | None, inputs: Sequence[TensorSpec],
                  outputs: Sequence[TensorSpec]) -> str | None:
    """``None`` when dim 0 of every input and output is the batch, else the reason it is not.

    ``model`` is changed (see Note [Proving the batch dimension]).
    """
    for spec in inputs:
        if spec.shape is None or not spec.shape or isinstance(spec.shape[0], int):
            return f"input '{spec.name}' has no dynamic first dimension"
    if model is None:
        return "onnx cannot read the model to check it"
    try:
        graph = model.graph
        initializers = {t.name for t in graph.initializer}
        for value in graph.input:
            if value.name not in initializers and value.type.HasField("tensor_type"):
                value.type.tensor_type.shape.dim[0].dim_param = _SYMBOL
        for value in graph.output:
            value.type.tensor_type.ClearField("shape")
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False)
    except Exception as err:  # onnx raises several unrelated classes
        return f"ONNX shape inference failed ({type(err).__name__})"
    found = {v.name: v for v in inferred.graph.output}
    for spec in outputs:
        value = found.get(spec.name)
        tensor = value.type.tensor_type if value is not None else None
        if tensor is None or not tensor.HasField("shape") or not tensor.shape.dim:
            return f"output '{spec.name}' has an unknown shape or no dimensions"
        first = tensor.shape.dim[0]
        if first.dim_param != _SYMBOL:
            return (f"output '{spec.name}' has a first dimension that does not follow the "
                    "inputs' batch dimension")
    return None
