"""SymbolBlock: a block made from a Symbol graph (MXNet's ``gluon.SymbolBlock``).

Variables that are not inputs become Parameters named after them (auxiliary states such as
BatchNorm's running statistics with ``grad_req='null'``). The block runs eagerly by executing the
graph node by node through the one dispatch (see ``hybrid.graph.eager``), so autograd records it
like any eager code; called with Symbols (by a tracer) the same loop builds graph nodes, so a
SymbolBlock hybridizes and nests like any HybridBlock.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import serialization
from ..base import HybridError
from ..graph import eager
from ..graph.infer import infer_graph
from ..graph.ir import Graph, Value
from ..ops.registry import get_op, invoke
from ..symbol import symbol as _symbol
from .block import HybridBlock
from .parameter import ParameterDict, ParameterStypeError

__all__ = ["SymbolBlock"]


def _values(symbols: Any) -> list[Value]:
    symbols = symbols if isinstance(symbols, (list, tuple)) else [symbols]
    return [v for s in symbols for v in s._outputs]


class SymbolBlock(HybridBlock):
    """A HybridBlock computing ``outputs`` from the variables ``inputs``.

    Parameters
    ----------
    outputs : Symbol or list of Symbol
        The graph's outputs.
    inputs : Symbol or list of Symbol
        Variables fed by the block's call arguments, in order.
    params : ParameterDict, optional
        Parameters to use for the other variables (matched by name); missing ones are created.
    """

    def __init__(self, outputs: Any, inputs: Any, params: ParameterDict | None = None):
        # As MXNet: a counted name (symbolblock0), then no prefix and the given parameters as
        # they are (their names are the graph's variable names), whatever scope it is made in.
        super().__init__()
        self._prefix, self._params = "", ParameterDict("", params)
        out_values = _values(outputs)
        self._n_outputs = len(out_values)
        in_values = _values(inputs)
        not_vars = [v.name for v in in_values if v.node is not None]
        if not_vars:
            raise HybridError(f"SymbolBlock: inputs {not_vars} are not variables")
        graph = Graph.from_outputs(out_values)
        sparse = [v.name for v in graph.inputs if v.attrs.get("__storage_type__") == "1"]
        if sparse:
            raise ParameterStypeError(
                f"SymbolBlock: variables {sparse} have storage type 'row_sparse', which "
                "SymbolBlock does not support (as in MXNet)"
            )
        self._graph = graph
        # Inputs are matched by name, as MXNet does (a new var('data') names the graph's data).
        by_name = {v.name: v for v in graph.inputs}
        in_values = [by_name.get(v.name, v) for v in in_values]
        self._open_fills = eager.open_fills(graph)
        self._zero_fed: list[Value] = []
        input_ids = {id(v) for v in in_values}
        self._input_values = in_values
        aux = {id(v) for v in graph.aux_inputs()}
        self._param_values = [v for v in graph.inputs if id(v) not in input_ids]
        for v in self._param_values:
            if params is not None and v.name in params:
                self._params.get(v.name)  # shared: taken from ``params`` as it is
                continue
            self._params.get(
                v.name,
                shape=v.shape,
                dtype=np.float32 if v.dtype is None else v.dtype,
                allow_deferred_init=True,
                grad_req="null" if id(v) in aux else "write",
            )
        # Structural names (save_parameters) drop the names' common prefix, as MXNet's do.
        names = list(self._params.keys())
        cut = len(os.path.commonprefix(names)) if len(names) > 1 else 0
        for name in names:
            self._reg_params[name[cut:]] = self._params[name]

    def forward(self, *args: Any) -> Any:
        if len(args) != len(self._input_values):
            raise HybridError(
                f"{self.name or 'SymbolBlock'}: expected {len(self._input_values)} inputs "
                f"{[v.name for v in self._input_values]}, got {len(args)}"
            )
        env: dict[int, Any] = {id(v): a for v, a in zip(self._input_values, args)}
        for v in self._param_values:
            env[id(v)] = self._params[v.name].data()
        shapes = {v.name: tuple(a.shape) for v, a in zip(self._input_values, args)}
        fills = eager.fill_shapes(self._graph, self._open_fills, shapes)
        if self._zero_fed:
            env.update(self._zero_labels(shapes, any(hasattr(a, "_is_symbol") for a in args)))
        outs = eager.run(self._graph, env, fills)
        return outs[0] if len(outs) == 1 else outs

    def _zero_labels(self, shapes: dict, symbolic: bool) -> dict[int, Any]:
        """Zeros for the labels of loss heads that the parameter file lacks (see
        :meth:`imports`), shaped by inference from this call's inputs.
        """
        table, _ = infer_graph(self._graph, shapes, {})
        zeros = get_op("_zeros")
        env = {}
        for v in self._zero_fed:
            shape = table.get(id(v))
            if shape is None or 0 in shape:
                raise HybridError(f"SymbolBlock: cannot infer the shape of label '{v.name}' "
                                  f"from inputs {shapes}; pass it as an input")
            attrs = zeros.parse_attrs({"shape": shape, "dtype": v.dtype})
            env[id(v)] = (_symbol.symbol_invoke(zeros, [], attrs) if symbolic
                          else invoke(zeros, [], attrs))
        return env

    def infer_shape(self, *args: Any) -> None:
        """Complete the parameters' unknown shapes from the input shapes (two-way inference)."""
        shapes = {v.name: a.shape for v, a in zip(self._input_values, args)}
        table, _ = infer_graph(self._graph, shapes, {})
        for v in self._param_values:
            shape = table.get(id(v))
            if shape is None or 0 in shape:
                raise HybridError(
                    f"SymbolBlock: cannot infer the shape of parameter '{v.name}' from inputs "
                    f"{shapes}"
                )
            self._params[v.name].shape = shape

    @staticmethod
    def imports(
        symbol_file: str, input_names: Any, param_file: str | None = None, ctx: Any = None
    ) -> SymbolBlock:
        """A SymbolBlock from ``export()``'s files: the graph JSON and (optionally) the
        parameters, keyed ``arg:<name>`` / ``aux:<name>``.

        Files written by MXNet 1.x's ``export`` load too: its graph JSON is recognised by its
        layout and converted by :mod:`hybrid.mxnet_graph`, its binary parameter file by
        :func:`hybrid.serialization.load`.
        """
        names = [input_names] if isinstance(input_names, str) else list(input_names)
        out = _symbol.load(symbol_file)
        variables = {v.name: v for v in out._graph().inputs}
        missing = [n for n in names if n not in variables]
        if missing:
            raise HybridError(
                f"SymbolBlock.imports: inputs {missing} are not variables of {symbol_file} "
                f"(it has {sorted(variables)})"
            )
        block = SymbolBlock(out, [_symbol.Symbol([variables[n]]) for n in names])
        if param_file is not None:
            block._load_exported(param_file, ctx)
        return block

    def _feed_zero_labels(self, absent: list[str]) -> None:
        """Labels of legacy loss heads (``SoftmaxOutput``'s ``softmax_label``...) that the
        parameter file lacks stop being parameters and are fed zeros: MXNet's export leaves them
        out and inference never reads them. (Pass a label as an input to train through the head.)
        """
        users = self._graph.consumers()

        def only_label(v: Value) -> bool:
            uses = [node.op.input_names(len(node.inputs))[i] for node in users.get(id(v), [])
                    for i, u in enumerate(node.inputs) if u is v]
            return bool(uses) and all(arg == "label" for arg in uses)

        self._zero_fed = [v for v in self._param_values if v.name in absent and only_label(v)]
        fed = {id(v) for v in self._zero_fed}
        self._param_values = [v for v in self._param_values if id(v) not in fed]
        for v in self._zero_fed:
            del self._params._params[v.name]

    def _load_exported(self, param_file: str, ctx: Any) -> None:
        loaded = serialization.load(param_file)
        if loaded == []:
            loaded = {}  # MXNet saves an empty dict (a graph without parameters) as a list
        if not isinstance(loaded, dict):
            raise HybridError(f"SymbolBlock.imports: {param_file} does not hold named arrays")
        arrays = {k.split(":", 1)[-1]: a for k, a in loaded.items()}
        self._feed_zero_labels([n for n in self._params.keys() if n not in arrays])
        missing = [n for n in self._params.keys() if n not in arrays]
        if missing:
            raise HybridError(f"SymbolBlock.imports: {param_file} lacks parameters {missing}")
        for name, p in self._params.items():
            p._load_init(arrays[name], ctx)
