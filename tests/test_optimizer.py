"""Optimizer updates against the published MXNet 1.9 formulas, written out here in numpy.

Each case runs two updates on a float64 weight and compares with a reference that restates the
formula step by step (rescale_grad, clip_gradient, wd, lr_mult and the optimizer's own settings).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hybrid import lr_scheduler, nd
from hybrid import optimizer as opt
from hybrid.base import HybridError
from hybrid.ops.registry import get_op

RESCALE, CLIP, WD, LR_MULT = 0.5, 0.6, 0.1, 2.0


def _clip(x, c):
    return np.clip(x, -c, c) if c else x


def ref_sgd(w, g, s, t, lr, wd, momentum=0.0, clip=None, rescale=1.0):
    gg = _clip(rescale * g, clip)
    if not momentum:
        return (1 - lr * wd) * w - lr * gg
    s["mom"] = momentum * s.get("mom", 0.0) - lr * wd * w - lr * gg
    return w + s["mom"]


def ref_nag(w, g, s, t, lr, wd, momentum=0.0, clip=None, rescale=1.0):
    gg = _clip(rescale * g, clip) + wd * w
    mom = momentum * s.get("mom", 0.0)
    new_w = w - mom + (momentum + 1) * (mom - lr * gg)
    s["mom"] = mom - lr * gg
    return new_w


def ref_signum(w, g, s, t, lr, wd, momentum=0.9, wd_lh=0.0, clip=None, rescale=1.0):
    gg = _clip(rescale * g, clip)
    s["mom"] = momentum * s.get("mom", 0.0) - (1 - momentum) * (wd * w + gg)
    return (1 - lr * wd_lh) * w + lr * np.sign(s["mom"])


def ref_adam(w, g, s, t, lr, wd, beta1=0.9, beta2=0.999, epsilon=1e-8, clip=None, rescale=1.0):
    gg = _clip(rescale * g + wd * w, clip)
    s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * gg
    s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * gg**2
    lr_t = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    return w - lr_t * s["m"] / (np.sqrt(s["v"]) + epsilon)


def ref_adamw(w, g, s, t, lr, wd, beta1=0.9, beta2=0.999, epsilon=1e-6, clip=None, rescale=1.0):
    gg = _clip(rescale * g, clip)
    s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * gg
    s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * gg**2
    eta = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t)
    return w - eta * (s["m"] / (np.sqrt(s["v"]) + epsilon) + wd * w)


def ref_adamax(w, g, s, t, lr, wd, beta1=0.9, beta2=0.999, clip=None, rescale=1.0):
    gg = _clip(rescale * g + wd * w, clip)
    s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * gg
    s["u"] = np.maximum(beta2 * s.get("u", 0.0), np.abs(gg))
    return w - lr / (1 - beta1**t) * s["m"] / s["u"]


def ref_nadam(w, g, s, t, lr, wd, beta1=0.9, beta2=0.999, epsilon=1e-8, schedule_decay=0.004,
              clip=None, rescale=1.0):  # fmt: skip
    gg = _clip(rescale * g + wd * w, clip)
    mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * schedule_decay))
    mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * schedule_decay))
    s["sched"] = s.get("sched", 1.0) * mu_t
    s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * gg
    s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * gg**2
    m_bar = (1 - mu_t) * gg / (1 - s["sched"]) + mu_next * s["m"] / (1 - s["sched"] * mu_next)
    return w - lr * m_bar / (np.sqrt(s["v"] / (1 - beta2**t)) + epsilon)


def ref_lamb(w, g, s, t, lr, wd, beta1=0.9, beta2=0.999, epsilon=1e-6, lower_bound=None,
             upper_bound=None, bias_correction=True, clip=None, rescale=1.0):  # fmt: skip
    gg = _clip(rescale * g, clip)
    s["m"] = beta1 * s.get("m", 0.0) + (1 - beta1) * gg
    s["v"] = beta2 * s.get("v", 0.0) + (1 - beta2) * gg**2
    m, v = s["m"], s["v"]
    if bias_correction:
        m, v = m / (1 - beta1**t), v / (1 - beta2**t)
    r = m / (np.sqrt(v) + epsilon) + wd * w
    r1 = np.linalg.norm(w)
    if lower_bound:
        r1 = max(r1, lower_bound)
    if upper_bound:
        r1 = min(r1, upper_bound)
    return w - lr * (r1 / np.linalg.norm(r)) * r


def ref_adagrad(w, g, s, t, lr, wd, eps=1e-7, clip=None, rescale=1.0):
    gg = _clip(rescale * g, clip)
    s["h"] = s.get("h", 0.0) + gg**2
    return w - lr * (gg / np.sqrt(s["h"] + eps) + wd * w)


def ref_adadelta(w, g, s, t, lr, wd, rho=0.9, epsilon=1e-5, clip=None, rescale=1.0):
    gg = _clip(rescale * g, clip)
    s["ag"] = rho * s.get("ag", 0.0) + (1 - rho) * gg**2
    delta = np.sqrt(s.get("ad", 0.0) + epsilon) / np.sqrt(s["ag"] + epsilon) * gg
    s["ad"] = rho * s.get("ad", 0.0) + (1 - rho) * delta**2
    return w - delta - wd * w


def ref_rmsprop(w, g, s, t, lr, wd, gamma1=0.9, gamma2=0.9, epsilon=1e-8, centered=False,
                clip_weights=None, clip=None, rescale=1.0):  # fmt: skip
    gg = _clip(rescale * g + wd * w, clip)
    s["n"] = (1 - gamma1) * gg**2 + gamma1 * s.get("n", 0.0)
    if centered:
        s["g"] = (1 - gamma1) * gg + gamma1 * s.get("g", 0.0)
        s["d"] = gamma2 * s.get("d", 0.0) - lr * gg / np.sqrt(s["n"] - s["g"] ** 2 + epsilon)
        new_w = w + s["d"]
    else:
        new_w = w - lr * gg / np.sqrt(s["n"] + epsilon)
    return _clip(new_w, clip_weights)


def ref_ftrl(w, g, s, t, lr, wd, lamda1=0.01, beta=1.0, clip=None, rescale=1.0):
    gg = _clip(rescale * g, clip)
    n = s.get("n", 0.0)
    s["z"] = s.get("z", 0.0) + gg - (np.sqrt(n + gg**2) - np.sqrt(n)) * w / lr
    s["n"] = n + gg**2
    z = s["z"]
    return (np.sign(z) * lamda1 - z) / ((beta + np.sqrt(s["n"])) / lr + wd) * (np.abs(z) > lamda1)


# (optimizer name, reference, hyper-parameters shared by both, base learning rate)
CASES = [
    ("sgd", ref_sgd, {}, 0.1),
    ("sgd", ref_sgd, {"momentum": 0.9}, 0.1),
    ("nag", ref_nag, {}, 0.1),
    ("nag", ref_nag, {"momentum": 0.8}, 0.1),
    ("signum", ref_signum, {"momentum": 0.9, "wd_lh": 0.01}, 0.05),
    ("adam", ref_adam, {"beta1": 0.8, "beta2": 0.9}, 0.01),
    ("adamw", ref_adamw, {"epsilon": 1e-6}, 0.01),
    ("adamax", ref_adamax, {}, 0.002),
    ("nadam", ref_nadam, {"schedule_decay": 0.004}, 0.001),
    ("lamb", ref_lamb, {}, 0.01),
    ("lamb", ref_lamb, {"bias_correction": False, "lower_bound": 0.5, "upper_bound": 1.0}, 0.01),
    ("adagrad", ref_adagrad, {"eps": 1e-7}, 0.1),
    ("adadelta", ref_adadelta, {"rho": 0.9, "epsilon": 1e-5}, 1.0),
    ("rmsprop", ref_rmsprop, {}, 0.01),
    ("rmsprop", ref_rmsprop, {"centered": True, "gamma2": 0.8, "clip_weights": 0.7}, 0.01),
    ("ftrl", ref_ftrl, {"lamda1": 0.01, "beta": 1.0}, 0.1),
]


def _ids():
    return [f"{name}-{i}" for i, (name, *_rest) in enumerate(CASES)]


@pytest.mark.parametrize("use_options", [False, True], ids=["plain", "rescale-clip-wd-lrmult"])
@pytest.mark.parametrize("name,ref,hyper,lr", CASES, ids=_ids())
def test_two_updates_match_formula(name, ref, hyper, lr, use_options):
    rng = np.random.default_rng(0)
    w0 = rng.uniform(-1, 1, (3, 4))
    grads = [rng.uniform(-2, 2, (3, 4)) for _ in range(2)]
    options = {}
    ref_kwargs = dict(hyper)
    wd, lr_eff = 0.0, lr
    if use_options:
        options = {"rescale_grad": RESCALE, "clip_gradient": CLIP, "wd": WD}
        ref_kwargs.update(clip=CLIP, rescale=RESCALE)
        wd, lr_eff = WD, lr * LR_MULT
    optimizer = opt.create(name, learning_rate=lr, **hyper, **options)
    if use_options:
        optimizer.set_lr_mult({0: LR_MULT})
    weight = nd.array(w0, dtype=np.float64)
    state = optimizer.create_state(0, weight)
    expected, ref_state = w0.copy(), {}
    for t, g in enumerate(grads, start=1):
        grad = nd.array(g, dtype=np.float64)
        optimizer.update(0, weight, grad, state)
        expected = ref(expected, g, ref_state, t, lr_eff, wd, **ref_kwargs)
        np.testing.assert_array_equal(grad.asnumpy(), g)  # the gradient is left untouched
    np.testing.assert_allclose(weight.asnumpy(), expected, rtol=1e-10, atol=1e-12)
    assert optimizer.num_update == 2


def test_signsgd_without_momentum_steps_by_gradient_sign():
    optimizer = opt.create("signum", learning_rate=0.1, momentum=0.0, wd=0.5)
    w = np.array([1.0, -2.0, 3.0])
    weight, grad = nd.array(w, dtype=np.float64), nd.array([0.3, -0.0, -5.0], dtype=np.float64)
    assert optimizer.create_state(0, weight) is None
    optimizer.update(0, weight, grad, None)
    np.testing.assert_allclose(weight.asnumpy(), (1 - 0.05) * w - 0.1 * np.array([1, 0, -1]))


def test_wd_mult_from_param_idx2name_spares_biases():
    optimizer = opt.SGD(learning_rate=1.0, wd=0.1, param_idx2name={0: "fc_weight", 1: "fc_bias"})
    w, b = nd.array([1.0], dtype=np.float64), nd.array([1.0], dtype=np.float64)
    zero = nd.array([0.0], dtype=np.float64)
    optimizer.update(0, w, zero, None)
    optimizer.update(1, b, zero, None)
    assert w.asscalar() == pytest.approx(0.9)
    assert b.asscalar() == pytest.approx(1.0)


def test_lr_scheduler_drives_rate_by_num_update():
    sched = lr_scheduler.FactorScheduler(step=1, factor=0.5, base_lr=1.0)
    optimizer = opt.SGD(lr_scheduler=sched)
    weight, grad = nd.array([0.0], dtype=np.float64), nd.array([1.0], dtype=np.float64)
    for _ in range(3):
        optimizer.update(0, weight, grad, None)
    # updates 1, 2, 3 use rates 1, 0.5, 0.25
    assert weight.asscalar() == pytest.approx(-1.75)
    assert optimizer.learning_rate == pytest.approx(0.25)
    with pytest.raises(HybridError, match="LRScheduler"):
        optimizer.set_learning_rate(0.1)


def test_learning_rate_overrides_scheduler_base_lr():
    sched = lr_scheduler.FactorScheduler(step=10, base_lr=1.0)
    optimizer = opt.SGD(learning_rate=0.3, lr_scheduler=sched)
    assert sched.base_lr == 0.3
    assert optimizer.learning_rate == 0.3


def test_multi_precision_updates_float32_master_copy():
    optimizer = opt.SGD(learning_rate=0.1, multi_precision=True)
    weight = nd.array([1.0, 2.0], dtype=np.float16)
    state = optimizer.create_state_multi_precision(0, weight)
    master, _ = state
    assert master.dtype == np.float32
    for _ in range(2):
        optimizer.update_multi_precision(0, weight, nd.array([1e-3, 1.0], dtype=np.float16), state)
    np.testing.assert_allclose(master.asnumpy(), [1.0 - 2e-4, 1.8], rtol=1e-3)
    assert weight.dtype == np.float16


def test_updater_creates_states_and_round_trips_them():
    optimizer = opt.Adam(learning_rate=0.01)
    updater = opt.get_updater(optimizer)
    weight, grad = nd.array([1.0, 2.0]), nd.array([0.5, -0.5])
    updater(0, grad, weight)
    blob = updater.get_states(dump_optimizer=True)
    other = opt.get_updater(opt.Adam(learning_rate=0.5))
    other.set_states(blob)
    np.testing.assert_array_equal(other.states[0][0].asnumpy(), updater.states[0][0].asnumpy())
    assert other.optimizer.lr == 0.01
    assert other.optimizer._index_update_count == {0: 1}
    with pytest.raises(HybridError, match="not a valid optimizer state"):
        other.set_states(b"garbage")
    assert other.optimizer.lr == 0.01


def test_create_rejects_unknown_names():
    with pytest.raises(HybridError, match="unknown optimizer 'nope'"):
        opt.create("nope")
    assert isinstance(opt.create("SGD"), opt.SGD)


@pytest.mark.parametrize(
    "name,op_name,kwargs",
    [
        ("sgd", "sgd_update", {}),
        ("sgd", "sgd_mom_update", {"momentum": 0.9}),
        ("nag", "nag_mom_update", {"momentum": 0.9}),
        ("signum", "signum_update", {}),
        ("signum", "signsgd_update", {"momentum": 0.0}),
        ("adam", "adam_update", {}),
        ("rmsprop", "rmsprop_update", {}),
        ("rmsprop", "rmspropalex_update", {"centered": True}),
        ("ftrl", "ftrl_update", {}),
    ],
)
def test_kernel_optimizers_run_the_registered_update_op(monkeypatch, name, op_name, kwargs):
    """Where MXNet's Python optimizer calls an update kernel, hybrid's calls the registered op."""
    op = get_op(op_name)
    calls = []
    real = op.forward
    counted = staticmethod(lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(op, "forward", counted)
    o = opt.create(name, learning_rate=0.1, **kwargs)
    w, g = nd.array([[0.5, -1.0]]), nd.array([[0.2, 0.3]])
    before = w.asnumpy().copy()
    o.update(0, w, g, o.create_state(0, w))
    assert calls == [1]
    assert not np.array_equal(w.asnumpy(), before)
