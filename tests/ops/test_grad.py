"""Every differentiable op's VJP against central finite differences in float64.

For a random cotangent ``u`` and direction ``v``, ``<u, J v>`` from differences must equal ``<J^T u,
v>`` from the VJP: one scalar per input checked, cheap for any shape (see STYLE.md, section 7).
"""

from __future__ import annotations

import numpy as np
import pytest
from hybrid.nd import NDArray

from hybrid import autograd
from hybrid.ops.registry import all_ops
from tests.checks import FD_STEP, GRAD_ATOL, GRAD_RTOL, grad_inputs, run, sample_cases, tolerance

DIFFERENTIABLE = [op for op in all_ops() if op.differentiable]
# Samples that name no input to differentiate exist for forward and shape checks only. An op whose
# VJP is by design not its forward's derivative (MXNet's loss heads) declares xfail "grad".
CASES = [c for c in sample_cases(DIFFERENTIABLE, "grad") if grad_inputs(c.values[2])]


def _float_outputs(outs: list) -> list:
    return [o for o in outs if o.asnumpy().dtype.kind == "f"]


@pytest.mark.parametrize("op,index,sample", CASES)
def test_vjp_matches_finite_differences(op, index, sample):
    rng = np.random.default_rng(index + 7)
    inputs = [np.asarray(x) for x in sample.inputs]
    arrays, outs = run(op, sample, record=True)
    heads = _float_outputs(outs)
    us = [rng.normal(size=o.shape) for o in heads]
    autograd.backward(heads, [NDArray._wrap(u) for u in us])
    rtol = tolerance(op, "grad_rtol", GRAD_RTOL)
    atol = tolerance(op, "grad_atol", GRAD_ATOL)
    for i in grad_inputs(sample):
        v = rng.normal(size=inputs[i].shape)
        plus, minus = list(inputs), list(inputs)
        plus[i] = inputs[i] + FD_STEP * v
        minus[i] = inputs[i] - FD_STEP * v
        f_plus = [o.asnumpy() for o in _float_outputs(run(op, sample, plus)[1])]
        f_minus = [o.asnumpy() for o in _float_outputs(run(op, sample, minus)[1])]
        numeric = sum(float(np.sum(u * (p - m))) for u, p, m in zip(us, f_plus, f_minus))
        numeric /= 2 * FD_STEP
        analytic = float(np.sum(arrays[i].grad.asnumpy() * v))
        assert analytic == pytest.approx(numeric, rel=rtol, abs=atol), (
            f"{op.name} input {i}: vjp {analytic} vs finite differences {numeric}"
        )
