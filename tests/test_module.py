"""MXNet 1.x's symbol-graph training API: ops making their own variables, AttrScope, partial
shape inference, the executor (bind, simple_bind, forward, backward), mx.mod.Module, checkpoints
and callbacks. Gradients are checked against numpy references; names against MXNet's rules.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

import hybrid as mx
from hybrid.base import HybridError


# -- symbols -----------------------------------------------------------------------------------
def test_ops_make_their_own_variables_as_mxnet_names_them():
    data = mx.sym.var("data")
    fc = mx.sym.FullyConnected(data, num_hidden=10, name="fc1")
    assert fc.list_arguments() == ["data", "fc1_weight", "fc1_bias"]
    conv = mx.sym.Convolution(data, kernel=(3, 3), num_filter=4, no_bias=True, name="conv")
    bn = mx.sym.BatchNorm(conv, name="bn")
    assert bn.list_arguments() == ["data", "conv_weight", "bn_gamma", "bn_beta"]
    assert bn.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]
    assert mx.sym.Embedding(data, input_dim=5, output_dim=3, name="e").list_arguments() == [
        "data", "e_weight"]
    lstm = mx.sym.RNN(data, state_size=4, num_layers=1, mode="lstm", name="r")
    assert lstm.list_arguments() == ["data", "r_parameters", "r_state", "r_state_cell"]
    gru = mx.sym.RNN(data, state_size=4, num_layers=1, mode="gru", name="g")
    assert gru.list_arguments() == ["data", "g_parameters", "g_state"]
    assert mx.sym.LeakyReLU(data, act_type="prelu", name="p").list_arguments() == [
        "data", "p_gamma"]
    assert mx.sym.LeakyReLU(data, name="l").list_arguments() == ["data"]
    head = mx.sym.SoftmaxOutput(fc, name="softmax")
    assert head.list_arguments()[-1] == "softmax_label"
    assert head.list_outputs() == ["softmax_output"]


def test_attr_scope_and_multipliers_on_variables():
    with mx.AttrScope(ctx_group="stage1", lr_mult="0.1"):
        w = mx.sym.var("w", lr_mult=2)
        fc = mx.sym.FullyConnected(mx.sym.var("x"), num_hidden=2, name="fc")
    assert w.attr("ctx_group") == "stage1" and float(w.attr("lr_mult")) == 2.0
    assert w.list_attr()["__ctx_group__"] == "stage1"
    attrs = fc.attr_dict()
    assert attrs["fc_weight"]["lr_mult"] == "0.1" and attrs["fc_bias"]["ctx_group"] == "stage1"
    assert mx.sym.var("outside").list_attr() == {}
    with pytest.raises(HybridError, match="string"):
        mx.AttrScope(lr_mult=0.1)


def test_infer_shape_partial_marks_unknown_shapes_as_empty():
    fc = mx.sym.FullyConnected(mx.sym.var("x"), num_hidden=3, name="f")
    args, outs, aux = fc.infer_shape_partial()
    assert args[0] == () and outs == [()] and aux == []
    assert fc.infer_shape() == (None, None, None)
    args, outs, _ = fc.infer_shape(x=(2, 5))
    assert args == [(2, 5), (3, 5), (3,)] and outs == [(2, 3)]


# -- the executor ------------------------------------------------------------------------------
def _mlp_loss():
    x = mx.sym.var("x")
    y = mx.sym.FullyConnected(x, num_hidden=3, name="fc")
    return mx.sym.sum(mx.sym.square(y))


def test_bind_forward_backward_match_numpy():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(4, 5)), rng.normal(size=(3, 5)), rng.normal(size=3)
    args = {"x": mx.nd.array(x), "fc_weight": mx.nd.array(w), "fc_bias": mx.nd.array(b)}
    grads = {k: mx.nd.zeros(v.shape) for k, v in args.items()}
    ex = _mlp_loss().bind(mx.cpu(), args, args_grad=grads,
                          grad_req={"fc_weight": "write", "fc_bias": "add"})
    assert sorted(ex.grad_dict) == ["fc_bias", "fc_weight"]
    y = x @ w.T + b
    (out,) = ex.forward(is_train=True)
    np.testing.assert_allclose(out.asnumpy(), [(y ** 2).sum()], rtol=1e-5)
    ex.backward()
    np.testing.assert_allclose(ex.grad_dict["fc_weight"].asnumpy(), 2 * y.T @ x, rtol=1e-4)
    ex.forward(is_train=True)
    ex.backward()  # 'add' accumulates, 'write' overwrites
    np.testing.assert_allclose(grads["fc_bias"].asnumpy(), 4 * y.sum(axis=0), rtol=1e-4)
    np.testing.assert_allclose(grads["fc_weight"].asnumpy(), 2 * y.T @ x, rtol=1e-4)
    assert len(ex.output_dict) == 1 and next(iter(ex.output_dict.values())) is ex.outputs[0]


def test_simple_bind_allocates_and_batchnorm_updates_aux_in_training():
    net = mx.sym.BatchNorm(mx.sym.var("data"), fix_gamma=False, momentum=0.5, name="bn")
    ex = net.simple_bind(mx.cpu(), data=(6, 2))
    assert ex.arg_dict["bn_gamma"].shape == (2,) and ex.aux_dict["bn_moving_var"].shape == (2,)
    ex.arg_dict["bn_gamma"][:] = 1
    ex.aux_dict["bn_moving_var"][:] = 1
    x = np.random.default_rng(1).normal(3.0, 1.0, size=(6, 2))
    ex.forward(is_train=False, data=mx.nd.array(x))
    np.testing.assert_array_equal(ex.aux_dict["bn_moving_mean"].asnumpy(), [0, 0])
    ex.forward(is_train=True, data=mx.nd.array(x))
    np.testing.assert_allclose(ex.aux_dict["bn_moving_mean"].asnumpy(), 0.5 * x.mean(axis=0),
                               rtol=1e-5)
    with pytest.raises(HybridError, match="cannot infer"):
        net.simple_bind(mx.cpu())
    with pytest.raises(HybridError, match="no arrays given"):
        net.bind(mx.cpu(), {"data": mx.nd.zeros((6, 2))})


# -- Module ------------------------------------------------------------------------------------
def _classifier(lr_mult=None):
    data = mx.sym.var("data")
    w1 = mx.sym.var("fc1_weight", lr_mult=lr_mult) if lr_mult is not None else None
    fc1 = mx.sym.FullyConnected(data, w1, num_hidden=16, name="fc1")
    act = mx.sym.Activation(fc1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def _data(n=90, batch=20, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    x = np.eye(3)[y] * 3 + rng.normal(scale=0.5, size=(n, 3))
    return mx.io.NDArrayIter(x.astype(np.float32), y.astype(np.float32), batch_size=batch)


def test_module_fit_score_predict_with_callbacks(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    mod = mx.mod.Module(_classifier())
    seen = []
    mod.fit(_data(), eval_data=_data(seed=1), num_epoch=3, initializer=mx.init.Xavier(),
            optimizer_params={"learning_rate": 0.2},
            batch_end_callback=[mx.callback.Speedometer(20, 2), seen.append,
                                mx.callback.log_train_metric(2)],
            epoch_end_callback=mx.callback.do_checkpoint(str(tmp_path / "m"), period=2))
    assert [p.nbatch for p in seen[:5]] == [0, 1, 2, 3, 4] and seen[-1].epoch == 2
    assert "Speed:" in caplog.text and "Epoch[2] Validation-accuracy=" in caplog.text
    assert "Iter[0] Batch[2] Train-accuracy=" in caplog.text
    assert (tmp_path / "m-0002.params").exists() and not (tmp_path / "m-0001.params").exists()
    assert dict(mod.score(_data(seed=2), "acc"))["accuracy"] > 0.9
    prob = mod.predict(_data(n=50, seed=2))  # 50 = 2 full batches + 10 padded rows, dropped
    assert prob.shape == (50, 3)
    np.testing.assert_allclose(prob.asnumpy().sum(axis=1), 1, rtol=1e-5)
    assert mod.output_shapes == [("softmax_output", (20, 3))]


def test_module_step_by_step_matches_sgd_by_hand():
    """forward/backward/update with plain SGD: w -= lr * grad / batch (rescale_grad)."""
    mod = mx.mod.Module(_classifier())
    it = _data(batch=30)
    mod.bind(it.provide_data, it.provide_label)
    mod.init_params(mx.init.Xavier())
    mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.5})
    batch = next(iter(it))
    before = mod.get_params()[0]["fc2_bias"].asnumpy()
    mod.forward(batch, is_train=True)
    prob = mod.get_outputs()[0].asnumpy()
    mod.backward()
    mod.update()
    grad = (prob - np.eye(3)[batch.label[0].asnumpy().astype(int)]).sum(axis=0)
    after = mod.get_params()[0]["fc2_bias"].asnumpy()
    np.testing.assert_allclose(after, before - 0.5 * grad / 30, rtol=1e-4, atol=1e-6)


def test_lr_mult_zero_and_fixed_params_stay_put():
    mod = mx.mod.Module(_classifier(lr_mult=0.0), fixed_param_names=["fc2_bias"])
    mod.bind(_data().provide_data, _data().provide_label)
    mod.init_params(mx.init.Xavier())
    start = {k: v.asnumpy() for k, v in mod.get_params()[0].items()}
    mod.fit(_data(), num_epoch=1, optimizer_params={"learning_rate": 0.5})
    end = {k: v.asnumpy() for k, v in mod.get_params()[0].items()}
    np.testing.assert_array_equal(end["fc1_weight"], start["fc1_weight"])
    np.testing.assert_array_equal(end["fc2_bias"], start["fc2_bias"])
    assert not np.allclose(end["fc2_weight"], start["fc2_weight"])


@pytest.mark.parametrize("fmt", ["hybrid", "mxnet"])
def test_checkpoint_round_trip_and_optimizer_states(tmp_path, fmt):
    mod = mx.mod.Module(_classifier())
    mod.fit(_data(), num_epoch=1, initializer=mx.init.Xavier(),
            optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    mod.save_checkpoint(str(tmp_path / "c"), 1, save_optimizer_states=True, format=fmt)
    test = _data(n=40, seed=3)
    expected = mod.predict(test).asnumpy()
    loaded = mx.mod.Module.load(str(tmp_path / "c"), 1, load_optimizer_states=True)
    loaded.bind(test.provide_data, test.provide_label, for_training=False)
    np.testing.assert_allclose(loaded.predict(test).asnumpy(), expected, rtol=1e-6)
    sym, args, auxs = mx.model.load_checkpoint(str(tmp_path / "c"), 1)
    assert sorted(args) == ["fc1_bias", "fc1_weight", "fc2_bias", "fc2_weight"] and auxs == {}
    assert sym.list_arguments() == mod.symbol.list_arguments()
    retrain = mx.mod.Module.load(str(tmp_path / "c"), 1, load_optimizer_states=True)
    retrain.fit(_data(), num_epoch=2, begin_epoch=1, optimizer="sgd",
                optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    assert dict(retrain.score(test, "acc"))["accuracy"] > 0.9


def test_set_params_get_params_and_input_grads():
    mod = mx.mod.Module(_classifier())
    it = _data()
    mod.bind(it.provide_data, it.provide_label, inputs_need_grad=True)
    mod.init_params(mx.init.Xavier())
    args, auxs = mod.get_params()
    args["fc2_bias"] = mx.nd.array([5.0, 0.0, 0.0])
    mod.set_params(args, auxs)
    np.testing.assert_array_equal(mod.get_params()[0]["fc2_bias"].asnumpy(), [5, 0, 0])
    mod.forward_backward(next(iter(it)))
    (gx,) = mod.get_input_grads()
    assert gx.shape == (20, 3) and np.abs(gx.asnumpy()).sum() > 0
    with pytest.raises(HybridError, match="not in the given params"):
        mod.init_params(arg_params={"fc1_weight": args["fc1_weight"]}, force_init=True)


def test_progress_bar_writes_to_stderr(capsys):
    bar = mx.callback.ProgressBar(total=4, length=8)
    bar(mx.model.BatchEndParam(0, 2, None, {}))
    assert "[====----] 50%" in capsys.readouterr().err


def test_variables_an_op_makes_carry_mxnets_initializers():
    # prelu's gamma starts at 0.25 and BatchNorm's moving statistics at 0 and 1, as in MXNet.
    data = mx.sym.var("data")
    net = mx.sym.BatchNorm(mx.sym.LeakyReLU(data, act_type="prelu", name="act"), name="bn")
    mod = mx.mod.Module(net, label_names=None)
    mod.bind(data_shapes=[("data", (4, 3))])
    mod.init_params(mx.init.Uniform(5.0))
    args, aux = mod.get_params()
    np.testing.assert_array_equal(args["act_gamma"].asnumpy(), np.full(3, 0.25, np.float32))
    np.testing.assert_array_equal(aux["bn_moving_mean"].asnumpy(), np.zeros(3, np.float32))
    np.testing.assert_array_equal(aux["bn_moving_var"].asnumpy(), np.ones(3, np.float32))
    assert np.abs(args["bn_beta"].asnumpy()).max() == 0  # beta: the initializer's own rule
