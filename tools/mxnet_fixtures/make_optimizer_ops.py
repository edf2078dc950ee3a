"""Record one step of MXNet 1.9.1's optimizer update ops as ``.npz`` fixtures.

Run with a Python that has ``mxnet==1.9.1`` (not hybrid's venv)::

    python tools/mxnet_fixtures/make_optimizer_ops.py

Writes ``tests/fixtures/mxnet/optimizer_ops/<case>.npz``, each holding ``meta`` (JSON: the ``nd``
function path, attributes and whether the call had ``out=weight``), ``in<i>`` (the inputs before
the call), ``out`` (the returned weight) and ``after<i>`` (every input after the call: the states
are updated in place).
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

# A state count of MP + k: k states then a float32 master weight, with a float16 weight and grad.
MP = 100
# (case name, nd function path, number of state inputs, attrs, extra (1,)-shaped inputs)
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
    ("ftml", "ftml_update", 3, {"lr": 0.1, "t": 1}),
    ("ftml_clip", "ftml_update", 3,
     {"lr": 0.1, "t": 3, "wd": 0.1, "rescale_grad": 2.0, "clip_grad": 0.5}),
    ("lamb_phase1", "lamb_update_phase1", 2, {"t": 1, "wd": 0.1}),
    ("lamb_phase1_clip", "lamb_update_phase1", 2,
     {"t": 3, "wd": 0.0, "bias_correction": False, "rescale_grad": 2.0, "clip_gradient": 0.5}),
    ("lamb_phase2", "lamb_update_phase2", 2, {"lr": 0.1}, [[0.7], [0.4]]),
    ("lamb_phase2_bounds", "lamb_update_phase2", 2,
     {"lr": 0.1, "lower_bound": 0.8, "upper_bound": 2.0}, [[0.7], [0.4]]),
    ("lamb_phase2_zero", "lamb_update_phase2", 2, {"lr": 0.1}, [[0.0], [0.4]]),
    ("adamw", "contrib.adamw_update", 2, {"lr": 0.01, "eta": 1.0}, [[1.0]]),
    ("adamw_clip", "contrib.adamw_update", 2,
     {"lr": 0.1, "eta": 0.5, "wd": 0.1, "clip_gradient": 0.5}, [[2.0]]),
    ("group_adagrad", "contrib.group_adagrad_update", 1, {"lr": 0.1}),
    ("group_adagrad_clip", "contrib.group_adagrad_update", 1,
     {"lr": 0.5, "rescale_grad": 2.0, "clip_gradient": 0.5, "epsilon": 1e-3}),
    # a non-finite rescale_grad skips the update (recorded with out=weight: a fresh output
    # would be left unwritten)
    ("adamw_skip", "contrib.adamw_update", 2, {"lr": 0.01, "eta": 1.0}, [[float("inf")]]),
    ("mp_sgd", "mp_sgd_update", MP, {"lr": 0.1, **CLIP}),
    ("mp_sgd_mom", "mp_sgd_mom_update", MP + 1, {"lr": 0.1, "momentum": 0.9, **CLIP}),
    ("mp_nag_mom", "mp_nag_mom_update", MP + 1, {"lr": 0.1, "momentum": 0.9, **CLIP}),
    ("mp_lamb_phase1", "mp_lamb_update_phase1", MP + 2, {"t": 2, "wd": 0.1}),
    ("mp_lamb_phase2", "mp_lamb_update_phase2", MP + 2, {"lr": 0.1}, [[0.7], [0.4]]),
    ("mp_adamw", "contrib.mp_adamw_update", MP + 2, {"lr": 0.01, "eta": 1.0, "wd": 0.1},
     [[2.0]]),
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
        shape = SHAPE
        inputs = [RNG.normal(size=shape), RNG.normal(size=shape)]
        inputs += [RNG.uniform(0.1, 1.0, shape) for _ in range(n_states % MP)]
        if path == "rmspropalex_update":  # its mean gradient state must stay below sqrt(n)
            inputs[3] *= 0.1
        if path == "lamb_update_phase2" or path == "mp_lamb_update_phase2":
            inputs[2:4] = [np.array(v) for v in extra[0]]  # the norms r1 and r2
        elif extra:
            inputs += [np.array(v) for v in extra[0]]
        inputs = [x.astype(np.float32) for x in inputs]
        if n_states >= MP:
            # the master weight goes before a trailing rescale_grad input (mp_adamw)
            inputs.insert(2 + n_states - MP, inputs[0].copy())
            inputs[0] = inputs[0].astype(np.float16)
            if path != "mp_lamb_update_phase2":  # its g is phase 1's float32 output
                inputs[1] = inputs[1].astype(np.float16)
        arrays = [mx.nd.array(x, dtype=x.dtype) for x in inputs]
        if path == "contrib.group_adagrad_update":
            # MXNet's CPU kernel needs a row_sparse gradient (all rows present: a dense update)
            # and an in-place output; the history has one value per row.
            inputs[2] = inputs[2][:, :1]
            arrays[1:] = [arrays[1].tostype("row_sparse"), mx.nd.array(inputs[2])]
            out = _function(path)(*arrays, out=arrays[0], **attrs)
        elif name.endswith("_skip"):
            out = _function(path)(*arrays, out=arrays[0], **attrs)
        else:
            out = _function(path)(*arrays, **attrs)
        inplace = path == "contrib.group_adagrad_update" or name.endswith("_skip")
        meta = {"path": path, "attrs": attrs, "inplace": inplace}
        data = {"meta": json.dumps(meta), "out": out.asnumpy()}
        for i, (x, a) in enumerate(zip(inputs, arrays)):
            data[f"in{i}"], data[f"after{i}"] = x, a.tostype("default").asnumpy()
        _save(name, data)
        print(name)


if __name__ == "__main__":
    main()
