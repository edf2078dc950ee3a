"""Pooling and UpSampling against plainly written numpy references (loops over output windows)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import hybrid
from hybrid import autograd
from hybrid.base import AttrError, ShapeError

nd = hybrid.nd


def pool_ref(x, kernel, stride, pad, pool_type, convention="valid", include_pad=True, p=None):
    """One window at a time, clipped to the data as MXNet's CPU kernels clip it."""
    sizes = x.shape[2:]
    if convention == "valid":
        out = [(s + 2 * q - k) // st + 1 for s, k, st, q in zip(sizes, kernel, stride, pad)]
    elif convention == "full":
        out = [
            math.ceil((s + 2 * q - k) / st) + 1 for s, k, st, q in zip(sizes, kernel, stride, pad)
        ]
    else:
        out = [math.ceil(s / st) for s, st in zip(sizes, stride)]
    before = list(pad)
    if convention == "same":
        before = [
            max((o - 1) * st + k - s, 0) // 2 for o, st, k, s in zip(out, stride, kernel, sizes)
        ]
    y = np.zeros(x.shape[:2] + tuple(out))
    for o in itertools.product(*map(range, out)):
        start = [oi * st - b for oi, st, b in zip(o, stride, before)]
        end = [min(a + k, s + q) for a, k, s, q in zip(start, kernel, sizes, pad)]
        lo = [max(a, 0) for a in start]
        hi = [min(e, s) for e, s in zip(end, sizes)]
        win = x[(Ellipsis, *[slice(a, b) for a, b in zip(lo, hi)])].reshape(x.shape[:2] + (-1,))
        if pool_type == "max":
            v = win.max(axis=-1)
        elif pool_type == "sum":
            v = win.sum(axis=-1)
        elif pool_type == "lp":
            v = np.sum(win**p, axis=-1) ** (1.0 / p)
        else:
            count = np.prod(
                [e - a for a, e in zip(start, end)]
                if include_pad
                else [b - a for a, b in zip(lo, hi)]
            )
            v = win.sum(axis=-1) / count
        y[(Ellipsis, *o)] = v
    return y


POOL_CASES = [
    # shape, kernel, stride, pad, pool_type, convention, count_include_pad, p_value
    ((2, 3, 6, 6), (2, 2), (2, 2), (0, 0), "max", "valid", None, None),
    ((2, 2, 7, 8), (3, 3), (2, 2), (1, 1), "max", "valid", None, None),
    ((2, 2, 7, 8), (3, 2), (2, 3), (1, 0), "max", "full", None, None),
    ((1, 2, 9, 7), (3, 3), (2, 2), (1, 1), "avg", "valid", True, None),
    ((1, 2, 9, 7), (3, 3), (2, 2), (1, 1), "avg", "valid", False, None),
    ((1, 2, 8, 7), (3, 2), (2, 2), (1, 1), "avg", "full", True, None),
    ((1, 2, 8, 8), (3, 2), (2, 2), (1, 1), "avg", "full", False, None),
    ((2, 3, 9), (3,), (2,), (1,), "sum", "full", None, None),
    ((2, 3, 10), (4,), (3,), (0,), "lp", "valid", None, 2),
    ((2, 3, 10), (2,), (1,), (0,), "lp", "valid", None, 1),
    ((1, 2, 8, 6), (2, 3), (2, 1), (0, 1), "lp", "valid", None, 3),
    ((1, 2, 4, 5, 6), (2, 2, 3), (2, 1, 2), (1, 0, 1), "max", "valid", None, None),
    ((1, 2, 4, 5, 6), (2, 2, 3), (2, 1, 2), (1, 0, 1), "avg", "full", False, None),
    ((2, 2, 9), (3,), (2,), (0,), "max", "same", None, None),
    ((2, 2, 8), (4,), (3,), (0,), "max", "same", None, None),
]


@pytest.mark.parametrize("shape,kernel,stride,pad,kind,convention,include,p", POOL_CASES)
def test_pooling_matches_window_reference(shape, kernel, stride, pad, kind, convention, include, p):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 2.0, shape) if kind == "lp" else rng.normal(size=shape)
    y = nd.Pooling(
        nd.array(x, dtype="float64"),
        kernel=kernel,
        stride=stride,
        pad=pad,
        pool_type=kind,
        pooling_convention=convention,
        count_include_pad=include,
        p_value=p,
    )
    expected = pool_ref(x, kernel, stride, pad, kind, convention, include is not False, p)
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["max", "avg", "sum"])
def test_global_pool_reduces_all_spatial_dims(kind):
    x = np.random.default_rng(1).normal(size=(2, 3, 4, 5))
    y = nd.Pooling(nd.array(x), kernel=(1, 1), pool_type=kind, global_pool=True)
    reduce = {"max": np.max, "avg": np.mean, "sum": np.sum}[kind]
    assert y.shape == (2, 3, 1, 1)
    np.testing.assert_allclose(y.asnumpy(), reduce(x, axis=(2, 3), keepdims=True), rtol=1e-5)


def test_max_pool_gradient_goes_to_first_maximum_on_ties():
    x = nd.array(np.array([[[[1.0, 3.0, 3.0], [3.0, 0.0, 3.0], [2.0, 2.0, 2.0]]]]))
    x.attach_grad()
    with autograd.record():
        y = nd.Pooling(x, kernel=(2, 2), stride=(1, 1))
    y.backward(nd.array(np.array([[[[1.0, 10.0], [100.0, 1000.0]]]])))
    # windows: top-left max 3 first at (0,1); top-right first at (0,1); bottom-left first at
    # (1,0); bottom-right max 3 first at (1,2).
    expected = np.array([[[[0.0, 11.0, 0.0], [100.0, 0.0, 1000.0], [0.0, 0.0, 0.0]]]])
    np.testing.assert_array_equal(x.grad.asnumpy(), expected)


def test_max_pool_never_sends_gradient_to_padding():
    x = nd.array(-np.ones((1, 1, 3, 3)) - np.arange(9).reshape(1, 1, 3, 3))
    x.attach_grad()
    with autograd.record():
        y = nd.Pooling(x, kernel=(3, 3), stride=(2, 2), pad=(1, 1))
    y.backward()
    assert y.asnumpy().max() < 0
    assert x.grad.asnumpy().sum() == y.size


def test_upsampling_nearest_repeats_pixels():
    x = np.random.default_rng(2).normal(size=(2, 3, 2, 4))
    y = nd.UpSampling(nd.array(x), scale=3, sample_type="nearest")
    np.testing.assert_allclose(y.asnumpy(), x.repeat(3, axis=2).repeat(3, axis=3), rtol=1e-6)


@pytest.mark.parametrize("mode", ["concat", "sum"])
def test_upsampling_several_inputs_reach_the_first_inputs_size(mode):
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(1, 2, 2, 3)), rng.normal(size=(1, 2, 4, 6))
    y = nd.UpSampling(
        nd.array(a), nd.array(b), scale=4, sample_type="nearest", multi_input_mode=mode, num_args=2
    )
    ua = a.repeat(4, axis=2).repeat(4, axis=3)
    ub = b.repeat(2, axis=2).repeat(2, axis=3)
    expected = ua + ub if mode == "sum" else np.concatenate([ua, ub], axis=1)
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-6)


def test_pooling_and_upsampling_errors_name_the_op():
    x = nd.zeros((1, 2, 4, 4))
    with pytest.raises(ShapeError, match=r"Pooling: kernel=\(5, 5\) exceeds data \(1, 2, 4, 4\)"):
        nd.Pooling(x, kernel=(5, 5))
    with pytest.raises(ShapeError, match=r"Pooling: data has shape \(1, 2, 4, 4\), expected 3"):
        nd.Pooling(x, kernel=(2,))
    with pytest.raises(AttrError, match="Pooling: attribute kernel is required"):
        nd.Pooling(x)
    with pytest.raises(AttrError, match="Pooling: pool_type='lp' needs p_value"):
        nd.Pooling(x, kernel=(2, 2), pool_type="lp")
    with pytest.raises(AttrError, match="Pooling: pooling_convention='same' supports 1-D"):
        nd.Pooling(x, kernel=(2, 2), pooling_convention="same")
    with pytest.raises(AttrError, match="UpSampling: attribute sample_type='bilinear'"):
        nd.UpSampling(x, scale=2, sample_type="bilinear")
    with pytest.raises(ShapeError, match=r"UpSampling: input \(1, 2, 3, 3\) does not divide"):
        nd.UpSampling(x, nd.zeros((1, 2, 3, 3)), scale=2, sample_type="nearest")


PHASE_CASES = [
    # shape, attrs: strided overlapping max pooling (Note [Max pooling on stride phases])
    ((2, 3, 12, 11), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1))),  # ResNet's stem pooling
    ((2, 3, 9, 8), dict(kernel=(3, 2), stride=(2, 1), pad=(1, 1))),
    ((2, 3, 10, 9), dict(kernel=(3, 3), stride=(1, 2), pad=(1, 0))),
    ((2, 3, 13, 10), dict(kernel=(4, 3), stride=(3, 2))),  # data past the last window
    ((2, 3, 9), dict(kernel=(3,), stride=(2,), pooling_convention="full")),
    ((1, 2, 7, 6, 5), dict(kernel=(2, 3, 3), stride=(2, 2, 2), pad=(1, 1, 0))),
]


@pytest.mark.parametrize("shape,attrs", PHASE_CASES)
def test_max_pooling_on_stride_phases_equals_the_plain_route(monkeypatch, shape, attrs):
    """Same outputs and gradients bitwise, ties included (the first maximum gets the gradient)."""
    from hybrid.ops import pooling

    rng = np.random.default_rng(5)
    x = rng.normal(size=shape).astype(np.float32)
    x[..., :2] = 1.0  # ties inside windows
    head = None
    results = []
    for phases in (True, False):
        monkeypatch.setattr(pooling, "_on_phases", lambda geo, dtype, on=phases: on)
        xa = nd.array(x)
        xa.attach_grad()
        with autograd.record():
            y = nd.Pooling(xa, pool_type="max", **attrs)
            head = rng.normal(size=y.shape) if head is None else head
            loss = (y * nd.array(head)).sum()
        loss.backward()
        results.append((y.asnumpy(), xa.grad.asnumpy()))
    (y1, g1), (y0, g0) = results
    np.testing.assert_array_equal(y1, y0)
    np.testing.assert_array_equal(g1, g0)
    want = pool_ref(x.astype(np.float64), attrs["kernel"], attrs["stride"],
                    attrs.get("pad", (0,) * len(attrs["kernel"])), "max",
                    attrs.get("pooling_convention", "valid"))
    np.testing.assert_allclose(y1, want, rtol=1e-6)


def test_only_strided_overlapping_float_max_pooling_takes_phases():
    from hybrid.ops import pooling

    def geo(shape, **attrs):
        a = {"kernel": (), "stride": (), "pad": (), "global_pool": False,
             "pooling_convention": "valid", **attrs}
        return pooling.pool_geometry(shape, a)

    f32 = np.dtype(np.float32)
    assert pooling._on_phases(geo((8, 64, 112, 112), kernel=(3, 3), stride=(2, 2)), f32)
    assert not pooling._on_phases(geo((64, 6, 28, 28), kernel=(2, 2), stride=(2, 2)), f32)
    assert not pooling._on_phases(geo((2, 3, 8, 8), kernel=(3, 3)), f32)
    assert not pooling._on_phases(geo((8, 64, 12, 12), kernel=(3, 3), stride=(2, 2)),
                                  np.dtype(np.int32))
