"""Shared test tolerances and helpers for running registry ops through the public dispatch path.

Per-op overrides live on the op (``Op.tolerance``), each with a comment saying why.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import hybrid
from hybrid import autograd
from hybrid.ops.registry import Op, Sample, invoke

# float64 central differences: truncation error ~h^2, rounding ~eps/h.
FD_STEP = 1e-6
GRAD_RTOL = 1e-4
GRAD_ATOL = 1e-6
# float32 forward comparisons (eager vs graph vs ONNX Runtime).
RTOL = 1e-5
ATOL = 1e-6
SAMPLE_SEED = 0
OP_SEED = 1234


def tolerance(op: type[Op], key: str, default: float) -> float:
    return op.tolerance.get(key, default)


def sample_cases(ops: list[type[Op]], xfail_key: str | None = None) -> list[Any]:
    """(op, index, sample) for every sample of every op, with ids ``<OpName>-<index>``.

    ``op.xfail`` keys ``"all"`` and ``"<index>"`` mark cases in every test; a test passing
    ``xfail_key`` (e.g. ``"onnx"``) also honours ``"<xfail_key>"`` and ``"<xfail_key>-<index>"``.
    """
    import pytest

    cases = []
    for op in ops:
        for i, s in enumerate(op.samples(np.random.default_rng(SAMPLE_SEED))):
            keys = ("all", f"{i}") + ((xfail_key, f"{xfail_key}-{i}") if xfail_key else ())
            marks = [
                pytest.mark.xfail(strict=True, reason=op.xfail[k]) for k in op.xfail if k in keys
            ]
            cases.append(pytest.param(op, i, s, id=f"{op.name}-{i}", marks=marks))
    return cases


def run(
    op: type[Op], sample: Sample, inputs: list[np.ndarray] | None = None, record: bool = False
) -> tuple[list, list]:
    """Call ``op`` eagerly on ``inputs`` (default: the sample's); returns (input NDArrays,
    outputs).
    """
    arrays = [
        hybrid.nd.NDArray._wrap(np.array(x)) for x in (sample.inputs if inputs is None else inputs)
    ]
    hybrid.random.seed(OP_SEED)
    attrs = op.parse_attrs(sample.attrs)
    if record:
        for i in grad_inputs(sample):
            arrays[i].attach_grad()
        with autograd.record(train_mode=sample.train):
            out = invoke(op, arrays, attrs)
    else:
        with autograd.train_mode() if sample.train else autograd.predict_mode():
            out = invoke(op, arrays, attrs)
    return arrays, out if isinstance(out, list) else [out]


def grad_inputs(sample: Sample) -> tuple[int, ...]:
    if sample.grad is not None:
        return tuple(sample.grad)
    return tuple(i for i, x in enumerate(sample.inputs) if np.asarray(x).dtype.kind == "f")
