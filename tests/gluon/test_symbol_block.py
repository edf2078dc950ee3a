"""export() and SymbolBlock.imports: a bit-exact round trip that runs eagerly, trains and
hybridizes; SymbolBlock built from Symbols.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import hybrid as mx
from hybrid import autograd, sym
from hybrid.base import HybridError
from hybrid.gluon import Trainer, nn
from hybrid.gluon.symbol_block import SymbolBlock


def _net():
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, 3, in_channels=2), nn.BatchNorm(), nn.Activation("relu"),
            nn.Flatten(), nn.Dense(5))
    net.initialize()
    return net


def _x():
    return mx.nd.array(np.random.default_rng(0).normal(size=(3, 2, 6, 6)))


def test_export_imports_round_trip_is_bit_exact(tmp_path):
    net, x = _net(), _x()
    net.hybridize()
    hybridized = net(x).asnumpy()
    sym_file, params_file = net.export(str(tmp_path / "model"), epoch=3)
    net.hybridize(False)
    eager = net(x).asnumpy()
    assert sym_file.endswith("model-symbol.json") and params_file.endswith("model-0003.params")
    saved = mx.nd.load(params_file)
    assert any(k.startswith("aux:") and k.endswith("running_mean") for k in saved)
    assert any(k.startswith("arg:") and k.endswith("weight") for k in saved)
    assert json.load(open(sym_file))["format"] == "hybrid-graph"
    block = SymbolBlock.imports(sym_file, ["data"], params_file)
    np.testing.assert_array_equal(block(x).asnumpy(), eager)
    block.hybridize()  # the same graph and passes (BatchNorm folded) as the exporting block
    np.testing.assert_array_equal(block(x).asnumpy(), hybridized)


def test_imported_block_trains_and_updates_running_statistics(tmp_path):
    net, x = _net(), _x()
    net.hybridize()
    net(x)
    block = SymbolBlock.imports(*net.export(str(tmp_path / "m"))[:1], ["data"],
                                str(tmp_path / "m-0000.params"))
    params = block.collect_params()
    mean = [p for k, p in params.items() if k.endswith("running_mean")][0]
    assert mean.grad_req == "null"
    before = mean.data().asnumpy().copy()
    trainer = Trainer(params, "sgd", {"learning_rate": 0.1})
    losses = []
    for _ in range(5):
        with autograd.record():
            loss = (block(x) ** 2).mean()
        loss.backward()
        trainer.step(1)
        losses.append(float(loss.asscalar()))
    assert losses[-1] < losses[0]
    assert not np.array_equal(mean.data().asnumpy(), before)


def test_symbol_block_from_symbols_with_shared_and_inferred_parameters():
    data = sym.var("data")
    out = sym.FullyConnected(data, sym.var("w"), sym.var("b"), num_hidden=3)
    block = SymbolBlock(out, data)
    assert sorted(block.collect_params().keys()) == ["b", "w"]
    block.initialize()
    x = mx.nd.array(np.ones((2, 4)))
    y = block(x)  # deferred shapes completed from the input
    assert y.shape == (2, 3) and block.collect_params()["w"].shape == (3, 4)
    w, b = block.collect_params()["w"].data(), block.collect_params()["b"].data()
    np.testing.assert_allclose(y.asnumpy(), x.asnumpy() @ w.asnumpy().T + b.asnumpy(),
                               rtol=1e-6)


def test_export_before_a_traced_call_is_an_error(tmp_path):
    net = _net()
    with pytest.raises(HybridError, match="hybridize"):
        net.export(str(tmp_path / "m"))


def test_imports_with_an_unknown_input_name(tmp_path):
    net, x = _net(), _x()
    net.hybridize()
    net(x)
    sym_file, _ = net.export(str(tmp_path / "m"))
    with pytest.raises(HybridError, match="not variables"):
        SymbolBlock.imports(sym_file, ["images"])


def test_symbol_block_in_a_name_scope_shares_the_given_parameters_by_name(tmp_path):
    import hybrid as hmx

    class Net(hmx.gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                backbone = hmx.gluon.nn.Dense(4, in_units=3)
                out = backbone(hmx.sym.var("data"))
                self.backbone = hmx.gluon.SymbolBlock(
                    out, hmx.sym.var("data"), params=backbone.collect_params()
                )
                self.body = hmx.gluon.nn.Dense(3, in_units=3)

        def hybrid_forward(self, F, x):
            return self.backbone(self.body(x))

    net1 = Net()
    names = sorted(net1.collect_params().keys())
    # The prefix depends on how many nets earlier tests made; the children's names do not.
    p = net1.prefix
    assert names == [p + "dense0_bias", p + "dense0_weight", p + "dense1_bias", p + "dense1_weight"]
    net1.initialize()
    net1.hybridize()
    x = hmx.nd.ones((2, 3))
    path = str(tmp_path / "net.params")
    net1.save_parameters(path)
    net2 = Net()
    net2.load_parameters(path)
    np.testing.assert_array_equal(net2(x).asnumpy(), net1(x).asnumpy())


def test_a_row_sparse_variable_is_refused():
    # MXNet asserts: a SymbolBlock cannot hold a row_sparse parameter.
    data = mx.sym.var("data")
    weight = mx.sym.var("weight", stype="row_sparse")
    assert weight.attr_dict()["weight"]["__storage_type__"] == "1"
    with pytest.raises(AssertionError, match="weight.*row_sparse"):
        SymbolBlock(mx.sym.dot(data, weight), data)
    dense = mx.sym.var("weight", stype="default")
    assert SymbolBlock(mx.sym.dot(data, dense), data) is not None
