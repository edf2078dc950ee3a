"""Samples of the ops holding subgraphs: control-flow nodes built by the symbolic front end
(``hybrid/symbol/control_flow.py``) on small bodies, with inputs in the node's input order, and a
``_CachedOp`` node.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .registry import Sample


def _node_attrs(build: Callable, shapes: dict) -> tuple[dict, list[str]]:
    """(raw attributes, input variable names) of the one control-flow node ``build`` makes
    from variables of the given shapes.
    """
    from .. import symbol as sym

    variables = {n: sym.var(n, shape=s, dtype="float64") for n, s in shapes.items()}
    out = build(sym, variables)
    node = sym.Group(out if isinstance(out, list) else [out])._outputs[0].node
    return dict(node.attrs), [v.name for v in node.inputs]


def _sample(rng: np.random.Generator, build: Callable, shapes: dict, **kw) -> Sample:
    attrs, names = _node_attrs(build, shapes)
    return Sample([rng.uniform(-1, 1, size=shapes[n]) for n in names], attrs, **kw)


def _rnn_loop(F, v):
    """A tanh RNN over x (T, N, C) with weight w (C, C) read from outside the body."""
    def step(x, states):
        h = F.tanh(F.dot(x, v["w"]) + states[0])
        return [h * 2, h + x], [h]

    outs, states = F.contrib.foreach(step, v["x"], [v["h0"]])
    return [*outs, states[0]]


def _two_data_two_states(F, v):
    def step(data, states):
        a, b = data
        s, t = states
        return a * s + b, [s + a, t * F.sigmoid(b)]

    out, states = F.contrib.foreach(step, [v["a"], v["b"]], [v["s"], v["t"]])
    return [out, *states]


def foreach_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        _sample(rng, _rnn_loop, {"x": (4, 2, 3), "h0": (2, 3), "w": (3, 3)}),
        _sample(rng, _two_data_two_states, {"a": (3, 2), "b": (3, 2), "s": (2,), "t": (2,)}),
    ]


def _counted(F, v):
    """Three steps of ``a = tanh(a * w)`` counted by i, padded to five rows."""
    outs, (i, a) = F.contrib.while_loop(
        lambda i, a: i < 2.5, lambda i, a: ([a * v["w"], i], [i + 1, F.tanh(a * v["w"])]),
        [v["i"], v["a"]], max_iterations=5)
    return [*outs, i, a]


def while_loop_samples(rng: np.random.Generator) -> list[Sample]:
    sample = _sample(rng, _counted, {"i": (1,), "a": (2, 3), "w": (2, 3)})
    sample.inputs[0][...] = 0.0  # i counts from 0: three steps, away from the 2.5 boundary
    return [sample]


def _branches(F, v):
    return F.contrib.cond(v["p"], lambda: [v["x"] * v["y"], F.exp(v["x"])],
                          lambda: [v["x"] + v["y"], v["y"]])


def cond_samples(rng: np.random.Generator) -> list[Sample]:
    samples = []
    for taken in (1.0, 0.0):  # the then-branch, then the else-branch
        s = _sample(rng, _branches, {"p": (1,), "x": (2, 3), "y": (2, 3)}, grad=(1, 2))
        s.inputs[0][...] = taken
        samples.append(s)
    return samples


def cached_op_samples(rng: np.random.Generator) -> list[Sample]:
    """A two-output graph of three ops on x and w (2, 3)."""
    from .. import symbol as sym
    from ..graph.ir import Graph

    x, w = sym.var("x", shape=(2, 3), dtype="float64"), sym.var("w", shape=(2, 3), dtype="float64")
    outs = [sym.tanh(x * w) + x, sym.exp(w)]
    graph = Graph.from_outputs([o._outputs[0] for o in outs],
                               inputs=[x._outputs[0], w._outputs[0]])
    return [Sample([rng.uniform(-1, 1, size=(2, 3)) for _ in range(2)], {"subgraphs": (graph,)})]
