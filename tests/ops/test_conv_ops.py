"""FullyConnected, Convolution and Deconvolution against plainly written numpy references.

The references loop over output (or input) positions at tiny sizes, independently of the im2col and
GEMM code under test; gradients are covered by the registry's finite-difference test.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import hybrid
from hybrid import autograd
from hybrid.base import AttrError, HybridError, ShapeError
from hybrid.ops.registry import get_op

nd = hybrid.nd


def conv_ref(x, w, b, stride, pad, dilate, groups):
    """Direct convolution: one dot product per (image, filter, output position)."""
    n, c = x.shape[:2]
    f, kernel = w.shape[0], w.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    out = [
        (xp.shape[2 + i] - dilate[i] * (k - 1) - 1) // stride[i] + 1 for i, k in enumerate(kernel)
    ]
    cg, fg = c // groups, f // groups
    y = np.zeros((n, f, *out))
    for i, fo in itertools.product(range(n), range(f)):
        g = fo // fg
        for o in itertools.product(*map(range, out)):
            window = tuple(
                slice(o[d] * stride[d], o[d] * stride[d] + dilate[d] * (k - 1) + 1, dilate[d])
                for d, k in enumerate(kernel)
            )
            patch = xp[(i, slice(g * cg, (g + 1) * cg), *window)]
            y[(i, fo, *o)] = np.sum(patch * w[fo]) + (0 if b is None else b[fo])
    return y


def deconv_ref(x, w, b, stride, pad, dilate, adj, groups):
    """Direct transposed convolution: every input value scatters its kernel into the output."""
    n, c, sp = x.shape[0], x.shape[1], x.shape[2:]
    fg, kernel = w.shape[1], w.shape[2:]
    full = [s * (m - 1) + d * (k - 1) + 1 for m, k, s, d in zip(sp, kernel, stride, dilate)]
    out = [fu - 2 * p + a for fu, p, a in zip(full, pad, adj)]
    y = np.zeros((n, fg * groups, *[max(fu, p + o) for fu, p, o in zip(full, pad, out)]))
    cg = c // groups
    for i, ci in itertools.product(range(n), range(c)):
        g = ci // cg
        for pos in itertools.product(*map(range, sp)):
            for kk in itertools.product(*map(range, kernel)):
                at = tuple(q * s + k * d for q, k, s, d in zip(pos, kk, stride, dilate))
                y[(i, slice(g * fg, (g + 1) * fg), *at)] += (
                    x[(i, ci, *pos)] * w[(ci, slice(None), *kk)]
                )
    y = y[(slice(None), slice(None), *[slice(p, p + o) for p, o in zip(pad, out)])]
    return y if b is None else y + b.reshape((-1,) + (1,) * len(sp))


CONV_CASES = [
    # x shape, w shape, stride, pad, dilate, groups
    ((2, 3, 7, 6), (4, 3, 3, 2), (1, 1), (0, 0), (1, 1), 1),
    ((2, 2, 6, 5), (5, 2, 3, 3), (1, 1), (1, 2), (1, 1), 1),
    ((2, 3, 7, 6), (4, 3, 3, 3), (2, 1), (1, 2), (1, 1), 1),
    ((1, 2, 9, 8), (3, 2, 3, 2), (1, 2), (2, 1), (2, 3), 1),
    ((2, 4, 6, 6), (6, 2, 3, 3), (2, 2), (1, 1), (1, 1), 2),
    ((2, 3, 6, 5), (3, 1, 3, 3), (1, 1), (1, 1), (1, 1), 3),
    ((2, 3, 11), (4, 3, 3), (2,), (1,), (2,), 1),
    ((2, 4, 10), (4, 1, 4), (3,), (2,), (1,), 4),
    ((1, 2, 5, 6, 4), (3, 2, 2, 3, 2), (2, 1, 1), (1, 0, 1), (1, 1, 2), 1),
]


@pytest.mark.parametrize("xs,ws,stride,pad,dilate,groups", CONV_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_convolution_matches_direct_reference(xs, ws, stride, pad, dilate, groups, bias):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=xs), rng.normal(size=ws), rng.normal(size=ws[0])
    args = [nd.array(x, dtype="float64"), nd.array(w, dtype="float64")]
    args += [nd.array(b, dtype="float64")] if bias else []
    y = nd.Convolution(
        *args,
        kernel=ws[2:],
        stride=stride,
        pad=pad,
        dilate=dilate,
        num_filter=ws[0],
        num_group=groups,
        no_bias=not bias,
    )
    expected = conv_ref(x, w, b if bias else None, stride, pad, dilate, groups)
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-10, atol=1e-10)


DECONV_CASES = [
    # x shape, w shape (in, filters/groups, *k), stride, pad, dilate, adj, groups
    ((2, 3, 3, 4), (3, 2, 3, 2), (2, 2), (1, 0), (1, 1), (1, 1), 1),
    ((1, 2, 4, 3), (2, 3, 2, 3), (1, 1), (0, 1), (2, 1), (0, 0), 1),
    ((2, 4, 5), (4, 3, 2), (1,), (1,), (2,), (0,), 2),
    ((1, 4, 3, 3), (4, 1, 2, 2), (1, 1), (0, 1), (1, 1), (0, 0), 1),
    ((2, 2, 4), (2, 2, 3), (3,), (2,), (1,), (2,), 1),
    ((1, 2, 3, 3), (2, 1, 3, 3), (2, 2), (0, 0), (1, 1), (0, 1), 2),
]


@pytest.mark.parametrize("xs,ws,stride,pad,dilate,adj,groups", DECONV_CASES)
def test_deconvolution_matches_scatter_reference(xs, ws, stride, pad, dilate, adj, groups):
    rng = np.random.default_rng(1)
    f = ws[1] * groups
    x, w, b = rng.normal(size=xs), rng.normal(size=ws), rng.normal(size=f)
    y = nd.Deconvolution(
        nd.array(x, dtype="float64"),
        nd.array(w, dtype="float64"),
        nd.array(b, dtype="float64"),
        kernel=ws[2:],
        stride=stride,
        pad=pad,
        dilate=dilate,
        adj=adj,
        num_filter=f,
        num_group=groups,
        no_bias=False,
    )
    expected = deconv_ref(x, w, b, stride, pad, dilate, adj, groups)
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-10, atol=1e-10)


def test_deconvolution_target_shape_sets_pad_and_adj_as_mxnet():
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(1, 2, 3, 3)), rng.normal(size=(2, 2, 3, 3))
    y = nd.Deconvolution(
        nd.array(x), nd.array(w), kernel=(3, 3), stride=(2, 2), target_shape=(6, 7), num_filter=2
    )
    assert y.shape == (1, 2, 6, 7)
    # full size 7 per dim: 6 = 7 - 2*1 + 1 (pad 1, adj 1) and 7 = 7 - 0 (pad 0, adj 0)
    expected = deconv_ref(x, w, None, (2, 2), (1, 0), (1, 1), (1, 0), 1)
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-5, atol=1e-5)


def test_deconvolution_is_the_adjoint_of_convolution():
    rng = np.random.default_rng(3)
    x, w, u = rng.normal(size=(2, 4, 7, 6)), rng.normal(size=(6, 2, 3, 2)), None
    attrs = dict(kernel=(3, 2), stride=(2, 1), pad=(1, 1), dilate=(1, 2), num_group=2)
    y = nd.Convolution(
        nd.array(x, dtype="float64"),
        nd.array(w, dtype="float64"),
        num_filter=6,
        no_bias=True,
        **attrs,
    )
    u = rng.normal(size=y.shape)
    z = nd.Deconvolution(
        nd.array(u, dtype="float64"),
        nd.array(w, dtype="float64"),
        num_filter=4,
        target_shape=x.shape[2:],
        **attrs,
    )
    assert z.shape == x.shape
    assert np.sum(y.asnumpy() * u) == pytest.approx(np.sum(x * z.asnumpy()), rel=1e-10)


@pytest.mark.parametrize("flatten", [True, False])
def test_fully_connected_matches_matmul(flatten):
    rng = np.random.default_rng(4)
    x, b = rng.normal(size=(3, 2, 5)), rng.normal(size=4)
    w = rng.normal(size=(4, 10 if flatten else 5))
    y = nd.FullyConnected(
        nd.array(x, dtype="float64"),
        nd.array(w, dtype="float64"),
        nd.array(b, dtype="float64"),
        num_hidden=4,
        flatten=flatten,
    )
    expected = (x.reshape(3, 10) if flatten else x) @ w.T + b
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-12)


def test_float32_stays_float32_forward_and_backward():
    rng = np.random.default_rng(5)
    x = nd.array(rng.normal(size=(2, 3, 8, 8)).astype(np.float32))
    w = nd.array(rng.normal(size=(4, 3, 3, 3)).astype(np.float32))
    fw = nd.array(rng.normal(size=(5, 144)).astype(np.float32))
    for a in (x, w, fw):
        a.attach_grad()
    with autograd.record():
        h = nd.Convolution(x, w, kernel=(3, 3), num_filter=4, no_bias=True)
        y = nd.FullyConnected(h, fw, num_hidden=5, no_bias=True)
    y.backward()
    assert h.dtype == y.dtype == np.float32
    assert x.grad.dtype == w.grad.dtype == fw.grad.dtype == np.float32


def test_infer_completes_weight_and_bias_like_mxnet():
    fc = get_op("FullyConnected")
    shapes, out, _ = fc.infer(
        [(10, 16, 5, 5), None, None], [np.float32] * 3, **fc.parse_attrs({"num_hidden": 120})
    )
    assert shapes[1:] == [(120, 400), (120,)] and out == [(10, 120)]
    conv = get_op("Convolution")
    attrs = conv.parse_attrs({"kernel": (5, 5), "num_filter": 6, "num_group": 2})
    shapes, out, _ = conv.infer([(64, 4, 32, 32), (0, 0, 0, 0), (0,)], [np.float32] * 3, **attrs)
    assert shapes[1:] == [(6, 2, 5, 5), (6,)] and out == [(64, 6, 28, 28)]
    deconv = get_op("Deconvolution")
    attrs = deconv.parse_attrs({"kernel": (4, 4), "stride": (2, 2), "pad": (1, 1), "num_filter": 3})
    shapes, out, _ = deconv.infer([(2, 5, 7, 7), None], [np.float32] * 2, **attrs)
    assert shapes[1] == (5, 3, 4, 4) and out == [(2, 3, 14, 14)]


def test_wrong_weight_shape_names_op_and_shapes():
    x, w = nd.zeros((4, 8)), nd.zeros((10, 7))
    with pytest.raises(
        ShapeError,
        match=r"FullyConnected: weight has shape \(10, 7\), expected "
        r"\(10, 8\) from data \(4, 8\)",
    ):
        nd.FullyConnected(x, w, num_hidden=10, no_bias=True)
    x, w = nd.zeros((2, 3, 8, 8)), nd.zeros((4, 2, 3, 3))
    with pytest.raises(
        ShapeError,
        match=r"Convolution: weight has shape \(4, 2, 3, 3\), expected "
        r"\(4, 3, 3, 3\) from data \(2, 3, 8, 8\)",
    ):
        nd.Convolution(x, w, kernel=(3, 3), num_filter=4, no_bias=True)


def test_bad_kernel_and_data_raise_clear_errors():
    x, w = nd.zeros((1, 2, 4, 4)), nd.zeros((3, 2, 5, 5))
    with pytest.raises(
        ShapeError, match=r"Convolution: kernel=\(5, 5\).*exceeds data \(1, 2, 4, 4\)"
    ):
        nd.Convolution(x, w, kernel=(5, 5), num_filter=3, no_bias=True)
    with pytest.raises(AttrError, match=r"Convolution: kernel=\(1, 1, 1, 1\) must have 1, 2 or 3"):
        nd.Convolution(
            x, nd.zeros((3, 2, 1, 1, 1, 1)), kernel=(1, 1, 1, 1), num_filter=3, no_bias=True
        )
    with pytest.raises(AttrError, match=r"Convolution: stride=\(1,\) has 1 dims"):
        nd.Convolution(
            x, nd.zeros((3, 2, 3, 3)), kernel=(3, 3), stride=(1,), num_filter=3, no_bias=True
        )
    with pytest.raises(ShapeError, match=r"Convolution: data has shape \(1, 2, 4, 4\), expected 3"):
        nd.Convolution(x, nd.zeros((3, 2, 3)), kernel=(3,), num_filter=3, no_bias=True)
    with pytest.raises(ShapeError, match=r"Convolution: data has 2 channels, not divisible"):
        nd.Convolution(
            x, nd.zeros((3, 1, 3, 3)), kernel=(3, 3), num_filter=3, num_group=3, no_bias=True
        )
    with pytest.raises(HybridError, match=r"Convolution: with no_bias=False the inputs are"):
        nd.Convolution(x, nd.zeros((3, 2, 3, 3)), kernel=(3, 3), num_filter=3)
