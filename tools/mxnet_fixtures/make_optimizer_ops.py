"""Record one step of MXNet 1.9.1's optimizer update ops as ``.npz`` fixtures.

Run with a Python that has ``mxnet==1.9.1`` (not hybrid's venv)::

    python tools/mxnet_fixtures/make_optimizer_ops.py

Writes ``tests/fixtures/mxnet/optimizer_ops/<case>.npz``, each holding ``meta`` (JSON: the ``nd``
function path and attributes), ``in<i>`` (the inputs before the call), ``out`` (the returned
weight) and ``after<i>`` (every input after the call: the states are updated in place).
``tests/ops/test_mxnet_optimizer_ops.py`` replays them on hybrid.
"""

from __future__ import annotations

import json
import os
import pathlib
import tempfile

import mxnet as mx
import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "mxnet" / "optimizer_ops"
RNG = np.random.default_rng(0)
SHAPE = (3, 5)
CLIP = {"wd": 0.1, "rescale_grad": 2.0, "clip_gradient": 0.5}

# (case name, nd function path, number of state inputs, attrs, extra inputs)
CASES = [
    ("sgd", "sgd_update", 0, {"lr": 0.1}),
    ("sgd_clip", "sgd_update", 0, {"lr": 0.3, **CLIP}),
    ("sgd_mom", "sgd_mom_update", 1, {"lr": 0.1, "momentum": 0.9}),
    ("sgd_mom_clip", "sgd_mom_update", 1, {"lr": 0.2, "momentum": 0.5, **CLIP}),
    ("nag_mom", "nag_mom_update", 1, {"lr": 0.1, "momentum": 0.9, "wd": 0.05}),
    ("nag_mom_clip", "nag_mom_update", 1, {"lr": 0.1, "momentum": 0.7, **CLIP}),
    ("adam", "adam_update", 2, {"lr": 0.01}),
    ("adam_clip", "adam_update", 2, {"lr": 0.1, "beta1": 0.8, "epsilon": 1e-3, **CLIP}),
    ("rmsprop", "rmsprop_update", 1, {"lr": 0.01}),
    ("rmsprop_clip", "rmsprop_update", 1, {"lr": 0.1, "clip_weights": 0.8, **CLIP}),
    ("rmspropalex", "rmspropalex_update", 3, {"lr": 0.01}),
    ("rmspropalex_clip", "rmspropalex_update", 3,
     {"lr": 0.1, "gamma2": 0.8, "clip_weights": 0.8, **CLIP}),
    ("ftrl", "ftrl_update", 2, {"lr": 0.1}),
    ("ftrl_clip", "ftrl_update", 2, {"lr": 0.5, "lamda1": 0.3, "beta": 0.5, **CLIP}),
    ("signsgd", "signsgd_update", 0, {"lr": 0.1, "wd": 0.2}),
    ("signum", "signum_update", 1, {"lr": 0.1, "momentum": 0.9}),
    ("signum_clip", "signum_update", 1, {"lr": 0.1, "momentum": 0.5, "wd_lh": 0.2, **CLIP}),
]


def _save(name: str, data: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=OUT, suffix=".npz")
    os.close(fd)
    np.savez(tmp, **data)
    os.replace(tmp, OUT / f"{name}.npz")


def _function(path: str):
    fn = mx.nd
    for part in path.split("."):
        fn = getattr(fn, part)
    return fn


def main() -> None:
    for name, path, n_states, attrs, *extra in CASES:
        shape = extra[1] if len(extra) > 1 else SHAPE
        inputs = [RNG.normal(size=shape), RNG.normal(size=shape)]
        inputs += [RNG.uniform(0.1, 1.0, shape) for _ in range(n_states)]
        if path == "rmspropalex_update":  # its mean gradient state must stay below sqrt(n)
            inputs[3] *= 0.1
        inputs += list(extra[0]) if extra else []
        inputs = [x.astype(np.float32) for x in inputs]
        arrays = [mx.nd.array(x, dtype=x.dtype) for x in inputs]
        out = _function(path)(*arrays, **attrs)
        data = {"meta": json.dumps({"path": path, "attrs": attrs}), "out": out.asnumpy()}
        for i, (x, a) in enumerate(zip(inputs, arrays)):
            data[f"in{i}"], data[f"after{i}"] = x, a.asnumpy()
        _save(name, data)
        print(name)


if __name__ == "__main__":
    main()
