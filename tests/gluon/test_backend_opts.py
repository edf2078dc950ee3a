"""``hybridize(backend='onnxruntime', backend_opts=...)``: the options reach ONNX Runtime's
sessions; options it lacks, or options without that backend, are refused naming the block.
"""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid.base import HybridError
from hybrid.gluon import nn


def _dense():
    net = nn.Dense(3, in_units=4)
    net.initialize()
    return net


def test_backend_opts_set_the_sessions_options():
    net = _dense()
    x = mx.nd.array(np.arange(8.0).reshape(2, 4))
    eager = net(x).asnumpy()
    opts = {"intra_op_num_threads": 1, "enable_cpu_mem_arena": False}
    net.hybridize(backend="onnxruntime", backend_opts=opts)
    np.testing.assert_allclose(net(x).asnumpy(), eager, rtol=1e-6)
    (session, _), = net._cached_op._sessions.values()
    got = session.get_session_options()
    assert got.intra_op_num_threads == 1 and got.enable_cpu_mem_arena is False


def test_backend_opts_onnxruntime_lacks_are_refused():
    net = _dense()
    net.hybridize(backend="onnxruntime", backend_opts={"intra_threads": 1})
    with pytest.raises(HybridError, match=r"dense\d+.*SessionOptions has no attribute 'intra_"):
        net(mx.nd.ones((1, 4)))


def test_backend_opts_need_the_onnxruntime_backend():
    net = _dense()
    net.hybridize(backend_opts={"intra_op_num_threads": 1})
    with pytest.raises(HybridError, match=r"dense\d+.*apply to backend='onnxruntime'"):
        net(mx.nd.ones((1, 4)))
