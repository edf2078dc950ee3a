"""Connectionist Temporal Classification: the ``CTCLoss`` op (forward-backward in log space).

The recursions loop over time only; every step is vectorised over the batch and the extended
label positions.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

_NEG_INF = -np.inf


def _label_lengths(label: np.ndarray, label_lengths: np.ndarray | None, pad: int) -> np.ndarray:
    """Each sequence's label length: given, or up to the first padding value."""
    if label_lengths is not None:
        return label_lengths.astype(np.int64)
    is_pad = label == pad
    return np.where(is_pad.any(axis=1), is_pad.argmax(axis=1), label.shape[1])


def _extended(label: np.ndarray, lengths: np.ndarray, blank: int) -> tuple:
    """The label with blanks around every symbol, ``(N, 2L+1)``, with masks of valid positions
    and of positions a path may reach by skipping the blank before them.
    """
    n, max_len = label.shape
    ext = np.full((n, 2 * max_len + 1), blank, dtype=np.int64)
    inside = np.arange(max_len) < lengths[:, None]
    ext[:, 1::2] = np.where(inside, label, blank)
    s = np.arange(ext.shape[1])
    valid = s < 2 * lengths[:, None] + 1  # (N, S)
    skip = np.zeros_like(valid)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    return ext, valid, skip


def _shift(x: np.ndarray, k: int) -> np.ndarray:
    """``x`` moved ``k`` positions along the last axis (right for k > 0), filled with -inf."""
    out = np.full_like(x, _NEG_INF)
    if k > 0:
        out[:, k:] = x[:, :-k]
    else:
        out[:, :k] = x[:, -k:]
    return out


def _log_softmax(x: np.ndarray) -> np.ndarray:
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _alphas(emit: np.ndarray, valid: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """Forward variables ``log alpha_t(s)`` (emission at ``t`` included), ``(T, N, S)``."""
    alphas = np.full(emit.shape, _NEG_INF)
    a = np.full(emit.shape[1:], _NEG_INF)
    a[:, :2] = emit[0, :, :2]
    alphas[0] = a = np.where(valid, a, _NEG_INF)
    for t in range(1, emit.shape[0]):
        a = np.logaddexp(np.logaddexp(a, _shift(a, 1)), np.where(skip, _shift(a, 2), _NEG_INF))
        alphas[t] = a = np.where(valid, a + emit[t], _NEG_INF)
    return alphas


def _betas(
    emit: np.ndarray, valid: np.ndarray, skip: np.ndarray, ends: np.ndarray, label_len: np.ndarray
) -> np.ndarray:
    """Backward variables ``log beta_t(s)`` (emission at ``t`` excluded), ``(T, N, S)``.

    Each sequence starts its recursion at its own last frame ``ends[n]``.
    """
    s = np.arange(emit.shape[2])
    last = 2 * label_len[:, None]
    start = np.where((s == last) | (s == last - 1), 0.0, _NEG_INF)  # (N, S)
    skip_next = _shift(skip.astype(np.float64), -2) > 0  # may jump from s to s + 2
    betas = np.full(emit.shape, _NEG_INF)
    b = np.full(emit.shape[1:], _NEG_INF)
    for t in range(emit.shape[0] - 1, -1, -1):
        if t < emit.shape[0] - 1:
            x = b + emit[t + 1]
            rec = np.logaddexp(
                np.logaddexp(x, _shift(x, -1)), np.where(skip_next, _shift(x, -2), _NEG_INF)
            )
        else:
            rec = b
        b = np.where((t == ends)[:, None], start, np.where((t < ends)[:, None], rec, _NEG_INF))
        betas[t] = b = np.where(valid, b, _NEG_INF)
    return betas


@register
class CTCLoss(Op):
    """Connectionist Temporal Classification loss: ``loss_n = -log p(label_n | data_n)``.

    ``p`` sums, over every frame-level path that collapses to the label (merge repeats, then drop
    blanks), the product of the per-frame softmax probabilities of ``data`` over the alphabet
    axis. Computed with the forward recursion in log space; the gradient with the backward one
    (Graves et al., 2006).

    Parameters
    ----------
    use_data_lengths : bool, default False
        Whether an input ``data_lengths`` of shape ``(batch_size,)`` follows ``label`` and gives
        each sequence's number of frames (frames after it get no gradient).
    use_label_lengths : bool, default False
        Whether an input ``label_lengths`` of shape ``(batch_size,)`` (after ``data_lengths`` when
        both are used) gives each label's length. Otherwise a label ends at its first padding
        value: 0 when ``blank_label='first'``, -1 when ``'last'``.
    blank_label : {'first', 'last'}, default 'first'
        Which alphabet index is the blank: 0 (labels are 1..C-1) or C-1 (labels are 0..C-2).

    Inputs: ``data`` of shape ``(seq_len, batch_size, alphabet_size)`` (unnormalised scores),
    ``label`` of shape ``(batch_size, label_len)``, then the optional lengths.
    Output: ``(batch_size,)``. An impossible alignment (label longer than the frames allow) gives
    ``inf``.
    """

    name = "CTCLoss"
    aliases = ("ctc_loss", "_contrib_CTCLoss", "_contrib_ctc_loss")
    inputs = ("data", "label", "data_lengths", "label_lengths")
    attrs = (
        Attr("use_data_lengths", "bool", False),
        Attr("use_label_lengths", "bool", False),
        Attr("blank_label", "str", "first", choices=("first", "last")),
    )
    xfail = {"onnx": "ONNX has no CTC operator: the CTCLoss lowering raises by design"}

    def infer(in_shapes, in_dtypes, use_data_lengths, use_label_lengths, blank_label):
        expected = 2 + use_data_lengths + use_label_lengths
        if len(in_shapes) != expected:
            raise ShapeError(
                f"CTCLoss: expected {expected} inputs (use_data_lengths={use_data_lengths}, "
                f"use_label_lengths={use_label_lengths}), got {len(in_shapes)}"
            )
        data, label = in_shapes[:2]
        if data is not None and len(data) != 3:
            raise ShapeError(f"CTCLoss: data must be (seq_len, batch, alphabet), got {data}")
        if label is not None and len(label) != 2:
            raise ShapeError(f"CTCLoss: label must be (batch, label_len), got {label}")
        batch = data[1] if data is not None else (label[0] if label is not None else 0)
        for name, shape in zip(("label", "lengths", "lengths"), in_shapes[1:]):
            if shape is not None and batch and shape[0] and shape[0] != batch:
                raise ShapeError(
                    f"CTCLoss: {name} has shape {tuple(shape)}, expected batch size {batch} "
                    f"from data {tuple(data)}"
                )
        out = None if data is None and label is None else (batch,)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, data, label, *lengths, use_data_lengths, use_label_lengths, blank_label):
        t_max, n, c = data.shape
        blank = 0 if blank_label == "first" else c - 1
        data_len = lengths[0] if use_data_lengths else None
        label_len = _label_lengths(
            label, lengths[-1] if use_label_lengths else None, 0 if blank == 0 else -1
        )
        ends = (np.full(n, t_max) if data_len is None else data_len.astype(np.int64)) - 1
        ext, valid, skip = _extended(label.astype(np.int64), label_len, blank)
        logy = _log_softmax(data.astype(np.float64))
        emit = logy[:, np.arange(n)[:, None], ext]  # (T, N, S)
        alphas = _alphas(emit, valid, skip)
        final = alphas[ends, np.arange(n)]  # (N, S)
        last = 2 * label_len
        tail = np.where(last > 0, final[np.arange(n), np.maximum(last - 1, 0)], _NEG_INF)
        loss = -np.logaddexp(final[np.arange(n), last], tail)
        ctx.saved = (logy, emit, ext, valid, skip, ends, label_len, alphas, loss)
        ctx.n_inputs = 2 + len(lengths)
        return loss.astype(data.dtype)

    def vjp(ctx, gy, **attrs):
        logy, emit, ext, valid, skip, ends, label_len, alphas, loss = ctx.saved
        nones = (None,) * (ctx.n_inputs - 1)
        if not ctx.needs_grad[0]:
            return (None, *nones)
        betas = _betas(emit, valid, skip, ends, label_len)
        with np.errstate(invalid="ignore"):
            post = np.exp(alphas + betas + loss[None, :, None])  # (T, N, S) occupancy
        onehot = ext[:, :, None] == np.arange(logy.shape[2])  # (N, S, C)
        gx = np.exp(logy) - np.einsum("tns,nsc->tnc", post, onehot)
        frames = np.arange(logy.shape[0])[:, None] <= ends  # (T, N)
        gx *= frames[:, :, None] * gy[None, :, None]
        return (gx.astype(gy.dtype), *nones)

    def samples(rng):
        def scores(t, n, c):
            return rng.normal(size=(t, n, c))

        return [
            Sample(
                [scores(5, 2, 4), np.array([[0.0, 1.0], [2.0, -1.0]])],
                {"blank_label": "last"},
                grad=(0,),
            ),
            Sample(
                [scores(6, 3, 4), np.array([[1.0, 1.0, 0], [3.0, 2.0, 1.0], [0, 0, 0]])], grad=(0,)
            ),
            Sample(
                [
                    scores(6, 2, 5),
                    np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 0.0]]),
                    np.array([6.0, 4.0]),
                    np.array([3.0, 2.0]),
                ],
                {"use_data_lengths": True, "use_label_lengths": True},
                grad=(0,),
            ),
            Sample(
                [scores(4, 2, 3), np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([2.0, 1.0])],
                {"use_label_lengths": True, "blank_label": "last"},
                grad=(0,),
            ),
        ]
