"""Recurrence of one layer in one direction for the fused ``RNN`` op: per-mode time loops.

Note [Fused RNN loop]
The input projections of all time steps are one GEMM, ``(T*N, I) @ W_ih^T``, written into an
array ``acts`` of shape ``(T, N, G*H)`` that each step completes in place with its ``h @ W_hh^T``
and turns into activated gates (LSTM i, f, g, o; GRU r, z, n; the new state for rnn_*). The
backward pass walks the steps in reverse writing the gate gradients into one preallocated
``(T, N, G*H)`` array with ``out=`` arithmetic, so a step allocates nothing; the weight, bias and
input gradients are then one GEMM (or sum) each over all steps: ``dW_hh = dG^T @ [h_0 .. h_T-1]``,
``dW_ih = dG^T @ X``, ``dX = dG @ W_ih``.

Sequence lengths come in as a boolean ``mask`` ``(T, N, 1)`` of valid steps: an invalid step
carries the previous state forward (so the final state is the last valid one) and outputs 0.
"""

from __future__ import annotations

import numpy as np

__all__ = ["GATES", "forward", "backward"]

GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}


def _sigmoid_(a: np.ndarray) -> None:
    """``a = 1 / (1 + e^-a)`` in place, as ``(tanh(a / 2) + 1) / 2`` (no overflow)."""
    a *= 0.5
    np.tanh(a, out=a)
    a += 1
    a *= 0.5


def _mul3(out: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    np.multiply(a, b, out=out)
    out *= c
    return out


def _dsigmoid(out: np.ndarray, g: np.ndarray, s: np.ndarray) -> None:
    """``out = g * s * (1 - s)``: the gradient through a sigmoid of value ``s``."""
    np.subtract(1, s, out=out)
    out *= s
    out *= g


def _dtanh(out: np.ndarray, g: np.ndarray, t: np.ndarray) -> None:
    """``out = g * (1 - t^2)``: the gradient through a tanh of value ``t``."""
    np.multiply(t, t, out=out)
    np.subtract(1, out, out=out)
    out *= g


def _project(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    t, n = x.shape[:2]
    acts = np.matmul(x.reshape(t * n, -1), w.T).reshape(t, n, -1)  # (T, N, G*H)
    acts += b
    return acts


def _carry(invalid, t: int, *pairs: tuple[np.ndarray, np.ndarray]) -> None:
    """Rows past their sequence length (``invalid[t]``) keep the previous state."""
    if invalid is not None:
        for new, old in pairs:
            np.copyto(new, old, where=invalid[t])


def forward(mode, x, w_ih, w_hh, b_ih, b_hh, h0, c0, mask):
    """One direction of one layer over ``x`` ``(T, N, I)``: ``(y, h_T, c_T, saved)``.

    ``y`` ``(T, N, H)``; ``c_T`` is None except for LSTM; ``saved`` is what :func:`backward`
    needs. See Note [Fused RNN loop].
    """
    t_len, n = x.shape[:2]
    h = w_hh.shape[1]
    invalid = None if mask is None else ~mask
    bias = b_ih + b_hh
    if mode == "gru":
        bias[2 * h :] = b_ih[2 * h :]  # b_hn stays inside the reset gate's product
    w_in, w_rec = w_ih, w_hh
    if mode == "lstm":
        # See Note [LSTM gate order inside the loop].
        order, scale = _lstm_order(h, x.dtype)
        w_ih, w_hh, bias = w_ih[order] * scale, w_hh[order] * scale, bias[order] * scale[:, 0]
        w_rec = w_hh / scale
    acts = _project(x, w_ih, bias)
    hs = np.empty((t_len + 1, n, h), x.dtype)
    hs[0] = h0
    cs = extra = None
    buf = np.empty((n, w_hh.shape[0]), x.dtype)
    if mode == "lstm":
        cs = np.empty_like(hs)
        cs[0] = c0
        extra = np.empty((t_len, n, h), x.dtype)  # tanh(c_t)
        _lstm_forward(acts, hs, cs, extra, w_hh, buf, invalid)
    elif mode == "gru":
        extra = np.empty((t_len, n, h), x.dtype)  # W_hn h + b_hn
        _gru_forward(acts, hs, extra, w_hh, b_hh[2 * h :], buf, invalid)
    else:
        for t in range(t_len):
            np.matmul(hs[t], w_hh.T, out=buf)
            a = acts[t]
            a += buf
            if mode == "rnn_tanh":
                np.tanh(a, out=a)
            else:
                np.maximum(a, 0, out=a)
            hs[t + 1] = a
            _carry(invalid, t, (hs[t + 1], hs[t]))
    # A copy: the caller owns the output, the states stay saved for backward.
    y = hs[1:].copy() if mask is None else hs[1:] * mask
    saved = (mode, x, w_in, w_rec, acts, hs, cs, extra, mask)
    return y, hs[-1], None if cs is None else cs[-1], saved


# Note [LSTM gate order inside the loop]
# MXNet stores the LSTM gates as i, f, g, o. The loop works on i, f, o, g instead, with the rows
# of the sigmoid gates' weights and biases halved: one tanh over all 4H pre-activations then gives
# tanh(z/2) for i, f, o (and sigmoid(z) = (tanh(z/2) + 1) / 2, two passes over 3H) and tanh(z)
# for g. The backward pass produces gate gradients in the same order and restores MXNet's order
# once, before the weight gradients.
def _lstm_order(h: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Row order (MXNet's rows of i, f, o, g) and the per-row scale of the loop's weights."""
    order = np.concatenate([np.arange(2 * h), np.arange(3 * h, 4 * h), np.arange(2 * h, 3 * h)])
    scale = np.full((4 * h, 1), 0.5, dtype)
    scale[3 * h :] = 1
    return order, scale


def _lstm_forward(acts, hs, cs, tanh_c, w_hh, buf, invalid) -> None:
    h = hs.shape[2]
    tmp = np.empty_like(hs[0])
    for t in range(acts.shape[0]):
        a = acts[t]
        np.matmul(hs[t], w_hh.T, out=buf)
        a += buf
        np.tanh(a, out=a)
        sig = a[:, : 3 * h]
        sig *= 0.5
        sig += 0.5
        i, f, o, g = a[:, :h], a[:, h : 2 * h], a[:, 2 * h : 3 * h], a[:, 3 * h :]
        np.multiply(f, cs[t], out=cs[t + 1])
        np.multiply(i, g, out=tmp)
        cs[t + 1] += tmp
        np.tanh(cs[t + 1], out=tanh_c[t])
        np.multiply(o, tanh_c[t], out=hs[t + 1])
        _carry(invalid, t, (hs[t + 1], hs[t]), (cs[t + 1], cs[t]))


def _gru_forward(acts, hs, hh_n, w_hh, b_hn, buf, invalid) -> None:
    h = hs.shape[2]
    tmp = np.empty_like(hs[0])
    for t in range(acts.shape[0]):
        a = acts[t]
        np.matmul(hs[t], w_hh.T, out=buf)
        rz, n = a[:, : 2 * h], a[:, 2 * h :]
        rz += buf[:, : 2 * h]
        _sigmoid_(rz)
        np.add(buf[:, 2 * h :], b_hn, out=hh_n[t])
        np.multiply(a[:, :h], hh_n[t], out=tmp)
        n += tmp
        np.tanh(n, out=n)
        # h_t = (1 - z) * n + z * h_{t-1} = n + z * (h_{t-1} - n)
        np.subtract(hs[t], n, out=tmp)
        tmp *= a[:, h : 2 * h]
        np.add(n, tmp, out=hs[t + 1])
        _carry(invalid, t, (hs[t + 1], hs[t]))


def backward(saved, gy, ghT, gcT, need_x: bool):
    """Gradients ``(dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dc0)`` of one direction of one layer
    from those of ``y``, ``h_T`` and ``c_T`` (``dx`` None unless ``need_x``).
    """
    mode, x, w_ih, w_hh, acts, hs, cs, extra, mask = saved
    t_len, n, h = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    masks = None
    if mask is not None:
        gy = gy * mask
        masks = (mask, ~mask)
    dg = np.empty_like(acts)  # gate gradients before the nonlinearities, all steps
    dh = ghT.copy()
    dc = None
    if mode == "lstm":
        dc = gcT.copy()
        _lstm_backward(acts, cs, extra, w_hh, gy, dh, dc, dg, masks)
        dg = dgh = np.take(dg, np.argsort(_lstm_order(h, dg.dtype)[0]), axis=2)
    elif mode == "gru":
        dgh = np.empty_like(acts)  # the W_hh side differs from dg in the n block
        _gru_backward(acts, hs, extra, w_hh, gy, dh, dg, dgh, masks)
    else:
        _rnn_backward(mode, acts, w_hh, gy, dh, dg, masks)
        dgh = dg
    flat_g = dg.reshape(t_len * n, -1)
    flat_gh = dgh.reshape(t_len * n, -1)
    dw_hh = flat_gh.T @ hs[:-1].reshape(t_len * n, h)
    dw_ih = flat_g.T @ x.reshape(t_len * n, -1)
    db_ih = flat_g.sum(axis=0)
    db_hh = db_ih.copy() if dgh is dg else flat_gh.sum(axis=0)
    dx = (flat_g @ w_ih).reshape(x.shape) if need_x else None
    return dx, dw_ih, dw_hh, db_ih, db_hh, dh, dc


def _split_carry(masks, t: int, grad: np.ndarray, carry: np.ndarray) -> None:
    """With lengths (``masks`` = valid, invalid), an invalid step passes the state gradient
    through: ``carry`` gets that part and ``grad`` keeps the valid rows' part.
    """
    if masks is not None:
        np.multiply(grad, masks[1][t], out=carry)
        grad *= masks[0][t]


def _rnn_backward(mode, acts, w_hh, gy, dh, dg, masks) -> None:
    carry = np.empty_like(dh)
    positive = np.empty(dh.shape, bool)
    for t in range(acts.shape[0] - 1, -1, -1):
        dh += gy[t]
        _split_carry(masks, t, dh, carry)
        if mode == "rnn_tanh":
            _dtanh(dg[t], dh, acts[t])
        else:
            np.greater(acts[t], 0, out=positive)
            np.multiply(dh, positive, out=dg[t])
        np.matmul(dg[t], w_hh, out=dh)
        if masks is not None:
            dh += carry


def _lstm_backward(acts, cs, tanh_c, w_hh, gy, dh, dc, dg, masks) -> None:
    """Gate gradients in the loop's order i, f, o, g (see Note [LSTM gate order inside the
    loop]); ``w_hh`` is in that order, unscaled.
    """
    h = dh.shape[1]
    # The activations' derivatives for all steps at once, then one multiply per step.
    sig, dsig = acts[..., : 3 * h], dg[..., : 3 * h]
    np.subtract(1, sig, out=dsig)
    dsig *= sig
    np.multiply(acts[..., 3 * h :], acts[..., 3 * h :], out=dg[..., 3 * h :])
    np.subtract(1, dg[..., 3 * h :], out=dg[..., 3 * h :])
    dtanh_c = 1 - tanh_c * tanh_c
    up, tmp = np.empty_like(dg[0]), np.empty_like(dh)
    carry_h, carry_c = np.empty_like(dh), np.empty_like(dh)
    for t in range(acts.shape[0] - 1, -1, -1):
        a = acts[t]
        i, f, o, g = a[:, :h], a[:, h : 2 * h], a[:, 2 * h : 3 * h], a[:, 3 * h :]
        dh += gy[t]
        _split_carry(masks, t, dh, carry_h)
        _split_carry(masks, t, dc, carry_c)
        # h = o * tanh(c); c = f * c_prev + i * g
        np.multiply(dh, tanh_c[t], out=up[:, 2 * h : 3 * h])
        np.multiply(dh, o, out=tmp)
        tmp *= dtanh_c[t]
        dc += tmp
        np.multiply(dc, g, out=up[:, :h])
        np.multiply(dc, cs[t], out=up[:, h : 2 * h])
        np.multiply(dc, i, out=up[:, 3 * h :])
        dc *= f
        dg[t] *= up
        np.matmul(dg[t], w_hh, out=dh)
        if masks is not None:
            dh += carry_h
            dc += carry_c


def _gru_backward(acts, hs, hh_n, w_hh, gy, dh, dg, dgh, masks) -> None:
    h = dh.shape[1]
    tmp, dn = np.empty_like(dh), np.empty_like(dh)
    carry = np.empty_like(dh)
    for t in range(acts.shape[0] - 1, -1, -1):
        a, d = acts[t], dg[t]
        r, z, n = a[:, :h], a[:, h : 2 * h], a[:, 2 * h :]
        dh += gy[t]
        _split_carry(masks, t, dh, carry)
        # h = n + z * (h_prev - n)
        np.subtract(1, z, out=tmp)
        tmp *= dh
        _dtanh(d[:, 2 * h :], tmp, n)
        np.subtract(hs[t], n, out=tmp)
        tmp *= dh
        _dsigmoid(d[:, h : 2 * h], tmp, z)
        # n = tanh(x_n + r * hh_n)
        np.multiply(d[:, 2 * h :], hh_n[t], out=tmp)
        _dsigmoid(d[:, :h], tmp, r)
        dgh[t, :, : 2 * h] = d[:, : 2 * h]
        np.multiply(d[:, 2 * h :], r, out=dgh[t, :, 2 * h :])
        np.multiply(dh, z, out=dn)
        np.matmul(dgh[t], w_hh, out=dh)
        dh += dn
        if masks is not None:
            dh += carry
