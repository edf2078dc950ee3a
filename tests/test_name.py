"""``mx.name``: one set of counters names blocks and symbols; scopes restart or prefix them."""

from __future__ import annotations

import pytest

import hybrid as mx
from hybrid.gluon import nn


def test_name_manager_scope_restarts_block_and_symbol_counters():
    x = mx.sym.var("x")
    with mx.name.NameManager():
        assert [nn.Dense(2).prefix, nn.Dense(2).prefix] == ["dense0_", "dense1_"]
        assert [mx.sym.relu(x).name, mx.sym.relu(x).name] == ["relu0", "relu1"]
        assert mx.sym.relu(x, name="mine").name == "mine"
    with mx.name.NameManager():
        assert nn.Dense(2).prefix == "dense0_"


def test_prefix_prepends_to_made_and_given_names():
    x = mx.sym.var("x")
    with mx.name.Prefix("net_"):
        assert nn.Conv2D(4, 3).prefix == "net_conv0_"
        assert mx.sym.relu(x).name == "net_relu0"
        assert mx.sym.relu(x, name="act").name == "net_act"


def test_mxnet_error_and_waitall_keep_ported_scripts_running():
    assert mx.nd.waitall() is None
    with pytest.raises(mx.base.MXNetError, match="reshape"):
        mx.nd.ones((2, 3)).reshape((4,))
    assert mx.MXNetError is mx.HybridError
