"""Every op's shape and dtype rule agrees with what its forward produces, in float32 as used in
practice.
"""

from __future__ import annotations

import numpy as np
import pytest

from hybrid.ops.registry import all_ops
from tests.checks import run, sample_cases


def _as_float32(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    return x.astype(np.float32) if x.dtype == np.float64 else x


@pytest.mark.parametrize("op,index,sample", sample_cases(all_ops()))
def test_infer_matches_forward(op, index, sample):
    inputs = [_as_float32(x) for x in sample.inputs]
    _, outs = run(op, sample, inputs)
    attrs = op.parse_attrs(sample.attrs)
    if op.train_aware:
        attrs["is_train"] = sample.train
    in_shapes, out_shapes, out_dtypes = op.infer(
        [x.shape for x in inputs], [x.dtype for x in inputs], **attrs
    )
    assert len(out_shapes) == len(outs) == op.num_outputs(attrs)
    assert [tuple(s) for s in in_shapes] == [x.shape for x in inputs]
    for o, shape, dtype in zip(outs, out_shapes, out_dtypes):
        # A 0 dim is unknown: value-dependent sizes (boolean_mask) are known only at run time.
        assert len(o.shape) == len(shape) and all(s in (0, d) for s, d in zip(shape, o.shape))
        assert np.dtype(o.dtype) == np.dtype(dtype)


@pytest.mark.parametrize("op,index,sample", sample_cases([op for op in all_ops() if op.completes]))
def test_infer_completes_unknown_input_shapes(op, index, sample):
    inputs = [_as_float32(x) for x in sample.inputs]
    shapes = [x.shape for x in inputs]
    unknown = [(0,) * len(s) if i in op.completes else s for i, s in enumerate(shapes)]
    attrs = op.parse_attrs(sample.attrs)
    if op.train_aware:
        attrs["is_train"] = sample.train
    in_shapes, _, _ = op.infer(unknown, [x.dtype for x in inputs], **attrs)
    assert [tuple(s) for s in in_shapes] == shapes
