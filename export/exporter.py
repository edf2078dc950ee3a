"""Graph + parameters -> ``onnx.ModelProto``: ``to_onnx`` and the model checks it runs.

A block is traced in inference mode into hybrid's graph IR; dead code is removed and constant
subgraphs folded (ONNX Runtime does its own fusions, so hybrid's numpy fusions are not exported);
each node is lowered by its op's rule in ``export/lowering``; parameters become initializers
named after the block's parameters; the first axis of every input and output is a symbolic
``batch`` dimension unless ``dynamic_batch=False``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import helper

import hybrid
from hybrid import autograd
from hybrid.base import HybridError
from hybrid.graph.ir import Graph, Value
from hybrid.graph.passes import constant_folding, dead_code
from hybrid.serialization import new_file_mode, write_atomic

from .builder import Builder, onnx_type
from .lowering import lower_nodes
from .opset import MIN_OPSET, default_opset

__all__ = ["to_onnx", "save_model", "check_model"]

# Protobuf cannot serialise a message of 2 GiB; larger models keep their weights in a side file.
EXTERNAL_DATA_BYTES = 2**31 - 2**26


def to_onnx(
    block_or_symbol: Any,
    path: str | None = None,
    input_shapes: Sequence[Sequence[int]] | None = None,
    example_inputs: Sequence[Any] | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset: int | None = None,
    dynamic_batch: bool = True,
    dtype: Any = np.float32,
    params: dict[str, Any] | None = None,
    doc_string: str = "",
    metadata: dict[str, str] | None = None,
    weights_as_inputs: bool = False,
) -> onnx.ModelProto:
    """Export a HybridBlock (or a Symbol with its ``params``) to ONNX.

    Parameters
    ----------
    block_or_symbol : HybridBlock or Symbol
        What to export. A block is traced in inference mode on ``example_inputs`` (NDArrays or
        numpy arrays, None, nested lists and tuples of them as the block takes them; the model's
        inputs are the arrays in order) or on zeros of ``input_shapes`` and ``dtype``.
    path : str, optional
        Where to write the model (atomically); weights go to ``path + '.data'`` past 2 GB.
    input_names, output_names : list of str, optional
        ONNX names of the graph inputs and outputs (default the traced names, ``data`` or
        ``data0``, ``data1``, ..., and ``output``, ``output1``, ...).
    opset : int, optional
        Target opset, from 13 to the newest the installed ONNX Runtime runs (the default).
    dynamic_batch : bool, default True
        Make the first axis of inputs and outputs a symbolic ``batch`` dimension.
    params : dict, optional
        For a Symbol: parameter values by variable name; other variables become inputs.
    doc_string, metadata : optional
        Model documentation and extra ``metadata_props`` entries (e.g. preprocessing).
    weights_as_inputs : bool, default False
        Make parameters graph inputs after the data inputs instead of initializers; used by
        ``hybridize(backend='onnxruntime')``, which feeds the live parameters at every call.

    Returns
    -------
    onnx.ModelProto
        The model, which has passed ``onnx.checker`` (full check) and ONNX shape inference.
    """
    opset = _check_opset(opset)
    graph, data, params_by_value = _graph_of(
        block_or_symbol, input_shapes, example_inputs, dtype, params
    )
    names_in = list(input_names or [v.name for v in data])
    if len(names_in) != len(data):
        raise HybridError(f"to_onnx: {len(names_in)} input names for {len(data)} inputs")
    n_out = len(graph.outputs)
    names_out = list(
        output_names or (["output"] if n_out == 1 else [f"output{i}" for i in range(n_out)])
    )
    if len(names_out) != n_out:
        raise HybridError(f"to_onnx: {len(names_out)} output names for {n_out} outputs")
    model = _build(
        graph,
        data,
        names_in,
        names_out,
        params_by_value,
        weights_as_inputs,
        opset,
        dynamic_batch,
        doc_string or _doc_of(block_or_symbol),
        metadata or {},
    )
    check_model(model)
    if path is not None:
        save_model(model, path)
    return model


def _check_opset(opset: int | None) -> int:
    newest = default_opset()
    if opset is None:
        return newest
    if not MIN_OPSET <= opset <= newest:
        raise HybridError(
            f"to_onnx: opset {opset} is outside the supported range {MIN_OPSET}..{newest}"
        )
    return int(opset)


def _doc_of(obj: Any) -> str:
    return f"{type(obj).__name__} {getattr(obj, 'name', '')} exported by hybrid".strip()


def _graph_of(
    obj: Any, input_shapes: Any, example_inputs: Any, dtype: Any, params: dict | None
) -> tuple[Graph, list[Value], dict]:
    """(graph, data variables, {id(parameter value): array})."""
    if hasattr(obj, "_is_symbol"):
        return _symbol_graph(obj, params or {}, input_shapes, dtype)
    from hybrid.graph.tracer import trace

    if example_inputs is None:
        if input_shapes is None:
            raise HybridError(f"to_onnx: {obj.name}: give input_shapes or example_inputs")
        example_inputs = [np.zeros(s, dtype=dtype) for s in input_shapes]
    # None is an optional input left out: the block sees None and the model has no such input.
    args = [_as_input(x) for x in example_inputs]
    with autograd.pause(train_mode=False):
        tr = trace(obj, args)
    graph = dead_code(constant_folding(dead_code(tr.graph)))
    data = graph.inputs[: tr.n_data]
    by_value = {id(v): p.data().asnumpy() for p, v in zip(tr.params, graph.inputs[tr.n_data :])}
    return graph, data, by_value


def _as_input(x: Any) -> Any:
    """An example input as the block takes it: NDArrays, None, nested lists and tuples."""
    if x is None or isinstance(x, hybrid.nd.NDArray):
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(_as_input(i) for i in x)
    return hybrid.nd.array(x, dtype=np.asarray(x).dtype)


def _symbol_graph(
    sym: Any, params: dict, input_shapes: Any, dtype: Any
) -> tuple[Graph, list[Value], dict]:
    graph = dead_code(constant_folding(dead_code(Graph.from_outputs(list(sym._outputs)))))
    values = {k: np.asarray(getattr(v, "_data", v)) for k, v in params.items()}
    data = [v for v in graph.inputs if v.name not in values]
    for v, shape in zip(data, input_shapes or []):
        v.shape = tuple(shape)
    for v in data:
        if v.shape is None or 0 in v.shape:
            raise HybridError(
                f"to_onnx: input {v.name} has unknown shape {v.shape}; pass input_shapes"
            )
        v.dtype = v.dtype or np.dtype(dtype)
    by_value = {id(v): values[v.name] for v in graph.inputs if v.name in values}
    return graph, data, by_value


def _value_info(name: str, v: Value, dynamic_batch: bool) -> onnx.ValueInfoProto:
    shape: list[Any] = list(v.shape or ())
    if dynamic_batch and shape:
        shape[0] = "batch"
    return helper.make_tensor_value_info(name, onnx_type(v.dtype), shape)


def _build(
    graph: Graph,
    data: list[Value],
    names_in: list[str],
    names_out: list[str],
    params_by_value: dict,
    weights_as_inputs: bool,
    opset: int,
    dynamic_batch: bool,
    doc_string: str,
    metadata: dict[str, str],
) -> onnx.ModelProto:
    ctx = Builder(opset)
    onnx_name: dict[int, str] = {}
    for v, name in zip(data, names_in):
        onnx_name[id(v)] = ctx.reserve(name)
    weights = [v for v in graph.inputs if id(v) in params_by_value]
    for v in weights:
        onnx_name[id(v)] = (
            ctx.reserve(v.name)
            if weights_as_inputs
            else ctx.const(params_by_value[id(v)], name=v.name)
        )
    for v, array in graph.constants.items():
        onnx_name[id(v)] = ctx.const(array, name=None)
    lower_nodes(ctx, graph, onnx_name)
    outputs = _name_outputs(ctx, graph.outputs, names_out, onnx_name)
    onnx_graph = helper.make_graph(
        ctx.nodes,
        "hybrid",
        [_value_info(n, v, dynamic_batch) for v, n in zip(data, names_in)]
        + [_value_info(v.name, v, False) for v in weights if weights_as_inputs],
        [_value_info(n, v, dynamic_batch) for v, n in zip(graph.outputs, outputs)],
        _used(ctx.initializers, ctx.nodes, outputs),
    )
    model = helper.make_model(
        onnx_graph,
        opset_imports=[helper.make_opsetid("", opset)],
        # The oldest IR version that can hold this opset: runtimes older than the onnx package
        # (onnxruntime-node and -web among them) refuse a file stamped with a newer one.
        ir_version=helper.find_min_ir_version_for([helper.make_opsetid("", opset)]),
        producer_name="hybrid",
        producer_version=hybrid.__version__,
        doc_string=doc_string,
    )
    descriptions = {f"input:{n}": f"{tuple(v.shape)} {v.dtype}" for v, n in zip(data, names_in)}
    descriptions.update(
        {f"output:{n}": f"{tuple(v.shape or ())} {v.dtype}" for v, n in zip(graph.outputs, outputs)}
    )
    helper.set_model_props(model, {**descriptions, **metadata})
    return model


def _used(
    initializers: list[onnx.TensorProto], nodes: list[onnx.NodeProto], outputs: list[str]
) -> list[onnx.TensorProto]:
    """The initializers some node or graph output reads. A lowering may leave a parameter unread
    (BatchNorm with ``fix_gamma`` uses ones, not gamma); ONNX Runtime warns about such tensors.
    """
    read = {name for node in _all_nodes(nodes) for name in node.input} | set(outputs)
    return [t for t in initializers if t.name in read]


def _all_nodes(nodes: list[onnx.NodeProto]) -> list[onnx.NodeProto]:
    """``nodes`` and the nodes of their subgraph bodies (Scan, Loop, If), which may read
    names of the enclosing graph.
    """
    found = []
    for node in nodes:
        found.append(node)
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                found.extend(_all_nodes(list(attr.g.node)))
    return found


def _name_outputs(
    ctx: Builder, values: list[Value], names: list[str], onnx_name: dict[int, str]
) -> list[str]:
    """Give graph outputs their public names by renaming the producing node's output; an output
    that is a graph input, an initializer or already named needs one Identity node.
    """
    produced = {out: (node, i) for node in ctx.nodes for i, out in enumerate(node.output)}
    result = []
    for v, name in zip(values, names):
        current = onnx_name[id(v)]
        if current in produced and current not in result:
            node, i = produced.pop(current)
            ctx.reserve(name)
            node.output[i] = name
            for other in _all_nodes(ctx.nodes):
                for j, inp in enumerate(other.input):
                    if inp == current:
                        other.input[j] = name
            onnx_name[id(v)] = name
            result.append(name)
        else:
            result.append(ctx.node("Identity", [current], [ctx.reserve(name)]))
    return result


def check_model(model: onnx.ModelProto | str) -> None:
    """``onnx.checker`` with full checks, then strict ONNX shape inference; a clear error if not."""
    try:
        onnx.checker.check_model(model, full_check=True)
        if isinstance(model, onnx.ModelProto):
            onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as e:
        raise HybridError(f"exported ONNX model does not pass the ONNX checks: {e}") from e


def save_model(model: onnx.ModelProto, path: str) -> None:
    """Write ``model`` to ``path`` atomically; weights go to ``<path>.data`` past 2 GB."""
    if sum(t.ByteSize() for t in model.graph.initializer) <= EXTERNAL_DATA_BYTES:
        write_atomic(path, model.SerializeToString())
        return
    # onnx writes the side file next to the model file it saves, so save under a temporary name
    # in the same folder and move it into place.
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".onnx.tmp")
    os.close(fd)
    try:
        onnx.save_model(
            model,
            tmp,
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=os.path.basename(path) + ".data",
            size_threshold=1024,
        )
        os.chmod(tmp, new_file_mode())  # mkstemp makes 0600; a saved file follows the umask
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
