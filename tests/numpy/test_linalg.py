"""mx.np.linalg against numpy.linalg on float64 matrices of several shapes, with gradients
against finite differences for the differentiable functions."""

from __future__ import annotations

import numpy as onp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hybrid import np
from hybrid.base import HybridError

from ._fd import check_grad

L = np.linalg


def _spd(rng, n, batch=()):
    a = rng.normal(size=(*batch, n, n))
    return a @ onp.swapaxes(a, -1, -2) + n * onp.eye(n)


def _general(rng, n, batch=()):
    return rng.normal(size=(*batch, n, n)) + 2 * n ** 0.5 * onp.eye(n)


# name -> (function of (linalg module, a), input maker of (rng, n, batch))
TABLE = {
    "inv": (lambda m, a: m.inv(a), _general),
    "det": (lambda m, a: m.det(a), _general),
    "slogdet": (lambda m, a: m.slogdet(a)[1], _general),
    "cholesky": (lambda m, a: m.cholesky(a), _spd),
    "eigvalsh": (lambda m, a: m.eigvalsh(a), _spd),
    "solve": (lambda m, a: m.solve(a, a[..., :1] * 2 + 1), _general),
    # MXNet's (NumPy 1.x's) rule: b with one dimension fewer than a is a stack of vectors.
    "solve_vector": (lambda m, a: m.solve(a, a[..., 0] + 1) if m is L
                     else m.solve(a, a[..., :1] + 1)[..., 0], _general),
    "matrix_power": (lambda m, a: m.matrix_power(a, 3), _general),
    "matrix_power_neg": (lambda m, a: m.matrix_power(a, -2), _general),
    "norm_fro": (lambda m, a: m.norm(a, axis=(-2, -1)), _general),
    "norm_1": (lambda m, a: m.norm(a, 1, axis=(-2, -1)), _general),
    "norm_inf": (lambda m, a: m.norm(a, onp.inf, axis=(-2, -1)), _general),
    "norm_vec3": (lambda m, a: m.norm(a, 3, axis=-1), _general),
    "norm_nuc": (lambda m, a: m.norm(a, "nuc", axis=(-2, -1)), _general),
    "norm_2": (lambda m, a: m.norm(a, 2, axis=(-2, -1)), _general),
    "svd_values": (lambda m, a: m.svd(a)[1] if m is L else onp.linalg.svd(a)[1], _general),
    "pinv": (lambda m, a: m.pinv(a), _general),
    "cond": (lambda m, a: m.cond(a), _general),
    "cond_fro": (lambda m, a: m.cond(a, "fro"), _general),
    "eigvals": (lambda m, a: onp.sort(onp.asarray(m.eigvals(a).asnumpy() if m is L
                                                   else m.eigvals(a)), axis=-1), _spd),
}


@pytest.mark.parametrize("name", sorted(TABLE))
@settings(max_examples=5, deadline=None)
@given(n=st.integers(1, 4), batch=st.sampled_from([(), (2,), (2, 1)]), seed=st.integers(0, 99))
def test_matches_numpy(name, n, batch, seed):
    fn, make = TABLE[name]
    if name == "eigvals" and batch:
        batch = ()
    a = make(onp.random.default_rng(seed), n, batch)
    expected = fn(onp.linalg, a)
    got = fn(L, np.array(a))
    got = got.asnumpy() if hasattr(got, "asnumpy") else got
    onp.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "cholesky", "solve",
                                  "solve_vector", "matrix_power", "matrix_power_neg",
                                  "norm_fro", "norm_vec3", "norm_nuc", "pinv", "cond"])
def test_gradient(name):
    fn, make = TABLE[name]
    check_grad(lambda a: fn(L, a), make(onp.random.default_rng(8), 3, ()))


def test_factorizations_reconstruct_their_input():
    rng = onp.random.default_rng(9)
    a = rng.normal(size=(2, 3, 5))
    ut, s, v = L.svd(np.array(a))
    recon = onp.einsum("bij,bj,bjk->bik", ut.asnumpy(), s.asnumpy(), v.asnumpy())
    onp.testing.assert_allclose(recon, a, atol=1e-10)
    tall = rng.normal(size=(4, 3))
    q, r = L.qr(np.array(tall))
    onp.testing.assert_allclose(q.asnumpy() @ r.asnumpy(), tall, atol=1e-10)
    onp.testing.assert_allclose(q.asnumpy().T @ q.asnumpy(), onp.eye(3), atol=1e-10)
    sym = _spd(rng, 4)
    w, vecs = L.eigh(np.array(sym))
    onp.testing.assert_allclose(sym @ vecs.asnumpy(), vecs.asnumpy() * w.asnumpy(), atol=1e-9)
    w, vecs = L.eig(np.array(sym))
    onp.testing.assert_allclose(sym @ vecs.asnumpy(), vecs.asnumpy() * w.asnumpy(), atol=1e-9)


def test_gradients_of_factorizations():
    rng = onp.random.default_rng(10)
    check_grad(lambda a: L.svd(a)[1], rng.normal(size=(3, 4)))
    check_grad(lambda a: L.eigh(a)[0], _spd(rng, 3))
    check_grad(lambda a: L.qr(a)[1], rng.normal(size=(4, 3)))
    check_grad(lambda a, b: L.multi_dot([a, b, a.T]), rng.normal(size=(2, 3)),
               rng.normal(size=(3, 3)))


def test_tensor_functions_least_squares_and_rank():
    rng = onp.random.default_rng(11)
    a = rng.normal(size=(6, 2, 3)) + onp.eye(6).reshape(6, 2, 3)
    onp.testing.assert_allclose(L.tensorinv(np.array(a), ind=1).asnumpy(),
                                onp.linalg.tensorinv(a, ind=1), atol=1e-8)
    b = rng.normal(size=(2, 3, 6))
    b = b + onp.eye(6).reshape(2, 3, 6)
    rhs = rng.normal(size=(2, 3))
    onp.testing.assert_allclose(L.tensorsolve(np.array(b), np.array(rhs)).asnumpy(),
                                onp.linalg.tensorsolve(b, rhs), atol=1e-8)
    m = rng.normal(size=(5, 3))
    y = rng.normal(size=(5,))
    x, residuals, rank, s = L.lstsq(np.array(m), np.array(y), rcond=None)
    expected = onp.linalg.lstsq(m, y, rcond=None)
    onp.testing.assert_allclose(x.asnumpy(), expected[0], atol=1e-10)
    assert rank == expected[2]
    low_rank = m @ onp.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 0.0]])
    assert int(L.matrix_rank(np.array(low_rank))) == onp.linalg.matrix_rank(low_rank)


def test_errors_are_clear():
    with pytest.raises(HybridError, match="n, n"):
        L.inv(np.zeros((2, 3)))
    with pytest.raises(HybridError, match="m <= n"):
        L.svd(np.zeros((4, 3)))
    with pytest.raises(HybridError, match="complex eigenvalues"):
        L.eigvals(np.array([[0.0, -1.0], [1.0, 0.0]]))
    with pytest.raises(HybridError, match="invalid norm order"):
        L.norm(np.zeros((2, 2)), "bad", axis=(0, 1))
