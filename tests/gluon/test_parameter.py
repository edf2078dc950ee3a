"""Parameter, Constant and ParameterDict: MXNet 1.9 behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from hybrid import autograd, initializer, nd
from hybrid.base import HybridError
from hybrid.gluon import Constant, DeferredInitializationError, Parameter, ParameterDict
from hybrid.gluon.parameter import ParameterNotInitializedError


def test_defaults_and_repr():
    p = Parameter("w", shape=(2, 3))
    assert (p.grad_req, p.lr_mult, p.wd_mult, p.dtype) == ("write", 1.0, 1.0, np.float32)
    assert repr(p) == "Parameter w (shape=(2, 3), dtype=<class 'numpy.float32'>)"
    assert Parameter("v", shape=4).shape == (4,)


def test_initialize_uses_default_uniform_007():
    p = Parameter("w", shape=(50, 40))
    p.initialize()
    data = p.data().asnumpy()
    assert data.dtype == np.float32 and data.shape == (50, 40)
    assert np.abs(data).max() <= 0.07 and np.abs(data).max() > 0.05


def test_own_init_wins_over_global():
    p = Parameter("dense0_bias", shape=(3,), init="ones")
    p.initialize(default_init=initializer.Xavier())
    np.testing.assert_array_equal(p.data().asnumpy(), np.ones(3))
    q = Parameter("w", shape=(3,))
    q.initialize(init=initializer.Constant(2.0))
    np.testing.assert_array_equal(q.data().asnumpy(), np.full(3, 2.0))


def test_reinitialize_warns_unless_forced():
    p = Parameter("w", shape=(2,), init="zeros")
    p.initialize()
    with pytest.warns(UserWarning, match="already initialized"):
        p.initialize(init="ones")
    np.testing.assert_array_equal(p.data().asnumpy(), [0, 0])
    p.initialize(init="ones", force_reinit=True)
    np.testing.assert_array_equal(p.data().asnumpy(), [1, 1])


def test_data_before_initialize_raises():
    p = Parameter("w", shape=(2,))
    with pytest.raises(ParameterNotInitializedError, match="'w' has not been initialized"):
        p.data()


def test_unknown_shape_needs_deferred_init():
    with pytest.raises(HybridError, match="shape .* is not known"):
        Parameter("w", shape=(3, 0)).initialize()


def test_deferred_initialization():
    p = Parameter("w", shape=(3, 0), init="ones", allow_deferred_init=True)
    p.initialize()
    with pytest.raises(DeferredInitializationError, match="deferred"):
        p.data()
    with pytest.raises(DeferredInitializationError, match="still unknown"):
        p._finish_deferred_init()
    p.shape = (3, 5)
    p._finish_deferred_init()
    np.testing.assert_array_equal(p.data().asnumpy(), np.ones((3, 5)))
    assert p.grad().shape == (3, 5)


def test_set_data_before_deferred_init_is_kept():
    p = Parameter("w", shape=(0,), allow_deferred_init=True)
    p.initialize()
    p.set_data(nd.array([1, 2, 3]))
    p._finish_deferred_init()
    np.testing.assert_array_equal(p.data().asnumpy(), [1, 2, 3])


def test_shape_setter_fills_unknown_dims_and_rejects_conflicts():
    p = Parameter("conv_w", shape=(4, 0, 3))
    p.shape = (4, 2, 3)
    assert p.shape == (4, 2, 3)
    with pytest.raises(HybridError, match="conv_w.*does not fit"):
        p.shape = (4, 5, 3)
    with pytest.raises(HybridError, match="does not fit"):
        p.shape = (4, 2)


def test_grad_req_and_gradients():
    p = Parameter("w", shape=(3,), init="ones")
    p.initialize()
    with autograd.record():
        y = (p.data() * p.data()).sum()
    y.backward()
    np.testing.assert_array_equal(p.grad().asnumpy(), [2, 2, 2])
    p.zero_grad()
    np.testing.assert_array_equal(p.grad().asnumpy(), [0, 0, 0])
    p.grad_req = "add"
    for _ in range(2):
        with autograd.record():
            y = (p.data() * 3).sum()
        y.backward()
    np.testing.assert_array_equal(p.grad().asnumpy(), [6, 6, 6])
    p.grad_req = "null"
    with pytest.raises(HybridError, match="grad_req='null'"):
        p.grad()
    with pytest.raises(HybridError, match="grad_req"):
        p.grad_req = "sometimes"


def test_not_differentiable_forces_null():
    p = Parameter("running_mean", shape=(2,), differentiable=False)
    assert p.grad_req == "null"
    p.grad_req = "write"
    assert p.grad_req == "null"


def test_fresh_grad_flag_set_only_while_recording():
    p = Parameter("w", shape=(2,), init="ones")
    p.initialize()
    p.data()
    assert p._fresh_grad is False
    with autograd.record():
        p.data()
    assert p._fresh_grad is True


def test_trace_symbol_is_returned_while_tracing():
    p = Parameter("w", shape=(2,))
    marker = object()
    p._trace_symbol = marker
    assert p.data() is marker


def test_set_data_writes_in_place_and_checks_shape():
    p = Parameter("w", shape=(2,), init="zeros")
    p.initialize()
    buf = p.data()
    p.set_data(nd.array([4, 5]))
    assert p.data() is buf
    np.testing.assert_array_equal(buf.asnumpy(), [4, 5])
    with pytest.raises(HybridError, match="does not fit"):
        p.set_data(nd.ones((3,)))


def test_cast_changes_data_and_grad_dtype():
    p = Parameter("w", shape=(2,), init="ones")
    p.initialize()
    p.cast("float64")
    assert p.dtype == np.float64
    assert p.data().dtype == np.float64 and p.grad().dtype == np.float64


def test_list_accessors_and_context():
    p = Parameter("w", shape=(2,), init="ones")
    p.initialize()
    assert len(p.list_data()) == 1 and len(p.list_grad()) == 1
    assert [str(c) for c in p.list_ctx()] == ["cpu(0)"]
    with pytest.raises(HybridError, match="GPU"):
        Parameter("g", shape=(1,)).initialize(ctx=__import__("hybrid").gpu())


def test_constant():
    c = Constant("c", nd.array([[1, 2], [3, 4]]))
    assert c.grad_req == "null"
    c.initialize(default_init=initializer.Xavier())
    np.testing.assert_array_equal(c.data().asnumpy(), [[1, 2], [3, 4]])
    assert repr(c).startswith("Constant c (shape=(2, 2)")
    short = Constant([1.0, 2.0])
    short.initialize()
    np.testing.assert_array_equal(short.data().asnumpy(), [1, 2])
    c.grad_req = "write"
    assert c.grad_req == "null"


def test_parameter_dict_get_creates_and_shares():
    pd = ParameterDict("net_")
    w = pd.get("weight", shape=(3, 0), allow_deferred_init=True)
    assert w.name == "net_weight" and list(pd.keys()) == ["net_weight"]
    assert pd.get("weight", shape=(3, 4)) is w and w.shape == (3, 4)
    with pytest.raises(HybridError, match="desired attribute does not match"):
        pd.get("weight", shape=(5, 4))
    shared = ParameterDict("net_", shared=pd)
    assert shared.get("weight") is w
    assert pd.get_constant("c", [1.0]).grad_req == "null"
    with pytest.raises(HybridError, match="not a constant"):
        pd.get_constant("weight")


def test_parameter_dict_update_select_setattr():
    a = ParameterDict()
    a.update({"x_weight": Parameter("x_weight", shape=(1,)), "x_bias": Parameter("x_bias")})
    with pytest.raises(HybridError, match="same name 'x_bias'"):
        a.update({"x_bias": Parameter("x_bias")})
    assert list(a.select(".*weight").keys()) == ["x_weight"]
    a.setattr("lr_mult", 0.5)
    assert all(p.lr_mult == 0.5 for p in a.values())
    assert "x_weight" in a and len(a) == 2
    assert "Parameter x_weight" in repr(a)


def test_parameter_dict_save_load(tmp_path):
    pd = ParameterDict("m_")
    pd.get("w", shape=(2, 3))
    pd.get("b", shape=(2,))
    pd.initialize(initializer.Normal(1.0))
    path = str(tmp_path / "pd.params")
    pd.save(path, strip_prefix="m_")
    assert sorted(nd.load(path)) == ["b", "w"]
    other = ParameterDict("m_")
    other.get("w", shape=(2, 3))
    other.get("b", shape=(2,))
    other.load(path, restore_prefix="m_")
    for name in ("m_w", "m_b"):
        np.testing.assert_array_equal(other[name].data().asnumpy(), pd[name].data().asnumpy())
    with pytest.raises(HybridError, match="does not start with 'x_'"):
        pd.save(path, strip_prefix="x_")


def test_load_with_cast_dtype(tmp_path):
    path = str(tmp_path / "f64.params")
    nd.save(path, {"w": nd.array([1.5, 2.5], dtype=np.float64)})
    pd = ParameterDict()
    pd.get("w", shape=(2,))
    with pytest.raises(HybridError, match="dtype incompatible.*cast_dtype=True"):
        pd.load(path)
    pd.load(path, cast_dtype=True)
    assert pd["w"].data().dtype == np.float32
    pd.load(path, cast_dtype=True, dtype_source="saved")
    assert pd["w"].data().dtype == np.float64 and pd["w"].dtype == np.float64


def test_one_independent_copy_per_context():
    import hybrid as mx

    p = Parameter("w", shape=(2, 3), init=initializer.Constant(0.5))
    p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    assert p.list_ctx() == [mx.cpu(0), mx.cpu(1)]
    data, grads = p.list_data(), p.list_grad()
    assert len(data) == len(grads) == 2
    assert [d.context for d in data] == [mx.cpu(0), mx.cpu(1)]
    assert p.data(mx.cpu(1)) is data[1] and p.grad(mx.cpu(0)) is grads[0]
    data[1][:] = 2.0  # copies are independent arrays
    assert p.data(mx.cpu(0)).asnumpy().max() == 0.5
    with mx.cpu(1):
        assert p.data() is data[1]  # without ctx: the copy on the current context
    with autograd.record():
        (data[1] * 3).sum().backward()
    assert grads[0].asnumpy().max() == 0 and grads[1].asnumpy().min() == 3
    p.zero_grad()
    assert all(g.asnumpy().max() == 0 for g in p.list_grad())
    p.reset_ctx([mx.cpu(2)])  # keeps the average of the copies, as MXNet
    assert p.list_ctx() == [mx.cpu(2)]
    np.testing.assert_allclose(p.data().asnumpy(), np.full((2, 3), 1.25))
    with pytest.raises(RuntimeError, match="not initialized on context cpu\\(0\\)"):
        p.data(mx.cpu(0))


def test_access_errors_are_runtime_errors_as_in_mxnet():
    p = Parameter("w", shape=(2,))
    with pytest.raises(RuntimeError, match="has not been initialized"):
        p.data()
    q = Parameter("q", shape=(2,), grad_req="null")
    q.initialize()
    with pytest.raises(RuntimeError, match="grad_req='null'"):
        q.grad()


def test_unknown_storage_types_are_refused_as_mxnet():
    for kwargs in ({"stype": "invalid"}, {"grad_stype": "invalid"}):
        with pytest.raises(AssertionError, match="must be one of 'default', 'row_sparse'"):
            Parameter("w", shape=(2,), **kwargs)
