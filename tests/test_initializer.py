"""Initializers: MXNet's name dispatch, distributions and bounds, fans, reproducibility."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hybrid import initializer as init
from hybrid import nd, random
from hybrid.base import HybridError


def _filled(initializer, name, shape):
    arr = nd.array(np.full(shape, 7.0))
    initializer(init.InitDesc(name), arr)
    return arr.asnumpy()


@pytest.mark.parametrize(
    "name,value",
    [("fc_bias", 0.0), ("bn_gamma", 1.0), ("bn_beta", 0.0), ("bn_running_mean", 0.0),
     ("bn_running_var", 1.0), ("bn_moving_mean", 0.0), ("bn_moving_var", 1.0), ("q_min", 0.0),
     ("q_max", 1.0)],
)  # fmt: skip
def test_name_suffix_dispatch_gives_fixed_values(name, value):
    np.testing.assert_array_equal(_filled(init.Normal(5.0), name, (3,)), np.full(3, value))


def test_own_initializer_in_attrs_wins_over_name_and_global():
    arr = nd.array(np.zeros(4))
    init.Xavier()(init.InitDesc("fc_bias", {"__init__": "ones"}), arr)
    np.testing.assert_array_equal(arr.asnumpy(), np.ones(4))
    init.Xavier()(init.InitDesc("fc_weight", {"__init__": init.Constant(3.0)}), arr)
    np.testing.assert_array_equal(arr.asnumpy(), np.full(4, 3.0))


def test_unknown_name_raises_naming_it():
    with pytest.raises(HybridError, match="'foo_thing'"):
        _filled(init.Uniform(), "foo_thing", (2,))


def test_uniform_and_normal_statistics():
    random.seed(0)
    u = _filled(init.Uniform(0.2), "w_weight", (200, 200))
    assert np.abs(u).max() <= 0.2 and np.abs(u).max() > 0.199
    assert abs(u.std() - 0.2 / np.sqrt(3)) < 0.002
    n = _filled(init.Normal(0.5), "w_weight", (200, 200))
    assert abs(n.std() - 0.5) < 0.005 and abs(n.mean()) < 0.005


@pytest.mark.parametrize(
    "shape,fan_in,fan_out",
    [((40, 60), 60, 40), ((16, 8, 3, 3), 8 * 9, 16 * 9)],
    ids=["dense", "conv"],
)
@pytest.mark.parametrize("factor_type", ["avg", "in", "out"])
def test_xavier_uniform_bound_uses_mxnet_fans(shape, fan_in, fan_out, factor_type):
    random.seed(1)
    factor = {"avg": (fan_in + fan_out) / 2, "in": fan_in, "out": fan_out}[factor_type]
    bound = np.sqrt(2.0 / factor)
    w = _filled(init.Xavier(factor_type=factor_type, magnitude=2), "c_weight", shape)
    assert w.shape == shape
    assert np.abs(w).max() <= bound + 1e-7
    assert np.abs(w).max() > 0.97 * bound


def test_xavier_gaussian_and_msra_std():
    random.seed(2)
    w = _filled(init.Xavier(rnd_type="gaussian", factor_type="in"), "w_weight", (300, 400))
    assert abs(w.std() - np.sqrt(3.0 / 400)) < 0.002
    w = _filled(init.MSRAPrelu(factor_type="out", slope=0.0), "w_weight", (300, 40, 2, 2))
    assert abs(w.std() - np.sqrt(2.0 / (300 * 4))) < 0.001


def test_xavier_rejects_vectors():
    with pytest.raises(HybridError, match="at least 2"):
        _filled(init.Xavier(), "v_weight", (5,))


@pytest.mark.parametrize("rand_type", ["uniform", "normal"])
@pytest.mark.parametrize("shape", [(4, 10), (10, 4), (3, 2, 2, 2)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, rand_type):
    random.seed(3)
    w = _filled(init.Orthogonal(scale=1.5, rand_type=rand_type), "o_weight", shape)
    flat = w.reshape(shape[0], -1).astype(np.float64)
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram, 1.5**2 * np.eye(gram.shape[0]), atol=1e-5)


def test_bilinear_kernel_values():
    w = _filled(init.Bilinear(), "up_weight", (2, 1, 4, 4))
    row = np.array([0.25, 0.75, 0.75, 0.25])
    np.testing.assert_allclose(w[1, 0], np.outer(row, row))


def test_lstm_bias_sets_forget_gate_only():
    b = _filled(init.LSTMBias(forget_bias=2.0), "lstm_i2h_weight", (12,))
    np.testing.assert_array_equal(b, [0] * 3 + [2] * 3 + [0] * 6)


def test_mixed_uses_first_matching_pattern():
    # Each initializer still dispatches on the name, so both names end in "weight".
    mixed = init.Mixed(["conv", ".*"], [init.Constant(5.0), init.One()])
    a, b = nd.array(np.zeros(2)), nd.array(np.zeros(2))
    mixed(init.InitDesc("conv0_weight"), a)
    mixed(init.InitDesc("fc_weight"), b)
    assert a.asnumpy().tolist() == [5.0, 5.0] and b.asnumpy().tolist() == [1.0, 1.0]
    with pytest.raises(HybridError, match="matched no pattern"):
        init.Mixed(["x"], [init.One()])(init.InitDesc("y_weight"), a)


def test_seed_makes_initialization_reproducible():
    random.seed(7)
    first = _filled(init.Xavier(), "w_weight", (5, 6))
    random.seed(7)
    np.testing.assert_array_equal(_filled(init.Xavier(), "w_weight", (5, 6)), first)


def test_create_by_name_dumps_and_register():
    assert isinstance(init.create("zeros"), init.Zero)
    assert isinstance(init.create("ONES"), init.One)
    assert isinstance(init.create("msraprelu"), init.MSRAPrelu)
    normal = init.Normal(0.5)
    assert json.loads(normal.dumps()) == ["normal", {"sigma": 0.5}]
    assert init.create(normal.dumps()).sigma == 0.5
    assert init.create(normal) is normal

    @init.register
    @init.alias("twos")
    class Two(init.Initializer):
        def _init_weight(self, _, arr):
            arr[:] = 2.0

    np.testing.assert_array_equal(_filled(init.create("twos"), "a_weight", (2,)), [2.0, 2.0])
    with pytest.raises(HybridError, match="unknown initializer"):
        init.create("no_such_init")


def test_initializers_compare_by_type_and_arguments():
    assert init.Constant(-10.0) == init.Constant(-10.0)
    assert init.Constant(1.0) != init.Constant(2.0)
    assert init.Normal(0.5) != init.Uniform(0.5)
