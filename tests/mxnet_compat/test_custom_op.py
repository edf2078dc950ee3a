"""``mx.operator`` custom ops: eager, under autograd, hybridized, exported (or refused)."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from hybrid.export import to_onnx

import hybrid as mx
from hybrid import autograd
from hybrid.base import AttrError, HybridError

CALLS: list[str] = []


class Cube(mx.operator.CustomOp):
    """``y = x^3``, with the gradient written by hand."""

    def forward(self, is_train, req, in_data, out_data, aux):
        CALLS.append(f"forward is_train={is_train} req={req}")
        self.assign(out_data[0], req[0], in_data[0] ** 3)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        CALLS.append(f"backward req={req}")
        self.assign(in_grad[0], req[0], 3 * in_data[0] ** 2 * out_grad[0])


@mx.operator.register("test_cube")
class CubeProp(mx.operator.CustomOpProp):
    def create_operator(self, ctx, in_shapes, in_dtypes):
        return Cube()


class WeightedSum(mx.operator.CustomOp):
    """``out = sum(w * x, axis=1) + offset`` and ``x + 1``, counting calls in an aux state."""

    def __init__(self, offset):
        super().__init__()
        self.offset = offset

    def forward(self, is_train, req, in_data, out_data, aux):
        x, w = in_data
        self.assign(out_data[0], req[0], (x * w).sum(axis=1) + self.offset)
        self.assign(out_data[1], req[1], x + 1)
        aux[0][:] = aux[0] + 1

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        x, w = in_data
        g = out_grad[0].reshape((-1, 1))
        self.assign(in_grad[0], req[0], g * w + out_grad[1])
        self.assign(in_grad[1], req[1], g * x)


@mx.operator.register("test_weighted_sum")
class WeightedSumProp(mx.operator.CustomOpProp):
    def __init__(self, offset="0"):
        super().__init__(need_top_grad=True)
        self.offset = float(offset)

    def list_arguments(self):
        return ["data", "weight"]

    def list_outputs(self):
        return ["total", "shifted"]

    def list_auxiliary_states(self):
        return ["count"]

    def infer_shape(self, in_shape):
        data = in_shape[0]
        return [data, data], [[data[0]], data], [[1]]

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return WeightedSum(self.offset)


def _x(shape=(3, 4), seed=0):
    return mx.nd.array(np.random.default_rng(seed).uniform(-1, 1, shape))


def test_eager_forward_and_backward_call_the_python_op():
    CALLS.clear()
    x = _x()
    x.attach_grad()
    with autograd.record():
        y = mx.nd.Custom(x, op_type="test_cube")
    y.backward(mx.nd.ones_like(y) * 2)
    xn = x.asnumpy()
    np.testing.assert_allclose(y.asnumpy(), xn**3, rtol=1e-6)
    np.testing.assert_allclose(x.grad.asnumpy(), 6 * xn**2, rtol=1e-6)
    assert CALLS == ["forward is_train=True req=['write']", "backward req=['write']"]


def test_prop_arguments_keyword_inputs_aux_and_string_kwargs():
    x, w = _x(), _x(seed=1)
    count = mx.nd.zeros((1,))
    x.attach_grad()
    w.attach_grad()
    with autograd.record():
        total, shifted = mx.nd.Custom(weight=w, data=x, count=count, op_type="test_weighted_sum",
                                      offset=0.5)
    autograd.backward([total, shifted], [mx.nd.ones((3,)), mx.nd.ones((3, 4))])
    xn, wn = x.asnumpy(), w.asnumpy()
    np.testing.assert_allclose(total.asnumpy(), (xn * wn).sum(1) + 0.5, rtol=1e-6)
    np.testing.assert_allclose(shifted.asnumpy(), xn + 1, rtol=1e-6)
    np.testing.assert_allclose(x.grad.asnumpy(), wn + 1, rtol=1e-6)
    np.testing.assert_allclose(w.grad.asnumpy(), xn, rtol=1e-6)
    assert count.asscalar() == 1  # the aux state was updated in place


def test_gradient_matches_finite_differences():
    x = mx.sym.var("x")
    y = mx.sym.Custom(x, op_type="test_cube")
    point = np.random.default_rng(2).uniform(0.5, 1.5, (2, 3))
    mx.test_utils.check_numeric_gradient(y, [point], numeric_eps=1e-4, rtol=1e-3, atol=1e-6,
                                         dtype=np.float64)


class CubeNet(mx.gluon.HybridBlock):
    def hybrid_forward(self, F, x):
        return F.Custom(x, op_type="test_cube") * 2


def test_hybridized_block_runs_the_op_as_one_graph_node():
    x = _x()
    eager, hybrid = CubeNet(), CubeNet()
    hybrid.hybridize()
    grads = []
    for net in (eager, hybrid):
        x.attach_grad()
        with autograd.record():
            y = net(x)
        y.backward()
        grads.append(x.grad.asnumpy())
        np.testing.assert_allclose(y.asnumpy(), 2 * x.asnumpy() ** 3, rtol=1e-6)
    np.testing.assert_array_equal(grads[0], grads[1])
    symbol = hybrid(mx.sym.var("data"))
    assert "Custom" in symbol.tojson() and "test_cube" in symbol.tojson()


def test_export_refuses_a_custom_op_without_lowering_naming_it():
    net = CubeNet()
    net.hybridize()
    x = _x()
    net(x)
    with pytest.raises(HybridError, match=r"Custom op 'test_cube'.*CubeProp.*lower_onnx"):
        to_onnx(net, example_inputs=[x.asnumpy()])


class ScaledNet(mx.gluon.HybridBlock):
    def hybrid_forward(self, F, x):
        return F.Custom(x, op_type="_example_scaled_square", scale=3)


def test_export_uses_the_props_lower_onnx():
    mx.operator.example_props()
    net = ScaledNet()
    x = _x().asnumpy().astype(np.float32)
    model = to_onnx(net, example_inputs=[x])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(got, 3 * x**2, rtol=1e-6)


def test_assign_req_semantics_and_errors():
    op = mx.operator.CustomOp()
    dst = mx.nd.ones((2,))
    op.assign(dst, "add", mx.nd.array([1.0, 2.0]))
    np.testing.assert_array_equal(dst.asnumpy(), [2, 3])
    op.assign(dst, "null", mx.nd.zeros((2,)))
    op.assign(dst, "write", mx.nd.array([5.0, 6.0]))
    np.testing.assert_array_equal(dst.asnumpy(), [5, 6])
    with pytest.raises(HybridError, match="req"):
        op.assign(dst, "bogus", dst)
    with pytest.raises(AttrError, match="no custom op registered as 'nope'"):
        mx.nd.Custom(dst, op_type="nope")
    with pytest.raises(HybridError, match="not a CustomOpProp"):
        mx.operator.register("bad")(int)
    assert "test_cube" in mx.operator.get_all_registered_operators()
