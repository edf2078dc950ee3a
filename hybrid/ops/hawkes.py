"""contrib.hawkesll: the log likelihood of marked self-exciting (Hawkes) point processes with
exponential kernels, one sequence per batch row; the recurrence runs over the events' positions,
vectorised over the batch.

Note [Hawkes recurrence]: mark ``k`` has background rate ``mu[n, k]``, branching ratio
``alpha[k]`` and decay ``beta[k]``; ``state[n, k]`` sums ``exp(-beta (t - t_i))`` over the past
events of mark ``k``. An event of mark ``c`` after ``d`` time units since the last event of that
mark adds ``log(lambda) - compensator`` with ``lambda = mu + alpha beta s e``, ``compensator =
mu d + alpha s (1 - e)``, ``e = exp(-beta d)``, and sets ``s = 1 + s e``; after the last valid
event the compensator up to ``max_time`` is subtracted and the states decay to ``max_time``.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .registry import Op, Sample, register

_INPUTS = ("lda", "alpha", "beta", "state", "lags", "marks", "valid_length", "max_time")


@register
class HawkesLL(Op):
    """``loglik, out_state = hawkesll(lda, alpha, beta, state, lags, marks, valid_length,
    max_time)`` (see Note [Hawkes recurrence]): ``lda`` ``(N, K)`` background rates, ``alpha``
    and ``beta`` ``(K,)``, ``state`` ``(N, K)`` the initial states, ``lags`` ``(N, T)`` the times
    between events, ``marks`` ``(N, T)`` int32 marks, ``valid_length`` ``(N,)`` the number of
    events used, ``max_time`` ``(N,)`` the end of the observation window. Outputs ``(N,)`` and
    ``(N, K)``. Gradients reach ``lda``, ``alpha`` and ``beta`` (MXNet's; hybrid's also carries
    ``out_state``'s gradient into ``beta``, which MXNet drops).
    """

    name = "_contrib_hawkesll"
    inputs = _INPUTS
    xfail = {"onnx": "hybrid has no ONNX lowering for hawkesll (it needs a Loop over events)"}

    def num_outputs(attrs):
        return 2

    def infer(in_shapes, in_dtypes):
        mu, lags = in_shapes[0], in_shapes[4]
        if mu is not None and lags is not None and mu[0] and lags[0] and mu[0] != lags[0]:
            raise ShapeError(f"hawkesll: lda {tuple(mu)} and lags {tuple(lags)} must have one "
                             "batch size")
        n = None if mu is None else mu[0]
        return in_shapes, [None if n is None else (n,), mu], [in_dtypes[0]] * 2

    def forward(ctx, mu, alpha, beta, state, lags, marks, valid_length, max_time):
        n, k = mu.shape
        rows = np.arange(n)
        s, ds = state.astype(np.float64), np.zeros((n, k))  # ds: d state / d beta[mark]
        last, t = np.zeros((n, k)), np.zeros(n)
        ll = np.zeros(n)
        g_mu, g_alpha, g_beta = np.zeros((n, k)), np.zeros((n, k)), np.zeros((n, k))
        for j in range(lags.shape[1]):
            on = j < valid_length
            c = marks[:, j].astype(np.int64)
            a, b = alpha[c], beta[c]
            t = t + np.where(on, lags[:, j], 0)
            d = t - last[rows, c]
            e = np.exp(-b * d)
            sc, dsc, m = s[rows, c], ds[rows, c], mu[rows, c]
            lam = m + a * b * sc * e
            ll += np.where(on, np.log(lam) - m * d - a * sc * (1 - e), 0)
            w = on.astype(np.float64)
            np.add.at(g_mu, (rows, c), w * (1 / lam - d))
            np.add.at(g_alpha, (rows, c), w * (b * sc * e / lam - sc * (1 - e)))
            np.add.at(g_beta, (rows, c), w * (a * e * (sc * (1 - b * d) + b * dsc) / lam
                                              - a * (dsc * (1 - e) + sc * d * e)))
            ds[rows, c] = np.where(on, e * (dsc - d * sc), dsc)
            s[rows, c] = np.where(on, 1 + sc * e, sc)
            last[rows, c] = np.where(on, t, last[rows, c])
        d = max_time[:, None] - last
        e = np.exp(-beta * d)
        ll -= (mu * d + alpha * s * (1 - e)).sum(axis=1)
        ctx.g = (g_mu - d, g_alpha - s * (1 - e), g_beta - alpha * (ds * (1 - e) + s * d * e))
        ctx.dstate_dbeta = e * (ds - d * s)
        return ll.astype(mu.dtype), (e * s).astype(mu.dtype)

    def vjp(ctx, gll, gstate=None):
        g_mu, g_alpha, g_beta = (gll[:, None] * g for g in ctx.g)
        if gstate is not None:
            g_beta = g_beta + gstate * ctx.dstate_dbeta
        return (g_mu, g_alpha.sum(0), g_beta.sum(0)) + (None,) * 5

    def samples(rng):
        n, k, t = 3, 2, 5
        mu = rng.uniform(0.5, 1.5, (n, k))
        alpha, beta = rng.uniform(0.2, 0.6, k), rng.uniform(0.5, 2.0, k)
        lags = rng.uniform(0.1, 1.0, (n, t))
        marks = rng.integers(0, k, (n, t)).astype(np.int32)
        valid = np.array([5.0, 3.0, 0.0])
        max_time = lags.sum(axis=1) + 0.5
        state = rng.uniform(0.0, 1.0, (n, k))
        return [Sample([mu, alpha, beta, state, lags, marks, valid, max_time], grad=(0, 1, 2))]
