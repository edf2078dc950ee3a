"""hybrid's optimizer update ops against one step recorded from MXNet 1.9.1.

The fixtures (``tests/fixtures/mxnet/optimizer_ops/*.npz``) come from
``tools/mxnet_fixtures/make_optimizer_ops.py``, which runs real MXNet; each holds the inputs and
attributes of one call, the weight it returned and every input after it (states are updated in
place).
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
from hybrid.export.builder import Builder, Call
from hybrid.export.lowering import lower
from hybrid.export.opset import default_opset

import hybrid
from hybrid.base import HybridError
from hybrid.ops import get_op

FIXTURES = sorted(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "mxnet" / "optimizer_ops").glob("*.npz")
)


def _function(path: str):
    fn = hybrid.nd
    for part in path.split("."):
        fn = getattr(fn, part)
    return fn


def _replay(data):
    meta = json.loads(str(data["meta"]))
    n = sum(1 for k in data.files if k.startswith("in"))
    inputs = [hybrid.nd.array(data[f"in{i}"], dtype=data[f"in{i}"].dtype) for i in range(n)]
    if meta["inplace"]:  # recorded with out=weight (see the generator)
        out = _function(meta["path"])(*inputs, out=inputs[0], **meta["attrs"])
    else:
        out = _function(meta["path"])(*inputs, **meta["attrs"])
    return out, inputs, n


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_matches_mxnet(path):
    with np.load(path, allow_pickle=False) as data:
        out, inputs, n = _replay(data)
        np.testing.assert_allclose(out.asnumpy(), data["out"], rtol=1e-5, atol=1e-5)
        assert out.dtype == data["out"].dtype
        for i in range(n):
            np.testing.assert_allclose(inputs[i].asnumpy(), data[f"after{i}"], rtol=1e-5,
                                       atol=1e-5, err_msg=f"input {i} after the update")


def test_out_weight_updates_in_place():
    with np.load(FIXTURES[0], allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        w = hybrid.nd.array(data["in0"])
        g = hybrid.nd.array(data["in1"])
        states = [hybrid.nd.array(data[f"in{i}"]) for i in range(2, len(data.files))
                  if f"in{i}" in data.files]
        _function(meta["path"])(w, g, *states, out=w, **meta["attrs"])
        np.testing.assert_allclose(w.asnumpy(), data["out"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["sgd_update", "adam_update", "_contrib_adamw_update"])
def test_export_is_a_clear_error(name):
    op = get_op(name)
    sample = op.samples(np.random.default_rng(0))[0]
    shapes = [x.shape for x in sample.inputs]
    dtypes = [x.dtype for x in sample.inputs]
    attrs = op.parse_attrs(sample.attrs)
    _, out_shapes, out_dtypes = op.infer(shapes, dtypes, **attrs)
    call = Call(name, [f"in{i}" for i in range(len(shapes))], attrs, shapes, dtypes,
                out_shapes, out_dtypes)
    with pytest.raises(HybridError, match=f"{name}: cannot be exported to ONNX: .*training-only"):
        lower(Builder(default_opset()), name, call)
