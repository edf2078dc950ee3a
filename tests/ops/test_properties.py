"""Property tests: broadcasting ops against numpy, and MXNet's reshape codes against shapes built
by an independent generator that knows the answer by construction.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from hybrid import autograd, nd

SETTINGS = settings(derandomize=True, max_examples=60, deadline=None)

# op name, numpy forward, d(out)/d(lhs), d(out)/d(rhs) on broadcast arrays.
BROADCAST = [
    ("broadcast_add", np.add, lambda a, b: np.ones_like(a * b), lambda a, b: np.ones_like(a * b)),
    (
        "broadcast_sub",
        np.subtract,
        lambda a, b: np.ones_like(a * b),
        lambda a, b: -np.ones_like(a * b),
    ),
    ("broadcast_mul", np.multiply, lambda a, b: b + 0 * a, lambda a, b: a + 0 * b),
    ("broadcast_div", np.divide, lambda a, b: 1 / b + 0 * a, lambda a, b: -a / b**2),
]


def _sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Reference reduction of a broadcast gradient, written without hybrid's helper."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, d in enumerate(shape):
        if d == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


@SETTINGS
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    which=st.integers(0, len(BROADCAST) - 1),
    seed=st.integers(0, 2**16),
)
def test_broadcast_ops_match_numpy_and_sum_gradients(shapes, which, seed):
    name, f, d_lhs, d_rhs = BROADCAST[which]
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 2, shapes.input_shapes[0])
    b = rng.uniform(0.5, 2, shapes.input_shapes[1])
    lhs, rhs = nd.NDArray._wrap(a), nd.NDArray._wrap(b)
    lhs.attach_grad()
    rhs.attach_grad()
    with autograd.record():
        y = getattr(nd, name)(lhs, rhs)
    u = rng.normal(size=shapes.result_shape)
    y.backward(nd.NDArray._wrap(u))
    np.testing.assert_allclose(y.asnumpy(), f(a, b), rtol=1e-12)
    assert y.shape == shapes.result_shape
    a_b, b_b = np.broadcast_arrays(a, b)
    np.testing.assert_allclose(
        lhs.grad.asnumpy(), _sum_to(u * d_lhs(a_b, b_b), a.shape), rtol=1e-10
    )
    np.testing.assert_allclose(
        rhs.grad.asnumpy(), _sum_to(u * d_rhs(a_b, b_b), b.shape), rtol=1e-10
    )


@st.composite
def reshape_cases(draw, allow_split: bool = True):
    """(input shape, codes, expected output) built dim by dim from MXNet's documented rules:
    each step consumes input dims and emits codes and the output dims they stand for.
    """
    dims = draw(st.lists(st.integers(1, 4), min_size=1, max_size=5))
    codes, out, i, used_infer = [], [], 0, False
    while i < len(dims):
        choices = ["copy", "explicit", "tail"] + ["infer"] * (not used_infer)
        choices += ["merge"] * (i + 1 < len(dims)) + ["split"] * allow_split
        kind = draw(st.sampled_from(choices))
        if kind == "tail":
            codes.append(-2)
            out += dims[i:]
            break
        if kind == "merge":
            codes.append(-3)
            out.append(dims[i] * dims[i + 1])
            i += 2
            continue
        d = dims[i]
        if kind == "split":
            first = draw(st.sampled_from([f for f in range(1, d + 1) if d % f == 0]))
            parts = draw(st.sampled_from([(first, d // first), (-1, d // first), (first, -1)]))
            codes += [-4, *parts]
            out += [first, d // first]
        else:
            codes.append({"copy": 0, "explicit": d, "infer": -1}[kind])
            used_infer |= kind == "infer"
            out.append(d)
        i += 1
    return tuple(dims), tuple(codes), tuple(out)


@SETTINGS
@given(case=reshape_cases())
def test_reshape_codes_follow_mxnet_rules(case):
    shape, codes, expected = case
    x = nd.NDArray._wrap(np.arange(math.prod(shape), dtype=np.float32).reshape(shape))
    y = x.reshape(codes)
    assert y.shape == expected, f"{shape} with {codes}"
    np.testing.assert_array_equal(y.asnumpy().ravel(), x.asnumpy().ravel())


@SETTINGS
@given(case=reshape_cases(allow_split=False))
def test_reshape_reverse_reads_right_to_left(case):
    reversed_shape, codes, expected = case
    shape, codes = reversed_shape[::-1], codes[::-1]
    x = nd.NDArray._wrap(np.zeros(shape, np.float32))
    assert nd.reshape(x, shape=codes, reverse=True).shape == expected[::-1]
