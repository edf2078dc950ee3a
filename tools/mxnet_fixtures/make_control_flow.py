"""Write a Gluon model with MXNet 1.9.1's control-flow ops into
tests/fixtures/mxnet/control_flow/ (run once, by hand).

Run with a Python that has ``mxnet==1.9.1`` and ``numpy==1.23.5``::

    python tools/mxnet_fixtures/make_control_flow.py [--out FOLDER]

``loops`` is a HybridBlock whose exported graph holds a ``_foreach`` node (a tanh RNN over the
time axis whose body reads a Dense layer's parameters), a ``_while_loop`` node (a counter and a
running product, stopping before ``max_iterations``) and a ``_cond`` node. It writes
``loops-symbol.json``, ``loops-0000.params``, ``loops-input.npz`` (inputs by name, in call order
under ``__order__``) and ``loops-output.npz`` (MXNet's outputs ``0``, ``1``, ...; ``steps`` is how
many rows of the while loop's step output are defined: MXNet leaves the padding to
``max_iterations`` uninitialised).
"""

from __future__ import annotations

import argparse
import pathlib

import mxnet as mx
import numpy as np
from mxnet import gluon

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "mxnet" / "control_flow"


class Loops(gluon.HybridBlock):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.cell = gluon.nn.Dense(4, in_units=3, flatten=False)

    def hybrid_forward(self, F, x, h0, a):
        def step(xt, states):
            h = F.tanh(self.cell(xt) + states[0])
            return h * 2, [h]

        seq, states = F.contrib.foreach(step, x, [h0])
        rows, (count, prod) = F.contrib.while_loop(
            lambda i, p: i < 3, lambda i, p: ([p + 1], [i + 1, p * 1.5]),
            [F.zeros_like(F.slice_axis(a, axis=0, begin=0, end=1)), a], max_iterations=6)
        picked = F.contrib.cond(F.sum(prod) > 0, lambda: prod * 2, lambda: prod - 1)
        return seq, states[0], rows[0], count, prod, picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    mx.random.seed(0)
    rng = np.random.default_rng(0)
    net = Loops(prefix="loops_")
    net.initialize(mx.init.Uniform(0.5))
    net.hybridize()
    inputs = {
        "data0": rng.uniform(-1, 1, (5, 2, 3)).astype(np.float32),
        "data1": rng.uniform(-1, 1, (2, 4)).astype(np.float32),
        "data2": rng.uniform(0.5, 1, (2,)).astype(np.float32),
    }
    outs = net(*[mx.nd.array(v) for v in inputs.values()])
    net.export(str(out / "loops"))
    np.savez(out / "loops-input.npz", __order__=np.array(list(inputs)), **inputs)
    np.savez(out / "loops-output.npz", steps=np.array(3),
             **{str(i): o.asnumpy() for i, o in enumerate(outs)})


if __name__ == "__main__":
    main()
