"""``nd.CachedOp``: a symbol run on NDArrays, under autograd too."""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid.base import HybridError


def test_cached_op_runs_the_symbol_and_records_one_entry():
    a, b = mx.sym.var("a"), mx.sym.var("b")
    op = mx.nd.CachedOp(mx.sym.FullyConnected(a, b, num_hidden=2, no_bias=True) * 3)
    x = mx.nd.array(np.arange(6, dtype=np.float32).reshape(2, 3))
    w = mx.nd.array(np.ones((2, 3), dtype=np.float32))
    np.testing.assert_allclose(op(x, w).asnumpy(), 3 * x.asnumpy() @ w.asnumpy().T)
    w.attach_grad()
    with mx.autograd.record():
        y = op(x, w)
    y.backward()
    np.testing.assert_allclose(w.grad.asnumpy(), 3 * np.ones((2, 1)) * x.asnumpy().sum(0))
    out = mx.nd.zeros((2, 2))
    assert op(x, w, out=out) is out and out.asnumpy()[1, 0] == 36


def test_cached_op_checks_its_inputs():
    op = mx.nd.CachedOp(mx.sym.var("a") + mx.sym.var("b"))
    with pytest.raises(HybridError, match="expected 2 inputs"):
        op(mx.nd.ones((1,)))
    a = mx.sym.var("a")
    outs = mx.nd.CachedOp(mx.sym.Group([a * 2, a + 1]))(mx.nd.ones((2,)))
    assert [o.asnumpy().tolist() for o in outs] == [[2.0, 2.0], [2.0, 2.0]]
