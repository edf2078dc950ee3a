"""SymbolBlock: a block made from a Symbol graph (MXNet's ``gluon.SymbolBlock``).

Variables that are not inputs become Parameters named after them (auxiliary states such as
BatchNorm's running statistics with ``grad_req='null'``). The block runs eagerly by executing the
graph node by node through the one dispatch (``registry.invoke``), so autograd records it like any
eager code; called with Symbols (by a tracer) the same loop builds graph nodes, so a SymbolBlock
hybridizes and nests like any HybridBlock.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import serialization
from ..base import HybridError
from ..graph.infer import infer_graph
from ..graph.ir import Graph, Value
from ..ops.registry import invoke
from ..symbol import symbol as _symbol
from .block import HybridBlock
from .parameter import ParameterDict

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
        self._graph = graph
        # Inputs are matched by name, as MXNet does (a new var('data') names the graph's data).
        by_name = {v.name: v for v in graph.inputs}
        in_values = [by_name.get(v.name, v) for v in in_values]
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
        for node in self._graph.nodes:
            res = invoke(node.op, [env[id(v)] for v in node.inputs], node.attrs, name=node.name)
            res = res if isinstance(res, list) else [res]
            for v, r in zip(node.outputs, res):
                env[id(v)] = r
        outs = [env[id(v)] for v in self._graph.outputs]
        return outs[0] if len(outs) == 1 else outs

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

    def _load_exported(self, param_file: str, ctx: Any) -> None:
        loaded = serialization.load(param_file)
        if not isinstance(loaded, dict):
            raise HybridError(f"SymbolBlock.imports: {param_file} does not hold named arrays")
        arrays = {k.split(":", 1)[-1]: a for k, a in loaded.items()}
        missing = [n for n in self._params.keys() if n not in arrays]
        if missing:
            raise HybridError(f"SymbolBlock.imports: {param_file} lacks parameters {missing}")
        for name, p in self._params.items():
            p._load_init(arrays[name], ctx)
