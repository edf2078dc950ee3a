"""Every op sample traced through ``hybrid.sym`` into a one-node graph and executed equals eager:
outputs, and gradients through the graph's single tape entry (see STYLE.md, section 7).
"""

from __future__ import annotations

import numpy as np
import pytest
from hybrid.nd import NDArray

import hybrid
from hybrid import autograd
from hybrid.graph.executor import Executor
from hybrid.graph.ir import Graph
from hybrid.ops.registry import all_ops
from hybrid.symbol.symbol import symbol_invoke
from tests.checks import OP_SEED, grad_inputs, run, sample_cases


def _graph(op, sample):
    """The one-node graph of ``op`` on variables shaped like the sample's inputs."""
    names = op.input_names(len(sample.inputs))
    variables = [
        hybrid.sym.var(n, shape=np.shape(x), dtype=np.asarray(x).dtype)
        for n, x in zip(names, sample.inputs)
    ]
    with autograd.train_mode() if sample.train else autograd.predict_mode():
        out = symbol_invoke(op, variables, op.parse_attrs(sample.attrs))
    inputs = [v._outputs[0] for v in variables]
    return Graph.from_outputs(out._outputs, inputs=inputs)


def _run_graph(op, sample, record):
    arrays = [NDArray._wrap(np.array(x)) for x in sample.inputs]
    executor = Executor(_graph(op, sample))
    hybrid.random.seed(OP_SEED)
    if not record:
        return arrays, executor(arrays)
    for i in grad_inputs(sample):
        arrays[i].attach_grad()
    with autograd.record(train_mode=sample.train):
        outs = executor(arrays)
    return arrays, outs


@pytest.mark.parametrize("op,index,sample", sample_cases(all_ops()))
def test_graph_outputs_equal_eager(op, index, sample):
    _, eager = run(op, sample)
    _, graph = _run_graph(op, sample, record=False)
    assert len(graph) == len(eager)
    for e, g in zip(eager, graph):
        assert g.shape == e.shape and g.dtype == e.dtype
        np.testing.assert_array_equal(g.asnumpy(), e.asnumpy())


@pytest.mark.parametrize(
    "op,index,sample", sample_cases([op for op in all_ops() if op.differentiable])
)
def test_graph_gradients_equal_eager(op, index, sample):
    rng = np.random.default_rng(index)
    e_in, e_out = run(op, sample, record=True)
    g_in, g_out = _run_graph(op, sample, record=True)
    heads = [i for i, o in enumerate(e_out) if o.asnumpy().dtype.kind == "f"]
    us = [NDArray._wrap(rng.normal(size=e_out[i].shape)) for i in heads]
    autograd.backward([e_out[i] for i in heads], us)
    autograd.backward([g_out[i] for i in heads], us)
    for i in grad_inputs(sample):
        np.testing.assert_allclose(
            g_in[i].grad.asnumpy(), e_in[i].grad.asnumpy(), rtol=1e-12, atol=1e-12
        )
