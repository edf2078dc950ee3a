"""Block and HybridBlock: naming, parameter collection, files, hooks, summary, dispatch."""

from __future__ import annotations

import numpy as np
import pytest

from hybrid import autograd, initializer, nd
from hybrid import random as hrandom
from hybrid.base import HybridError
from hybrid.gluon import Block, HybridBlock, Parameter, nn
from hybrid.gluon.block import NameManager
from hybrid.serialization import ParameterFileError


class Net(Block):
    """The seed example's LeNet, small enough for fast tests."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.conv1 = nn.Conv2D(2, kernel_size=3)
            self.pool1 = nn.MaxPool2D(pool_size=(2, 2))
            self.conv2 = nn.Conv2D(3, kernel_size=3)
            self.fc1 = nn.Dense(5, activation="relu")
            self.fc2 = nn.Dense(4)

    def forward(self, x):
        x = self.pool1(nd.relu(self.conv1(x)))
        x = nd.relu(self.conv2(x))
        return self.fc2(self.fc1(x.reshape((0, -1))))


def _net(seed: int = 0) -> Net:
    """A LeNet-like net with weights drawn from ``seed`` (the same whatever ran before)."""
    with NameManager():
        net = Net()
    hrandom.seed(seed)
    net.initialize(initializer.Xavier())
    net(nd.array(np.random.default_rng(seed).normal(size=(2, 1, 10, 10))))
    return net


def _values(block) -> dict:
    return {k: p.data().asnumpy().copy() for k, p in block.collect_params().items()}


def test_prefixes_follow_mxnet_counters():
    with NameManager():
        net = Net()
        d0, d1 = nn.Dense(3), nn.Dense(3)
        seq = nn.HybridSequential()
        with seq.name_scope():
            seq.add(nn.Dense(2), nn.Conv2D(2, 3), nn.BatchNorm())
    assert net.prefix == "net0_" and net.name == "net0"
    assert [net.conv1.prefix, net.conv2.prefix] == ["net0_conv0_", "net0_conv1_"]
    assert net.pool1.prefix == "net0_pool0_"
    assert [net.fc1.prefix, net.fc2.prefix] == ["net0_dense0_", "net0_dense1_"]
    assert net.fc1.act.prefix == "net0_dense0_relu_"
    assert (d0.prefix, d1.prefix) == ("dense0_", "dense1_")
    assert list(seq.collect_params()) == [
        "hybridsequential0_dense0_weight",
        "hybridsequential0_dense0_bias",
        "hybridsequential0_conv0_weight",
        "hybridsequential0_conv0_bias",
        "hybridsequential0_batchnorm0_gamma",
        "hybridsequential0_batchnorm0_beta",
        "hybridsequential0_batchnorm0_running_mean",
        "hybridsequential0_batchnorm0_running_var",
    ]
    assert nn.Dense(2, prefix="my_").weight.name == "my_weight"


def test_collect_params_select_and_structural_names():
    net = _net()
    assert list(net.collect_params(".*fc1.*|.*dense0.*")) == [
        "net0_dense0_weight",
        "net0_dense0_bias",
    ]
    weights = net.collect_params(".*weight")
    assert all(k.endswith("weight") for k in weights) and len(weights) == 4
    assert sorted(net._collect_params_with_prefix()) == sorted(
        f"{layer}.{kind}"
        for layer in ("conv1", "conv2", "fc1", "fc2")
        for kind in ("weight", "bias")
    )


def test_params_assigned_directly_are_collected():
    class Scale(HybridBlock):
        def __init__(self):
            super().__init__(prefix="scale_")
            self.alpha = Parameter("alpha", shape=(1,), init="ones")

        def forward(self, x):
            return x * self.alpha.data()

    block = Scale()
    block.initialize()
    assert list(block.collect_params()) == ["alpha"]
    np.testing.assert_array_equal(block(nd.array([2.0])).asnumpy(), [2.0])


def test_attribute_type_change_is_refused():
    net = _net()
    with pytest.raises(HybridError, match="changing attribute fc1"):
        net.fc1 = Parameter("x")


def test_save_load_round_trip_is_bit_exact(tmp_path):
    net, other = _net(0), _net(1)
    path = str(tmp_path / "net.params")
    net.save_parameters(path)
    assert sorted(nd.load(path)) == sorted(net._collect_params_with_prefix())
    other.load_parameters(path)
    theirs, ours = _values(other), _values(net)
    for (_, a), (_, b) in zip(sorted(theirs.items()), sorted(ours.items())):
        assert a.tobytes() == b.tobytes()


def test_load_legacy_full_names(tmp_path):
    net, other = _net(0), _net(1)
    path = str(tmp_path / "legacy.params")
    net.collect_params().save(path, strip_prefix=net.prefix)
    other.load_parameters(path)
    np.testing.assert_array_equal(
        other.fc2.weight.data().asnumpy(), net.fc2.weight.data().asnumpy()
    )


def test_missing_and_extra_parameters_are_named(tmp_path):
    net = _net()
    path = str(tmp_path / "partial.params")
    arrays = {k: p.data() for k, p in net._collect_params_with_prefix().items()}
    fc2_weight = arrays.pop("fc2.weight")
    nd.save(path, arrays)
    before = _values(net)
    with pytest.raises(HybridError, match=r"'fc2.weight' is missing.*allow_missing=True"):
        net.load_parameters(path)
    net.load_parameters(path, allow_missing=True)
    nd.save(path, {**arrays, "fc2.weight": fc2_weight, "fc9.bias": nd.ones((1,))})
    with pytest.raises(HybridError, match=r"'fc9.bias'.*not present.*ignore_extra=True"):
        net.load_parameters(path)
    net.load_parameters(path, ignore_extra=True)
    for key, value in _values(net).items():
        np.testing.assert_array_equal(value, before[key])


def test_failed_load_changes_nothing(tmp_path):
    net, other = _net(0), _net(1)
    path = str(tmp_path / "bad.params")
    arrays = {k: p.data() for k, p in other._collect_params_with_prefix().items()}
    arrays["fc2.bias"] = nd.ones((7,))  # every other entry is fine and would load
    nd.save(path, arrays)
    before = _values(net)
    with pytest.raises(HybridError, match=r"'net0_dense1_bias'.*expected \(4,\) vs saved \(7,\)"):
        net.load_parameters(path)
    good = str(tmp_path / "good.params")
    other.save_parameters(good)
    raw = open(good, "rb").read()
    truncated = str(tmp_path / "truncated.params")
    with open(truncated, "wb") as f:
        f.write(raw[: len(raw) * 2 // 3])
    with pytest.raises(ParameterFileError, match="truncated.params"):
        net.load_parameters(truncated)
    for key, value in _values(net).items():
        np.testing.assert_array_equal(value, before[key])


def test_load_fills_deferred_parameters(tmp_path):
    net = _net()
    path = str(tmp_path / "net.params")
    net.save_parameters(path)
    with NameManager():
        fresh = Net()
    fresh.load_parameters(path)
    assert fresh.fc1.weight.shape == net.fc1.weight.shape
    x = nd.ones((1, 1, 10, 10))
    np.testing.assert_allclose(fresh(x).asnumpy(), net(x).asnumpy(), rtol=1e-6)


def test_forward_hooks_and_detach():
    net = _net()
    calls = []
    pre = net.fc1.register_forward_pre_hook(lambda b, args: calls.append(("pre", b.name)))
    post = net.fc1.register_forward_hook(lambda b, args, out: calls.append(("post", out.shape)))
    net(nd.ones((2, 1, 10, 10)))
    assert calls == [("pre", "net0_dense0"), ("post", (2, 5))]
    pre.detach()
    with post:
        net(nd.ones((1, 1, 10, 10)))
    net(nd.ones((1, 1, 10, 10)))
    assert calls[2:] == [("post", (1, 5))]


def test_summary_prints_shapes_and_counts(capsys):
    net = _net()
    net.summary(nd.ones((2, 1, 10, 10)))
    out = capsys.readouterr().out
    assert "Layer (type)" in out and "Output Shape" in out and "Param #" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert lines["Conv2D-1"].split()[-1] == str(2 * 1 * 9 + 2)
    assert "(2, 5)" in lines["Dense-5"] and lines["Dense-5"].split()[-1] == str(5 * 12 + 5)
    assert lines["Activation-4"].split()[-1] == "0" and "Net-7" in lines
    total = sum(p.data().size for p in net.collect_params().values())
    assert f"Total params: {total}" in out and f"Trainable params: {total}" in out
    assert not net.fc1._forward_hooks


def test_summary_counts_non_trainable():
    seq = nn.HybridSequential()
    seq.add(nn.Dense(3, in_units=2), nn.BatchNorm(in_channels=3))
    seq.initialize()
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        seq.summary(nd.ones((4, 2)))
    assert "Total params: 21" in buf.getvalue()
    assert "Non-trainable params: 6" in buf.getvalue()


def test_cast_and_apply():
    net = _net()
    net.cast("float64")
    assert all(p.data().dtype == np.float64 for p in net.collect_params().values())
    seen = []
    assert net.apply(lambda b: seen.append(type(b).__name__)) is net
    assert seen[-1] == "Net" and seen.count("Conv2D") == 2


def test_repr_like_mxnet():
    with NameManager():
        dense = nn.Dense(120, activation="relu", in_units=400)
    assert repr(dense) == "Dense(400 -> 120, Activation(relu))"
    assert repr(nn.Dense(3)) == "Dense(None -> 3, linear)"
    text = repr(_net())
    assert text.startswith("Net(\n  (conv1): Conv2D(1 -> 2, kernel_size=(3, 3)")
    assert "(fc2): Dense(5 -> 4, linear)" in text


class Gluon1(HybridBlock):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.w = self.params.get("w", shape=(3,), init="ones")

    def hybrid_forward(self, F, x, w):
        return F.broadcast_mul(x, w)


class Gluon2(HybridBlock):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.w = self.params.get("w", shape=(3,), init="ones")

    def forward(self, x):
        return x * self.w.data()


@pytest.mark.parametrize("cls", [Gluon1, Gluon2])
def test_both_styles_run_eagerly_with_gradients(cls):
    block = cls()
    block.initialize()
    x = nd.array([1.0, 2.0, 3.0])
    with autograd.record():
        y = block(x).sum()
    y.backward()
    np.testing.assert_array_equal(block.w.grad().asnumpy(), [1, 2, 3])
    assert block.w._fresh_grad


class _FakeSymbol:
    _is_symbol = True


def test_symbol_inputs_trace_with_vars(monkeypatch):
    seen = {}

    class Probe(HybridBlock):
        def __init__(self):
            super().__init__()
            self.w = self.params.get("w", shape=(2,))

        def hybrid_forward(self, F, x, w):
            seen["F"], seen["w"] = F.__name__, w
            return x

    block = Probe()
    monkeypatch.setattr(Parameter, "var", lambda self: ("var", self.name))
    sym = _FakeSymbol()
    assert block(sym) is sym
    assert seen == {"F": "hybrid.symbol", "w": ("var", block.w.name)}
    block.w._trace_symbol = "traced"
    block(sym)
    assert seen["w"] == "traced"


def test_symbol_inputs_gluon2_params_trace(monkeypatch):
    monkeypatch.setattr(Parameter, "var", lambda self: f"var:{self.name}")
    block = Gluon2(prefix="g2_")
    block.initialize()

    class Sym(_FakeSymbol):
        def __mul__(self, other):
            return ("mul", other)

    assert block(Sym()) == ("mul", "var:g2_w")
    assert block.w._trace_symbol is None


def test_hybridize_goes_through_cached_op(monkeypatch):
    import hybrid.gluon.cached as cached

    made = []

    class FakeCachedOp:
        def __init__(self, block, **flags):
            made.append(flags)

        def __call__(self, *args):
            return "cached"

    monkeypatch.setattr(cached, "CachedOp", FakeCachedOp)
    with NameManager():
        net = nn.HybridSequential()
        net.add(nn.Dense(2, in_units=3))
    net.initialize()
    net.hybridize(static_alloc=True)
    assert net[0]._active and net._flags == {"static_alloc": True, "static_shape": False}
    assert net(nd.ones((1, 3))) == "cached" and net(nd.ones((1, 3))) == "cached"
    assert len(made) == 1
    net.hybridize(active=False)
    assert net(nd.ones((1, 3))).shape == (1, 2)


def test_custom_block_with_unknown_shape_says_what_to_do():
    class Lazy(HybridBlock):
        def __init__(self):
            super().__init__(prefix="lazy_")
            self.w = self.params.get("w", shape=(0,), allow_deferred_init=True)

        def hybrid_forward(self, F, x, w):
            return x

    block = Lazy()
    block.initialize()
    with pytest.raises(HybridError, match=r"lazy: cannot infer .*lazy_w.*infer_shape"):
        block(nd.ones((2,)))


def test_plain_block_needs_forward():
    with pytest.raises(NotImplementedError, match="forward"):
        Block()(nd.ones((1,)))


def test_zero_grad_on_block():
    net = _net()
    x = nd.array(np.random.default_rng(3).normal(size=(4, 1, 10, 10)))
    with autograd.record():
        y = net(x).sum()
    y.backward()
    assert np.abs(net.conv1.weight.grad().asnumpy()).sum() > 0
    net.zero_grad()
    assert all(np.all(p.grad().asnumpy() == 0) for p in net.collect_params().values())


def test_export_delegates_to_cached(monkeypatch):
    import hybrid.gluon.cached as cached

    calls = []
    monkeypatch.setattr(cached, "export_block", lambda *a, **k: calls.append((a, k)) or "done")
    block = nn.Dense(2, in_units=3)
    assert block.export("model", epoch=3) == "done"
    assert calls == [((block, "model", 3), {})]


def test_summary_refuses_a_hybridized_block_as_mxnet_does(capsys):
    net = nn.HybridSequential()
    net.add(nn.Dense(4, activation="relu"), nn.Dense(2))
    net.initialize()
    net.hybridize()
    x = nd.ones((3, 5))
    net(x)
    with pytest.raises(AssertionError, match="must not be hybridized to print summary"):
        net.summary(x)
    assert net._active and not net[0]._forward_hooks
    net.hybridize(False)
    net.summary(x)
    text = capsys.readouterr().out
    assert "Dense-3" in text and "Total params: 34" in text


def test_deprecated_save_params_writes_prefix_stripped_names_load_params_reads(tmp_path):
    net = nn.HybridSequential(prefix="model_")
    with net.name_scope():
        net.add(nn.Dense(3, in_units=2), nn.Dense(1, in_units=3))
    net.initialize()
    path = str(tmp_path / "legacy.params")
    with pytest.warns(UserWarning, match="save_params is deprecated"):
        net.save_params(path)
    assert sorted(nd.load(path)) == ["dense0_bias", "dense0_weight", "dense1_bias", "dense1_weight"]
    other = nn.HybridSequential(prefix="model_")
    with other.name_scope():
        other.add(nn.Dense(3, in_units=2), nn.Dense(1, in_units=3))
    other.initialize()
    with pytest.warns(UserWarning, match="load_params is deprecated"):
        other.load_params(path)
    x = nd.array(np.arange(4.0).reshape(2, 2))
    np.testing.assert_array_equal(other(x).asnumpy(), net(x).asnumpy())


def test_op_hook_sees_every_op_of_the_hybridized_graph_unfused():
    net = nn.HybridSequential(prefix="m_")
    with net.name_scope():
        net.add(nn.Dense(2, in_units=4, flatten=False), nn.Activation("relu"))
    net.initialize()
    x = nd.array(np.random.default_rng(0).normal(size=(3, 4)))
    eager = net(x).asnumpy()
    seen = []
    net.register_op_hook(lambda name, op, a: seen.append((name, op, a.asnumpy())), True)
    net(x)
    assert seen == []  # not hybridized: no graph runs, as in MXNet
    net.hybridize()
    out = net(x).asnumpy()
    names = [(n.decode(), o.decode()) for n, o, _ in seen]
    assert names == [
        ("m_dense0_fwd_data", "FullyConnected"),
        ("m_dense0_fwd_weight", "FullyConnected"),
        ("m_dense0_fwd_bias", "FullyConnected"),
        ("m_dense0_fwd_output", "FullyConnected"),
        ("m_relu0_fwd_input0", "Activation"),
        ("m_relu0_fwd_output", "Activation"),
    ]
    np.testing.assert_array_equal(seen[0][2], x.asnumpy())
    np.testing.assert_array_equal(seen[-1][2], eager)
    np.testing.assert_array_equal(out, eager)


def test_attribute_type_change_is_a_type_error_and_unregistered_blocks_warn():
    b = Block()
    b.child = Block()
    with pytest.raises(TypeError, match="changing attribute child"):
        b.child = (2,)

    class Holder(Block):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Dense(2), nn.Dense(3)]

    with pytest.warns(UserWarning, match='"layers" is an unregistered container with Blocks'):
        Holder().collect_params()


def test_adding_a_child_after_a_hybridized_call_retraces():
    net = nn.HybridSequential()
    net.add(nn.Dense(4, in_units=5, flatten=False))
    net.initialize()
    net.hybridize()
    assert net(nd.ones((2, 3, 5))).shape == (2, 3, 4)
    net.add(nn.Flatten())
    assert net(nd.ones((2, 3, 5))).shape == (2, 12)
