"""hybrid's nd ops against outputs and gradients recorded from MXNet 1.9.1.

The fixtures (``tests/fixtures/mxnet/nd_ops/*.npz``) come from
``tools/mxnet_fixtures/make_nd_ops.py``, which runs real MXNet; each holds the inputs, attributes,
outputs, head gradients and input gradients of one call.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import hybrid
from hybrid import autograd

FIXTURES = sorted((pathlib.Path(__file__).parents[1] / "fixtures" / "mxnet" / "nd_ops").glob(
    "*.npz"))


def _function(path: str):
    fn = hybrid.nd
    for part in path.split("."):
        fn = getattr(fn, part)
    return fn


def _count(data, prefix: str) -> int:
    return sum(1 for k in data.files if k.startswith(prefix) and k[len(prefix):].isdigit())


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_matches_mxnet(path):
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        inputs = [hybrid.nd.array(data[f"in{i}"], dtype=data[f"in{i}"].dtype)
                  for i in range(_count(data, "in"))]
        for i in meta["grads"]:
            inputs[i].attach_grad()
        with autograd.record():
            outs = _function(meta["function"])(*inputs, **meta["attrs"])
        outs = outs if isinstance(outs, list) else [outs]
        assert len(outs) == _count(data, "out")
        for i, o in enumerate(outs):
            np.testing.assert_allclose(o.asnumpy(), data[f"out{i}"], rtol=1e-5, atol=1e-6,
                                       err_msg=f"{path.stem}: output {i}")
        if meta["grads"]:
            heads = [hybrid.nd.array(data[f"head{i}"], dtype=np.float64) for i in range(len(outs))]
            autograd.backward(outs, heads)
            for i in meta["grads"]:
                np.testing.assert_allclose(inputs[i].grad.asnumpy(), data[f"grad{i}"], rtol=1e-5,
                                           atol=1e-6, err_msg=f"{path.stem}: gradient {i}")
