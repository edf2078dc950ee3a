"""Autograd: recording scopes, modes, backward rules, grad_req, freed graphs, grad(), Function."""

from __future__ import annotations

import json

import numpy as np
import pytest

import hybrid as mx
from hybrid import autograd
from hybrid.base import HybridError


def _var(values, grad_req="write"):
    x = mx.nd.array(values)
    x.attach_grad(grad_req)
    return x


def test_scopes_set_and_restore_recording_and_mode():
    assert not autograd.is_recording() and not autograd.is_training()
    with autograd.record():
        assert autograd.is_recording() and autograd.is_training()
        with autograd.pause():
            assert not autograd.is_recording() and not autograd.is_training()
        with autograd.predict_mode():
            assert autograd.is_recording() and not autograd.is_training()
    with autograd.record(train_mode=False):
        assert not autograd.is_training()
    with autograd.train_mode():
        assert autograd.is_training() and not autograd.is_recording()
    assert not autograd.is_recording() and not autograd.is_training()


def test_backward_of_non_scalar_head_uses_ones():
    x = _var([1.0, 2.0, 3.0])
    with autograd.record():
        y = x * x
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [2.0, 4.0, 6.0])


def test_head_grads_weight_the_backward_pass():
    x = _var([1.0, 2.0])
    with autograd.record():
        y = x * 3
    y.backward(mx.nd.array([10.0, -1.0]))
    np.testing.assert_allclose(x.grad.asnumpy(), [30.0, -3.0])


def test_diamond_graph_accumulates_both_paths():
    x = _var([0.5, -1.5])
    with autograd.record():
        a = mx.nd.exp(x)
        b = a * x
        y = a + b
    y.backward()
    xn = np.array([0.5, -1.5], dtype=np.float32)
    np.testing.assert_allclose(x.grad.asnumpy(), np.exp(xn) * (2 + xn), rtol=1e-6)


def test_grad_req_write_overwrites_and_add_accumulates():
    w = _var([1.0, 2.0], "write")
    a = _var([1.0, 2.0], "add")
    for _ in range(2):
        with autograd.record():
            y = w * 2 + a * 3
        y.backward()
    np.testing.assert_allclose(w.grad.asnumpy(), [2.0, 2.0])
    np.testing.assert_allclose(a.grad.asnumpy(), [6.0, 6.0])


def test_grad_req_null_gets_no_gradient():
    x = _var([1.0], "null")
    assert x.grad is None
    with autograd.record():
        y = x * 2
    with pytest.raises(HybridError, match="attach_grad"):
        y.backward()


def test_second_backward_through_freed_graph_raises():
    x = _var([1.0, 2.0])
    with autograd.record():
        y = mx.nd.exp(x)
    y.backward()
    with pytest.raises(HybridError, match="retain_graph"):
        y.backward()


def test_outputs_of_a_freed_graph_are_constants_later():
    # MXNet's rule, which an RNN state carried into the next batch relies on: w.grad is the
    # state's value, nothing flows into the freed graph.
    w = mx.nd.array([2.0])
    w.attach_grad()
    with autograd.record():
        state = w * 3
        (state * 2).sum().backward()
    with autograd.record():
        loss = (state * w).sum()
    loss.backward()
    np.testing.assert_array_equal(w.grad.asnumpy(), [6.0])


def test_retain_graph_allows_a_second_backward():
    x = _var([1.0, 2.0], "add")
    with autograd.record():
        y = mx.nd.exp(x)
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * np.exp([1.0, 2.0]), rtol=1e-6)


def test_grad_returns_gradients_without_touching_dot_grad():
    x = _var([1.0, 2.0])
    with autograd.record():
        y = x * x * x
    (gx,) = autograd.grad(y, [x])
    np.testing.assert_allclose(gx.asnumpy(), [3.0, 12.0])
    np.testing.assert_allclose(x.grad.asnumpy(), [0.0, 0.0])


def test_create_graph_records_the_gradient_for_a_second_derivative():
    x = _var([1.5, -0.5])
    with autograd.record():
        y = x * x * x + mx.nd.tanh(x)
    (dx,) = autograd.grad(y, [x], create_graph=True)
    t = np.tanh([1.5, -0.5])
    np.testing.assert_allclose(dx.asnumpy(), 3 * x.asnumpy() ** 2 + 1 - t**2, rtol=1e-6)
    assert x.grad.asnumpy().tolist() == [0.0, 0.0]  # grad() leaves .grad alone
    dx.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 6 * x.asnumpy() - 2 * t * (1 - t**2),
                               rtol=1e-5)


def test_ops_outside_record_are_not_taped():
    x = _var([1.0])
    y = x * 2
    assert y._entry is None


def test_mark_variables_uses_given_gradient_buffers():
    x = mx.nd.array([1.0, 2.0])
    g = mx.nd.zeros((2,))
    autograd.mark_variables([x], [g])
    with autograd.record():
        y = x * 5
    y.backward()
    np.testing.assert_allclose(g.asnumpy(), [5.0, 5.0])


def test_custom_function_forward_and_backward():
    class Sigmoid(autograd.Function):
        def forward(self, x):
            y = 1 / (1 + mx.nd.exp(-x))
            self.save_for_backward(y)
            return y

        def backward(self, dy):
            (y,) = self.saved_tensors
            return dy * y * (1 - y)

    x = _var([0.0, 1.0])
    with autograd.record():
        y = Sigmoid()(x)
        z = y * 2
    z.backward()
    s = 1 / (1 + np.exp(-np.array([0.0, 1.0])))
    np.testing.assert_allclose(y.asnumpy(), s, rtol=1e-6)
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * s * (1 - s), rtol=1e-6)


def test_in_place_update_of_recorded_array_is_refused():
    x = _var([1.0])
    with autograd.record():
        with pytest.raises(HybridError, match="Inplace operations"):
            x += 1
        y = mx.nd.zeros((1,))
        with pytest.raises(HybridError, match="Inplace operations"):
            y[:] = x  # the value is recorded: MXNet refuses this too


def test_get_symbol_rebuilds_the_recorded_graph_with_its_inputs_as_variables():
    x = mx.nd.array([1.5, -2.0])
    z = mx.nd.array([0.25, 3.0])
    x.attach_grad()
    z.attach_grad()
    with mx.autograd.record():
        y = mx.nd.exp(x) * x + 2 * z - 1
    sym = mx.autograd.get_symbol(y)
    assert sym.list_arguments() == ["var0", "var1"]
    (got,) = sym.eval(var0=x, var1=z)
    expected = np.exp(x.asnumpy()) * x.asnumpy() + 2 * z.asnumpy() - 1
    np.testing.assert_allclose(got.asnumpy(), expected, rtol=1e-6)


def test_get_symbol_replays_a_hybridized_block_and_star_import_names():
    names = {}
    exec("from hybrid.autograd import *", names)
    assert {"get_symbol", "NDArray", "Symbol", "record", "pause", "Function"} <= set(names)
    net = mx.gluon.nn.Dense(3, in_units=2, activation="tanh")
    net.initialize()
    net.hybridize()
    x = mx.nd.array([[0.5, -1.0]])
    with mx.autograd.record():
        y = net(x)
    sym = names["get_symbol"](y)
    assert len(sym.list_arguments()) == 3
    (got,) = sym.eval(var0=x, var1=net.weight.data(), var2=net.bias.data())
    np.testing.assert_allclose(got.asnumpy(), y.asnumpy(), rtol=1e-6)


@pytest.mark.parametrize("flags, inlined", [
    ({"inline_limit": 3}, True),  # three Dense ops: at the limit, MXNet records them one by one
    ({"inline_limit": 2}, False),
    ({"inline_limit": 3, "static_alloc": True}, False),
])
def test_get_symbol_shows_a_block_past_inline_limit_as_one_cached_op(flags, inlined):
    net = mx.gluon.nn.HybridSequential()
    for units in (4, 3, 2):
        net.add(mx.gluon.nn.Dense(units, in_units=5 if units == 4 else units + 1))
    net.initialize()
    net.hybridize(**flags)
    x = mx.nd.array(np.random.default_rng(0).uniform(-1, 1, (2, 5)))
    with mx.autograd.record():
        y = net(x)
    sym = mx.autograd.get_symbol(y)
    ops = [n["op"] for n in json.loads(sym.tojson())["nodes"] if n["op"] != "null"]
    assert ops == (["FullyConnected"] * 3 if inlined else ["_CachedOp"])
    params = [p.data() for p in net.collect_params().values()]
    feed = dict(zip(sym.list_arguments(), [x, *params]))
    for s in (sym, mx.sym.load_json(sym.tojson())):
        np.testing.assert_allclose(s.eval(**feed)[0].asnumpy(), y.asnumpy(), rtol=1e-6)
    y.backward()  # the tape is untouched by reading it


def test_fresh_grad_flag_follows_backward_as_mxnet():
    x, y = mx.nd.ones((2, 2)), mx.nd.ones((2, 2))
    dx, dy = mx.nd.zeros((2, 2)), mx.nd.zeros((2, 2))
    autograd.mark_variables([x, y], [dx, dy])
    assert not x._fresh_grad and not y._fresh_grad
    with autograd.record():
        z = (x + 2).detach() + y
    z.backward()
    assert y._fresh_grad and not x._fresh_grad  # detach cut x from the graph
    np.testing.assert_array_equal(dx.asnumpy(), np.zeros((2, 2)))
    y._fresh_grad = False
    assert not y._fresh_grad
