"""The fused recurrent op ``RNN`` (rnn_relu, rnn_tanh, lstm, gru; stacked, bidirectional) and
``_rnn_param_concat``, which packs a layer's weights into its flat parameter vector.

Note [RNN parameter layout]
MXNet packs every weight and bias of a fused RNN into one flat vector: first all weights, for each
layer and within it each direction (forward, then reverse), ``W_i2h`` ``(G*H, I_l)`` then
``W_h2h`` ``(G*H, H)``; then all biases in the same order, ``b_i2h`` ``(G*H,)`` then ``b_h2h``.
``G`` is the number of gates (1 for rnn_*, LSTM 4 in order i, f, g, o; GRU 3 in order r, z, n),
``I_0`` the data's feature size and ``I_l = D*H`` above. :func:`param_layout` is the one place
that knows this order; the op, the Gluon layers and the ONNX lowering all read it from there.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import random as _random
from ..base import AttrError, ShapeError
from . import _rnn_cells, join
from ._rnn_cells import GATES
from .attrs import Attr
from .registry import Op, Sample, register

__all__ = ["GATES", "Piece", "param_layout", "param_size", "unpack"]


class Piece(NamedTuple):
    """Where one weight or bias of layer ``layer``, direction ``direction`` sits in the flat
    vector (see Note [RNN parameter layout]).
    """

    layer: int
    direction: int
    kind: str  # i2h_weight, h2h_weight, i2h_bias, h2h_bias
    offset: int
    shape: tuple[int, ...]


def param_layout(
    mode: str, input_size: int, state_size: int, num_layers: int, bidirectional: bool
) -> list[Piece]:
    """Every piece of the flat parameter vector, in storage order."""
    g, h, dirs = GATES[mode] * state_size, state_size, 2 if bidirectional else 1
    weights, biases = [], []
    for layer in range(num_layers):
        inputs = input_size if layer == 0 else dirs * h
        for d in range(dirs):
            weights += [(layer, d, "i2h_weight", (g, inputs)), (layer, d, "h2h_weight", (g, h))]
            biases += [(layer, d, "i2h_bias", (g,)), (layer, d, "h2h_bias", (g,))]
    pieces, offset = [], 0
    for layer, d, kind, shape in weights + biases:
        pieces.append(Piece(layer, d, kind, offset, shape))
        offset += int(np.prod(shape))
    return pieces


def param_size(
    mode: str, input_size: int, state_size: int, num_layers: int, bidirectional: bool
) -> int:
    last = param_layout(mode, input_size, state_size, num_layers, bidirectional)[-1]
    return last.offset + last.shape[0]


def unpack(params: np.ndarray, pieces: list[Piece]) -> list[list[np.ndarray]]:
    """Views ``[w_i2h, w_h2h, b_i2h, b_h2h]`` per (layer, direction), in layer-major order."""
    kinds = ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")
    out: dict[tuple[int, int], list] = {}
    for p in pieces:
        size = int(np.prod(p.shape))
        view = params[p.offset : p.offset + size].reshape(p.shape)
        out.setdefault((p.layer, p.direction), [None] * 4)[kinds.index(p.kind)] = view
    return [out[k] for k in sorted(out)]


def _reverse_index(lengths: np.ndarray | None, t_len: int) -> np.ndarray | None:
    """Time indices ``(T, N, 1)`` reversing each sequence within its length (None: all of it)."""
    if lengths is None:
        return None
    steps = np.arange(t_len)[:, None]
    lengths = lengths.astype(np.int64)[None, :]
    return np.where(steps < lengths, lengths - 1 - steps, steps)[:, :, None]


def _reverse(x: np.ndarray, index: np.ndarray | None) -> np.ndarray:
    if index is None:
        return np.ascontiguousarray(x[::-1])
    return np.take_along_axis(x, index, axis=0)


def _complete(name: str, given, expected: tuple, source: str) -> tuple:
    """``expected`` merged with ``given``, where 0 is an unknown dim on either side; a
    ShapeError naming the input, both shapes and the source of the expectation otherwise.
    """
    if given is None:
        return expected
    given = tuple(given)
    if len(given) != len(expected) or any(g and e and g != e for g, e in zip(given, expected)):
        raise ShapeError(f"RNN: {name} has shape {given}, expected {expected} from {source}")
    return tuple(g or e for g, e in zip(given, expected))


def _n_inputs(mode: str, use_sequence_length: bool) -> int:
    return 3 + (mode == "lstm") + bool(use_sequence_length)


def _check_supported(attrs: dict) -> None:
    if attrs["projection_size"] is not None:
        raise AttrError("RNN: projection_size (LSTMP) is not supported")
    if attrs["lstm_state_clip_min"] is not None or attrs["lstm_state_clip_max"] is not None:
        raise AttrError("RNN: lstm_state_clip_min/max (LSTM state clipping) is not supported")


@register
class RNN(Op):
    """Fused multi-layer recurrent network over a whole sequence, MXNet's ``RNN``.

    Per layer and direction, for each step ``t`` (``x_t`` is the data, or the previous layer's
    output, which in training passes through dropout with rate ``p``):

    - ``rnn_relu`` / ``rnn_tanh``: ``h_t = act(W_i x_t + b_i + W_h h_{t-1} + b_h)``
    - ``lstm``: ``[i, f, g, o] = W_i x_t + b_i + W_h h_{t-1} + b_h``, then ``c_t = s(f) c_{t-1}
      + s(i) tanh(g)``, ``h_t = s(o) tanh(c_t)`` with ``s`` the logistic sigmoid
    - ``gru``: ``r = s(W_ir x + b_ir + W_hr h + b_hr)``, ``z`` likewise, ``n = tanh(W_in x + b_in
      + r * (W_hn h + b_hn))``, ``h_t = (1 - z) n + z h_{t-1}``

    The reverse direction (``bidirectional``) runs the same over the reversed sequence; the
    layer's output is both directions' ``h`` concatenated on the feature axis.

    Parameters: ``state_size`` (H), ``num_layers`` (L), ``bidirectional`` (D = 2 when set),
    ``mode``, ``p`` (dropout between layers, training only), ``state_outputs`` (also return the
    final states), ``use_sequence_length`` (take a ``sequence_length`` input: steps at or past a
    sequence's length output 0 and leave its state unchanged; the reverse direction starts at the
    last valid step). ``projection_size`` and the LSTM state clipping attributes are accepted by
    name and rejected when set.

    Inputs: ``data`` ``(T, N, I)``; ``parameters`` flat, packed as in Note [RNN parameter layout];
    ``state`` ``(L*D, N, H)``; ``state_cell`` ``(L*D, N, H)`` (lstm only); ``sequence_length``
    ``(N,)`` (with ``use_sequence_length``; for modes other than lstm it is the fourth input).
    Outputs: ``out`` ``(T, N, D*H)``; with ``state_outputs`` also ``hy`` ``(L*D, N, H)`` and, for
    lstm, ``cy`` ``(L*D, N, H)``.
    """

    name = "RNN"
    aliases = ("_npx_rnn",)
    inputs = ("data", "parameters", "state", "state_cell", "sequence_length")
    attrs = (
        Attr("state_size", "int", check=(lambda v: v > 0, "positive")),
        Attr("num_layers", "int", check=(lambda v: v > 0, "positive")),
        Attr("bidirectional", "bool", False),
        Attr("mode", "str", choices=tuple(GATES)),
        Attr("p", "float", 0.0, check=(lambda v: 0.0 <= v < 1.0, "0 <= p < 1")),
        Attr("state_outputs", "bool", False),
        Attr("projection_size", "int?", None),
        Attr("lstm_state_clip_min", "float?", None),
        Attr("lstm_state_clip_max", "float?", None),
        Attr("lstm_state_clip_nan", "bool", False),
        Attr("use_sequence_length", "bool", False),
    )
    train_aware = True
    completes = (1, 2, 3, 4)
    tolerance = {
        # float32 gates through tanh-based sigmoids vs ONNX Runtime's kernels, over several steps.
        "rtol": 1e-4,
        "atol": 1e-5,
    }

    def num_outputs(attrs):
        return 1 if not attrs["state_outputs"] else 3 if attrs["mode"] == "lstm" else 2

    @classmethod
    def arguments(cls, attrs):
        names = list(cls.inputs[:3]) + ["state_cell"] * (attrs["mode"] == "lstm")
        return names + ["sequence_length"] * bool(attrs["use_sequence_length"])

    def infer(in_shapes, in_dtypes, **attrs):
        _check_supported(attrs)
        mode, h, layers = attrs["mode"], attrs["state_size"], attrs["num_layers"]
        dirs = 2 if attrs["bidirectional"] else 1
        expected = _n_inputs(mode, attrs["use_sequence_length"])
        if len(in_shapes) != expected:
            names = ", ".join(
                RNN.inputs[:3]
                + ("state_cell",) * (mode == "lstm")
                + ("sequence_length",) * attrs["use_sequence_length"]
            )
            raise ShapeError(
                f"RNN: mode={mode} takes {expected} inputs ({names}), got {len(in_shapes)}"
            )
        n_out = RNN.num_outputs(attrs)
        dtype = in_dtypes[0]
        data = in_shapes[0]
        if data is None:
            # Unknown data (e.g. on import): the attributes still fix the ranks and features.
            batch = 0 if in_shapes[2] is None else in_shapes[2][1]
            state = (layers * dirs, batch, h)
            outs = [(0, batch, dirs * h)] + [state] * (n_out - 1)
            return in_shapes, outs, [dtype] * n_out
        if len(data) != 3:
            raise ShapeError(f"RNN: data must be 3-D (seq_len, batch, features), got {tuple(data)}")
        t_len, n, feat = data
        src = f"data {tuple(data)}"
        shapes = list(in_shapes)
        if feat:
            size = param_size(mode, feat, h, layers, attrs["bidirectional"])
            shapes[1] = _complete(
                "parameters",
                shapes[1],
                (size,),
                f"{src}, mode={mode}, state_size={h}, num_layers={layers}",
            )
        state = (layers * dirs, n, h)
        for i in range(2, 3 + (mode == "lstm")):
            shapes[i] = _complete(RNN.inputs[i], shapes[i], state, src)
        state = shapes[2]
        n = state[1]
        if attrs["use_sequence_length"]:
            shapes[-1] = _complete("sequence_length", shapes[-1], (n,), src)
        outs = [(t_len, n, dirs * h)] + [state] * (n_out - 1)
        return shapes, outs, [dtype] * n_out

    def forward(ctx, *arrays, **attrs):
        mode, layers = attrs["mode"], attrs["num_layers"]
        x, params, h0 = arrays[:3]
        c0 = arrays[3] if mode == "lstm" else None
        lengths = arrays[-1] if attrs["use_sequence_length"] else None
        t_len, _, feat = x.shape
        dirs = 2 if attrs["bidirectional"] else 1
        pieces = param_layout(mode, feat, attrs["state_size"], layers, attrs["bidirectional"])
        weights = unpack(params, pieces)
        mask = None if lengths is None else (np.arange(t_len)[:, None] < lengths)[:, :, None]
        rev = _reverse_index(lengths, t_len)
        drop = attrs["p"] if attrs["is_train"] else 0.0
        saved, drops, hy, cy = [], [], [], []
        out = x
        for layer in range(layers):
            ys = []
            for d in range(dirs):
                k = layer * dirs + d
                xin = out if d == 0 else _reverse(out, rev)
                y, h_t, c_t, s = _rnn_cells.forward(
                    mode, xin, *weights[k], h0[k], None if c0 is None else c0[k], mask
                )
                ys.append(y if d == 0 else _reverse(y, rev))
                saved.append(s)
                hy.append(h_t)
                cy.append(c_t)
            out = ys[0] if dirs == 1 else np.concatenate(ys, axis=2)  # (T, N, D*H)
            keep = None
            if drop and layer < layers - 1:
                keep = _random.generator().random(out.shape) >= drop
                keep = keep.astype(out.dtype) * out.dtype.type(1.0 / (1.0 - drop))
                out = out * keep
            drops.append(keep)
        ctx.saved, ctx.drops, ctx.pieces, ctx.rev = saved, drops, pieces, rev
        ctx.shapes = (params.shape, h0.shape)
        if not attrs["state_outputs"]:
            return out
        states = (np.stack(hy),) + ((np.stack(cy),) if mode == "lstm" else ())
        return (out, *states)

    def vjp(ctx, gy, *g_states, **attrs):
        mode, layers = attrs["mode"], attrs["num_layers"]
        dirs = 2 if attrs["bidirectional"] else 1
        p_shape, s_shape = ctx.shapes
        dtype = gy.dtype
        zeros = np.zeros(s_shape, dtype)
        ghy = g_states[0] if g_states else zeros
        gcy = g_states[1] if len(g_states) > 1 else zeros
        gparams = np.empty(p_shape, dtype)
        gweights = unpack(gparams, ctx.pieces)
        gh0, gc0 = np.empty(s_shape, dtype), np.empty(s_shape, dtype)
        need_data = ctx.needs_grad[0]
        g_out = gy
        for layer in range(layers - 1, -1, -1):
            if ctx.drops[layer] is not None:
                g_out = g_out * ctx.drops[layer]
            gx = None
            for d in range(dirs):
                k = layer * dirs + d
                g = g_out[:, :, d * s_shape[2] : (d + 1) * s_shape[2]]
                if d == 1:
                    g = _reverse(g, ctx.rev)
                need_x = layer > 0 or need_data
                dx, *grads, gh, gc = _rnn_cells.backward(ctx.saved[k], g, ghy[k], gcy[k], need_x)
                for dst, src in zip(gweights[k], grads):
                    dst[...] = src
                gh0[k] = gh
                if gc is not None:
                    gc0[k] = gc
                if dx is not None:
                    dx = dx if d == 0 else _reverse(dx, ctx.rev)
                    gx = dx if gx is None else gx + dx
            g_out = gx
        grads = [g_out, gparams, gh0] + ([gc0] if mode == "lstm" else [])
        if attrs["use_sequence_length"]:
            grads.append(None)
        return tuple(grads)

    def samples(rng):
        return [
            _sample(rng, "rnn_tanh", 1, False, state_outputs=True),
            _sample(rng, "rnn_relu", 2, True),
            _sample(rng, "lstm", 1, False, state_outputs=True),
            _sample(rng, "lstm", 2, True, state_outputs=True),
            _sample(rng, "gru", 1, True, state_outputs=True),
            _sample(rng, "gru", 2, False),
            _sample(rng, "lstm", 1, True, state_outputs=True, lengths=True),
            _sample(rng, "gru", 2, True, state_outputs=True, lengths=True),
            _sample(rng, "rnn_tanh", 2, False, lengths=True),
            _sample(rng, "lstm", 2, False, state_outputs=True, p=0.4, train=True),
        ]


def _sample(
    rng, mode, layers, bidirectional, state_outputs=False, lengths=False, p=0.0, train=False
) -> Sample:
    t_len, n, feat, h = 4, 3, 3, 2
    dirs = 2 if bidirectional else 1
    size = param_size(mode, feat, h, layers, bidirectional)
    inputs = [
        rng.normal(size=(t_len, n, feat)),
        rng.uniform(-0.8, 0.8, size),
        rng.normal(size=(layers * dirs, n, h)) * 0.5,
    ]
    if mode == "lstm":
        inputs.append(rng.normal(size=(layers * dirs, n, h)) * 0.5)
    if lengths:
        inputs.append(np.array([4, 1, 2], dtype=np.int32))
    attrs = {
        "mode": mode,
        "state_size": h,
        "num_layers": layers,
        "bidirectional": bidirectional,
        "state_outputs": state_outputs,
        "use_sequence_length": lengths,
        "p": p,
    }
    return Sample(inputs, attrs, train=train)


@register
class RnnParamConcat(join.Concat):
    """``y = concatenate(data, axis=dim)``, MXNet's ``_rnn_param_concat``: the op the Gluon RNN
    layers use to pack their flattened weights and biases into the fused op's ``parameters``
    (see Note [RNN parameter layout]). Same shapes and gradient as ``Concat``.
    """

    name = "_rnn_param_concat"
    aliases = ("_npi_rnn_param_concat",)
