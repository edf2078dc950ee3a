"""gluon.Trainer on a few hand-built Parameters: update rule, multipliers, stale gradients,
kvstore hook and the pickle-free state files.
"""

from __future__ import annotations

import numpy as np
import pytest

from hybrid import autograd, nd
from hybrid import optimizer as opt
from hybrid.base import HybridError
from hybrid.gluon import Parameter
from hybrid.gluon.trainer import StaleGradientError, Trainer

X = np.array([1.0, -2.0, 3.0], dtype=np.float32)


def _params(*names, **kwargs):
    params = []
    for i, name in enumerate(names):
        p = Parameter(name, shape=(3,), **kwargs)
        p.initialize(init="zeros")
        p.set_data(nd.array(np.full(3, float(i + 1))))
        params.append(p)
    return params


def _backward(params, scale=1.0):
    """loss = scale * sum_p sum(p * X * p): gradient 2 * scale * X * p for every parameter."""
    with autograd.record():
        loss = None
        for p in params:
            term = (p.data() * nd.array(X) * p.data()).sum() * scale
            loss = term if loss is None else loss + term
    loss.backward()


def test_step_is_sgd_with_gradient_divided_by_batch_size():
    (w,) = _params("w")
    trainer = Trainer([w], "sgd", {"learning_rate": 0.1})
    _backward([w])
    grad = w.grad().asnumpy()
    np.testing.assert_allclose(grad, 2 * X * 1.0)
    trainer.step(batch_size=4)
    np.testing.assert_allclose(w.data().asnumpy(), 1.0 - 0.1 / 4 * grad, rtol=1e-6)
    assert trainer.optimizer.rescale_grad == 0.25


def test_lr_mult_and_wd_mult_come_from_parameters():
    a, b = _params("a", "b")
    b.lr_mult, b.wd_mult = 3.0, 0.0
    trainer = Trainer({"b": b, "a": a}, "sgd", {"learning_rate": 0.1, "wd": 0.5})
    _backward([a, b])
    ga, gb = a.grad().asnumpy(), b.grad().asnumpy()
    trainer.step(1)
    np.testing.assert_allclose(a.data().asnumpy(), (1 - 0.1 * 0.5) * 1.0 - 0.1 * ga, rtol=1e-6)
    np.testing.assert_allclose(b.data().asnumpy(), 2.0 - 0.3 * gb, rtol=1e-6)


def test_stale_gradient_error_names_parameters_and_ignore_skips_them():
    a, b, c = _params("used", "unused", "frozen")
    c.grad_req = "null"
    trainer = Trainer([a, b, c], "sgd", {"learning_rate": 1.0})
    _backward([a])
    with pytest.raises(StaleGradientError, match="unused") as info:
        trainer.step(1)
    assert "'used'" not in str(info.value) and isinstance(info.value, UserWarning)
    np.testing.assert_array_equal(a.data().asnumpy(), np.ones(3))  # nothing was updated
    trainer.step(1, ignore_stale_grad=True)
    np.testing.assert_allclose(a.data().asnumpy(), 1.0 - 2 * X)
    np.testing.assert_array_equal(b.data().asnumpy(), np.full(3, 2.0))
    with pytest.raises(StaleGradientError, match="used"):
        trainer.step(1)  # the flags were reset by the previous step


def test_learning_rate_and_set_learning_rate():
    trainer = Trainer(_params("w"), "adam")
    assert trainer.learning_rate == 0.001
    trainer.set_learning_rate(0.5)
    assert trainer.learning_rate == 0.5 and trainer.optimizer.lr == 0.5


def test_allreduce_grads_goes_through_kvstore_then_update():
    class DoublingKVStore:
        keys = []

        def pushpull(self, key, values, priority=0):
            self.keys.append(key)
            for v in values:
                v[:] = v * 2

    a, b = _params("a", "b")
    kv = DoublingKVStore()
    trainer = Trainer([a, b], "sgd", {"learning_rate": 1.0}, kvstore=kv)
    _backward([a, b])
    ga = a.grad().asnumpy()
    trainer.allreduce_grads()
    assert kv.keys == [0, 1]
    trainer.update(batch_size=2)
    np.testing.assert_allclose(a.data().asnumpy(), 1.0 - ga, rtol=1e-6)


def test_save_and_load_states_round_trip(tmp_path):
    def run(trainer, params, steps):
        for _ in range(steps):
            _backward(params, scale=0.5)
            trainer.step(2)

    params = _params("a", "b")
    trainer = Trainer(params, "adam", {"learning_rate": 0.1, "wd": 0.01})
    run(trainer, params, 2)
    fname = str(tmp_path / "trainer.states")
    trainer.save_states(fname)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    copies = _params("a", "b")
    for src, dst in zip(params, copies):
        dst.set_data(src.data())
    restored = Trainer(copies, "adam", {"learning_rate": 0.9})
    restored.load_states(fname)
    assert restored.learning_rate == 0.1 and restored.optimizer.num_update == 2
    assert restored.optimizer.param_dict[1] is copies[1]
    run(trainer, params, 1)
    run(restored, copies, 1)
    for p, q in zip(params, copies):
        np.testing.assert_array_equal(p.data().asnumpy(), q.data().asnumpy())


def test_load_states_rejects_a_corrupt_file_and_changes_nothing(tmp_path):
    trainer = Trainer(_params("w"), "sgd", {"learning_rate": 0.2, "momentum": 0.9})
    bad = tmp_path / "bad.states"
    bad.write_bytes(b"not an npz archive")
    with pytest.raises(HybridError, match="bad.states"):
        trainer.load_states(str(bad))
    with pytest.raises(HybridError, match="missing.states"):
        trainer.load_states(str(tmp_path / "missing.states"))
    assert trainer.learning_rate == 0.2


def test_optimizer_instance_and_argument_checks():
    params = _params("w")
    sgd = opt.SGD(learning_rate=0.3)
    assert Trainer(params, sgd).optimizer is sgd
    with pytest.raises(HybridError, match="optimizer_params"):
        Trainer(params, sgd, {"learning_rate": 0.1})
    with pytest.raises(HybridError, match="list or dict of Parameters"):
        Trainer(params[0], "sgd")
    with pytest.raises(HybridError, match="kvstore 'dist_async' is not supported"):
        Trainer(params, "sgd", kvstore="dist_async")


def test_data_parallel_over_contexts_sums_gradients_and_updates_every_copy():
    import hybrid as mx
    from hybrid import gluon

    ctxs = [mx.cpu(0), mx.cpu(1)]
    data = nd.array(np.arange(12.0).reshape(4, 3))
    single = gluon.nn.Dense(2, in_units=3)
    single.initialize(mx.init.Constant(0.5))
    net = gluon.nn.Dense(2, in_units=3)
    net.initialize(mx.init.Constant(0.5), ctx=ctxs)
    args = ("sgd", {"learning_rate": 0.01, "momentum": 0.9})
    t_single = Trainer(single.collect_params(), *args)
    t_multi = Trainer(net.collect_params(), *args)
    for hybridize in (False, True):
        net.hybridize(hybridize)
        with autograd.record():
            loss = (single(data) ** 2).sum()
        loss.backward()
        t_single.step(4)
        xs = gluon.utils.split_and_load(data, ctxs)
        assert [x.context for x in xs] == ctxs
        with autograd.record():
            losses = [(net(x) ** 2).sum() for x in xs]
        assert [loss.context for loss in losses] == ctxs
        for loss in losses:
            loss.backward()
        t_multi.step(4)
        for name in ("weight", "bias"):
            want = getattr(single, name).data().asnumpy()
            for copy in getattr(net, name).list_data():
                np.testing.assert_allclose(copy.asnumpy(), want, rtol=1e-5)


def test_allreduce_grads_sums_the_copies():
    import hybrid as mx

    x = Parameter("x", shape=(3,), init="zeros")
    x.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    trainer = Trainer([x], "sgd", {"learning_rate": 1.0}, update_on_kvstore=False)
    with autograd.record():
        for i, w in enumerate(x.list_data()):
            ((i + 1) * w).sum().backward()
    trainer.allreduce_grads()
    assert [g.asnumpy().tolist() for g in x.list_grad()] == [[3.0] * 3, [3.0] * 3]
    trainer.update(1)
    assert [d.asnumpy().tolist() for d in x.list_data()] == [[-3.0] * 3, [-3.0] * 3]


def test_copies_on_several_contexts_update_on_a_local_store_by_default():
    # MXNet 1.9.1: several contexts make a 'device' store that runs the optimizer; then
    # update() and allreduce_grads() are refused and loading parameters drops the store.
    import hybrid as mx

    x = Parameter("x", shape=(3,), init="zeros")
    x.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    trainer = Trainer([x], "sgd", {"learning_rate": 0.5})
    with autograd.record():
        for w in x.list_data():
            (w * 2).sum().backward()
    trainer.step(1)
    assert trainer._update_on_kvstore is True and trainer._kvstore.type == "device"
    assert trainer._kvstore._updater.optimizer is trainer._optimizer
    assert [d.asnumpy().tolist() for d in x.list_data()] == [[-2.0] * 3, [-2.0] * 3]
    with pytest.raises(AssertionError, match="update_on_kvstore=False"):
        trainer.update(1)
    with pytest.raises(AssertionError, match="update_on_kvstore=False"):
        trainer.allreduce_grads()
    x._load_init(mx.nd.zeros((3,)))
    assert trainer._kvstore is None and trainer._kv_initialized is False


def test_copies_taken_before_recording_count_as_fresh_after_backward():
    # MXNet checks each copy's _fresh_grad, which backward sets, whenever the data was read.
    import hybrid as mx

    x = Parameter("x", shape=(2,), init="zeros")
    x.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    trainer = Trainer([x], "sgd", {"learning_rate": 0.5}, update_on_kvstore=False)
    copies = x.list_data()
    with autograd.record():
        for w in copies:
            (w + 1).sum().backward()
    trainer.step(1)
    assert [d.asnumpy().tolist() for d in x.list_data()] == [[-1.0, -1.0], [-1.0, -1.0]]
    with pytest.raises(StaleGradientError):
        trainer.step(1)  # nothing wrote the gradient since


def test_row_sparse_gradients_do_not_update_on_the_store_by_default():
    import hybrid as mx

    x = Parameter("x", shape=(2,), init="zeros", grad_stype="row_sparse")
    x.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    trainer = Trainer([x], "sgd", {"learning_rate": 0.5})
    with autograd.record():
        for w in x.list_data():
            (w * 1).sum().backward()
    trainer.step(1)
    assert trainer._update_on_kvstore is False
    assert x.data(mx.cpu(1)).asnumpy().tolist() == [-1.0, -1.0]
