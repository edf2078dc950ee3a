"""The vision, detection, sequence, resize, transformer and loss-head ops against outputs and
gradients recorded from real MXNet 1.9.1 (tests/fixtures/mxnet/ops/, written by
tools/mxnet_fixtures/make_ops.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import hybrid
from hybrid import autograd
from hybrid.ndarray.namespace import subspace_of

FIXTURES = Path(__file__).parent.parent / "fixtures" / "mxnet" / "ops"


def _cases() -> list:
    params = []
    for path in sorted(FIXTURES.glob("*.npz")):
        with np.load(path, allow_pickle=False) as data:
            keys = sorted({k.split(".")[0] for k in data.files}, key=int)
            params += [pytest.param(path, int(k), id=f"{path.stem}-{k}") for k in keys]
    return params


def _function(name: str):
    where = subspace_of(name)
    if where is None:
        return getattr(hybrid.nd, name)
    return getattr(getattr(hybrid.nd, where[0]), where[1])


@pytest.mark.parametrize("path,case", _cases())
def test_matches_mxnet(path, case):
    with np.load(path, allow_pickle=False) as data:
        c = {k.split(".", 1)[1]: data[k] for k in data.files if k.split(".")[0] == str(case)}
    attrs = json.loads(str(c["attrs"]))
    n_in = sum(1 for k in c if k.startswith("in"))
    arrays = [hybrid.nd.array(c[f"in{i}"], dtype=c[f"in{i}"].dtype) for i in range(n_in)]
    grads = [int(i) for i in c["grads"]]
    for i in grads:
        arrays[i].attach_grad()
    with autograd.record():
        out = _function(path.stem)(*arrays, **attrs)
    outs = out if isinstance(out, list) else [out]
    n_out = sum(1 for k in c if k.startswith("out"))
    assert len(outs) == n_out
    for j, o in enumerate(outs):
        expected = c[f"out{j}"]
        assert o.shape == expected.shape, f"output {j}"
        np.testing.assert_allclose(o.asnumpy(), expected, rtol=1e-4, atol=1e-5,
                                   err_msg=f"output {j}")
    if grads:
        autograd.backward(outs, [hybrid.nd.array(c[f"head{j}"]) for j in range(n_out)])
        for i in grads:
            np.testing.assert_allclose(arrays[i].grad.asnumpy(), c[f"grad{i}"], rtol=1e-4,
                                       atol=1e-5, err_msg=f"gradient of input {i}")
