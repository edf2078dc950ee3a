"""Every registered op, lowered to ONNX and run in ONNX Runtime, equals the eager op (float32).

Each op sample becomes a one-op ONNX model whose inputs are the sample's inputs; the model must pass
``onnx.checker`` with full checks and match eager inference-mode output within the op's tolerance.
Random ops (``deterministic = False``) cannot match value for value: their outputs must have the
eager shapes and dtypes and lie in the distribution's support (``op.in_support``). Ops whose
lowering raises by design declare ``xfail = {"onnx": reason}``.

``HYBRID_TEST_OPSET=<n>`` runs the parity cases at opset ``n`` instead of the default.
"""

from __future__ import annotations

import os

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from hybrid.export.builder import Builder, Call, onnx_type
from hybrid.export.lowering import LOWERINGS, lower
from hybrid.export.opset import default_opset
from onnx import helper

from hybrid.ops.registry import all_ops
from tests.checks import ATOL, RTOL, run, sample_cases, tolerance

OPSET = int(os.environ.get("HYBRID_TEST_OPSET") or default_opset())


def _float32(x):
    x = np.asarray(x)
    return x.astype(np.float32) if x.dtype == np.float64 else x


def _one_op_model(op, sample, inputs, outs) -> onnx.ModelProto:
    ctx = Builder(OPSET)
    names = [ctx.reserve(f"in{i}") for i in range(len(inputs))]
    attrs = op.parse_attrs(sample.attrs)
    if op.train_aware:
        attrs["is_train"] = False
    in_shapes, out_shapes, out_dtypes = op.infer(
        [x.shape for x in inputs], [x.dtype for x in inputs], **attrs
    )
    call = Call(
        op.name,
        names,
        attrs,
        [x.shape for x in inputs],
        [x.dtype for x in inputs],
        [tuple(s) for s in out_shapes],
        list(out_dtypes),
    )
    results = lower(ctx, op.name, call)
    graph = helper.make_graph(
        ctx.nodes,
        f"{op.name}_parity",
        [
            helper.make_tensor_value_info(n, onnx_type(x.dtype), x.shape)
            for n, x in zip(names, inputs)
        ],
        [
            helper.make_tensor_value_info(r, onnx_type(o.dtype), o.shape)
            for r, o in zip(results, outs)
        ],
        ctx.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model, full_check=True)
    return model


@pytest.mark.parametrize("op,index,sample", sample_cases(all_ops(), xfail_key="onnx"))
def test_onnx_runtime_matches_eager(op, index, sample):
    inputs = [_float32(x) for x in sample.inputs]
    _, outs = run(op, sample._replace(train=False), inputs)
    outs = [o.asnumpy() for o in outs]
    model = _one_op_model(op, sample, inputs, outs)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    got = session.run(None, {f"in{i}": x for i, x in enumerate(inputs)})
    assert len(got) == len(outs)
    for expected, actual in zip(outs, got):
        assert actual.shape == expected.shape and actual.dtype == expected.dtype
        if op.deterministic:
            np.testing.assert_allclose(actual, expected, rtol=tolerance(op, "rtol", RTOL),
                                       atol=tolerance(op, "atol", ATOL))
    if not op.deterministic:
        assert op.in_support(got, inputs, op.parse_attrs(sample.attrs)), (
            f"{op.name}: ONNX Runtime drew values outside the distribution's support")


@pytest.mark.parametrize("op", all_ops(), ids=lambda o: o.name)
def test_every_op_has_a_lowering(op):
    assert op.name in LOWERINGS, f"{op.name} has no ONNX lowering in export/lowering/"
