"""Every registry op survives MXNet's graph JSON: each op sample, traced into a one-node graph,
is written as MXNet writes ``-symbol.json`` (``format='mxnet'``), read back and run, and equals
the traced graph. The written operator names are ones MXNet 1.9.1 registers
(tests/fixtures/mxnet/operator_names.json, made by tools/mxnet_fixtures/make_operator_names.py).

Samples are traced in inference mode: MXNet's JSON carries no mode (the executor takes it at run
time), so a graph read back runs in inference mode.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
from hybrid.nd import NDArray

import hybrid
from hybrid import autograd, mxnet_graph
from hybrid.base import HybridError
from hybrid.graph.executor import Executor
from hybrid.graph.ir import Graph
from hybrid.ops.registry import all_ops, get_op
from hybrid.symbol.symbol import symbol_invoke
from tests.checks import OP_SEED, sample_cases

NAMES = pathlib.Path(__file__).resolve().parent / "fixtures" / "mxnet" / "operator_names.json"
MXNET_OPS = frozenset(json.loads(NAMES.read_text())["operators"])


def _graph(op, sample) -> Graph:
    names = op.input_names(len(sample.inputs))
    variables = [hybrid.sym.var(n, shape=np.shape(x), dtype=np.asarray(x).dtype)
                 for n, x in zip(names, sample.inputs)]
    with autograd.predict_mode():
        out = symbol_invoke(op, variables, op.parse_attrs(sample.attrs))
    return Graph.from_outputs(out._outputs, inputs=[v._outputs[0] for v in variables])


def _run(graph: Graph, sample) -> list:
    # Fresh arrays per run: the optimizer update ops write into their state inputs.
    by_name = {v.name: NDArray._wrap(np.array(x)) for v, x in zip(graph.inputs, sample.inputs)}
    hybrid.random.seed(OP_SEED)
    return [o.asnumpy() for o in Executor(graph)([by_name[v.name] for v in graph.inputs])]


WRITABLE = [op for op in all_ops() if op.name not in mxnet_graph.NOT_IN_MXNET]


@pytest.mark.parametrize("op,index,sample", sample_cases(WRITABLE))
def test_op_round_trips_through_mxnet_graph_json(op, index, sample):
    graph = _graph(op, sample)
    doc = mxnet_graph.graph_to_json(graph)
    written = [n for n in doc["nodes"] if n["op"] != "null"]
    assert [n["op"] for n in written if n["op"] not in MXNET_OPS] == []
    assert all(isinstance(v, str) for n in written for v in n.get("attrs", {}).values())
    again = hybrid.sym.load_json(json.dumps(doc))._graph()
    assert [v.name for v in again.inputs] == [v.name for v in graph.inputs]
    expected, got = _run(graph, sample), _run(again, sample)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype
        np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize("name", sorted(mxnet_graph.NOT_IN_MXNET))
def test_ops_mxnet_lacks_are_refused_naming_the_node(name):
    op = get_op(name)
    graph = _graph(op, op.samples(np.random.default_rng(0))[0])
    with pytest.raises(HybridError, match=rf"no MXNet operator for node .*\({name}: "):
        mxnet_graph.graph_to_json(graph)


def test_name_tables_point_at_operators_on_both_sides():
    assert sorted(k for k in mxnet_graph.OP_MAP if k not in MXNET_OPS) == []
    assert sorted(mx for mx, _ in mxnet_graph.WRITTEN_AS.values() if mx not in MXNET_OPS) == []
    assert sorted(k for k in mxnet_graph.NOT_IN_MXNET if k in MXNET_OPS) == []


def test_mxnet_written_einsum_imports():
    """MXNet 1.9.1 writes np.einsum with ``num_args`` (``{'num_args': '2', 'optimize': '0',
    'subscripts': 'ij,jk->ik'}``, from ``sym.np.einsum(...).tojson()``)."""
    nodes = [{"op": "null", "name": "a", "inputs": []}, {"op": "null", "name": "b", "inputs": []},
             {"op": "_npi_einsum", "name": "e", "inputs": [[0, 0, 0], [1, 0, 0]],
              "attrs": {"num_args": "2", "optimize": "0", "subscripts": "ij,jk->ik"}}]
    out = hybrid.sym.load_json(json.dumps({"nodes": nodes, "arg_nodes": [0, 1],
                                           "heads": [[2, 0, 0]]}))
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    (y,) = out.eval(a=hybrid.nd.array(a), b=hybrid.nd.array(b))
    np.testing.assert_allclose(y.asnumpy(), a @ b)
