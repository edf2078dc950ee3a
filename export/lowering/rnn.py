"""Lowerings of the recurrent ops (``hybrid/ops/rnn.py``): the fused ``RNN`` and
``_rnn_param_concat``.

Note [RNN in ONNX]
ONNX's ``RNN``, ``LSTM`` and ``GRU`` run one layer (one or both directions) each, so a stack of
``num_layers`` becomes a chain of nodes; between layers the output ``Y`` ``(T, D, N, H)`` is
transposed and reshaped to MXNet's ``(T, N, D*H)``, which is also the op's ``out``. Each layer's
weights are sliced out of the flat ``parameters`` vector (Note [RNN parameter layout]) and their
gate blocks reordered: MXNet's LSTM gates are i, f, g, o and ONNX's i, o, f, c; MXNet's GRU gates
are r, z, n and ONNX's z, r, h. MXNet's GRU applies the reset gate after the recurrent product
(``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``), which is ONNX's ``linear_before_reset=1``.
``sequence_length`` becomes ``sequence_lens`` (int32), with the same meaning: padded steps output 0
and the final state is the last valid one. Dropout between layers exists in training only and has
no ONNX form here.
"""

from __future__ import annotations

import numpy as np

from hybrid.base import HybridError
from hybrid.ops.rnn import GATES, param_layout

from ..builder import Builder, Call, onnx_type
from . import lowering
from .join import _concat

__all__ = ["ONNX_GATE_ORDER"]

# ONNX gate block k is MXNet's gate block ONNX_GATE_ORDER[mode][k].
ONNX_GATE_ORDER = {"rnn_relu": [0], "rnn_tanh": [0], "lstm": [0, 3, 1, 2], "gru": [1, 0, 2]}
_ONNX_OP = {"rnn_relu": "RNN", "rnn_tanh": "RNN", "lstm": "LSTM", "gru": "GRU"}

lowering("_rnn_param_concat")(_concat)


def _piece(ctx: Builder, params: str, offset: int, shape: tuple, mode: str) -> str:
    """One weight ``(G*H, I)`` or bias ``(G*H,)`` sliced from ``params``, gates in ONNX order,
    with a leading direction axis of 1.
    """
    size = int(np.prod(shape))
    flat = ctx.node("Slice", [params, ctx.ints([offset]), ctx.ints([offset + size]), ctx.ints([0])])
    gates = GATES[mode]
    blocks = ctx.node("Reshape", [flat, ctx.ints((gates, shape[0] // gates) + shape[1:])])
    if gates > 1:
        blocks = ctx.node("Gather", [blocks, ctx.ints(ONNX_GATE_ORDER[mode])], axis=0)
    return ctx.node("Reshape", [blocks, ctx.ints((1,) + shape)])


def _layer_weights(ctx: Builder, params: str, pieces: list, mode: str) -> tuple[str, str, str]:
    """ONNX's ``W`` ``(D, G*H, I)``, ``R`` ``(D, G*H, H)`` and ``B`` ``(D, 2*G*H)`` of a layer."""
    found: dict[str, list[str]] = {"i2h_weight": [], "h2h_weight": [], "bias": []}
    by_dir: dict[int, dict[str, str]] = {}
    for p in pieces:
        by_dir.setdefault(p.direction, {})[p.kind] = _piece(ctx, params, p.offset, p.shape, mode)
    for d in sorted(by_dir):
        parts = by_dir[d]
        found["i2h_weight"].append(parts["i2h_weight"])
        found["h2h_weight"].append(parts["h2h_weight"])
        found["bias"].append(ctx.node("Concat", [parts["i2h_bias"], parts["h2h_bias"]], axis=1))

    def join(names: list[str]) -> str:
        return names[0] if len(names) == 1 else ctx.node("Concat", names, axis=0)

    return join(found["i2h_weight"]), join(found["h2h_weight"]), join(found["bias"])


def _state_slice(ctx: Builder, state: str, layer: int, dirs: int) -> str:
    return ctx.node(
        "Slice", [state, ctx.ints([layer * dirs]), ctx.ints([(layer + 1) * dirs]), ctx.ints([0])]
    )


@lowering("RNN")
def _rnn(ctx: Builder, n: Call) -> list[str]:
    a = n.attrs
    mode, layers, h = a["mode"], a["num_layers"], a["state_size"]
    dirs = 2 if a["bidirectional"] else 1
    if a["is_train"] and a["p"] > 0 and layers > 1:
        raise HybridError(
            f"{n.name}: RNN dropout between layers in training has no ONNX form; "
            "export in inference mode"
        )
    x, params, state = n.inputs[:3]
    cell = n.inputs[3] if mode == "lstm" else ""
    lengths = ""
    if a["use_sequence_length"]:
        lengths = n.inputs[-1]
        if np.dtype(n.in_dtypes[-1]) != np.int32:
            lengths = ctx.node("Cast", [lengths], to=onnx_type(np.int32))
    pieces = param_layout(mode, n.in_shapes[0][2], h, layers, a["bidirectional"])
    extra = {"direction": "bidirectional" if dirs == 2 else "forward", "hidden_size": h}
    if mode == "gru":
        extra["linear_before_reset"] = 1
    elif mode.startswith("rnn"):
        extra["activations"] = ["Relu" if mode == "rnn_relu" else "Tanh"] * dirs
    hy, cy = [], []
    for layer in range(layers):
        w, r, b = _layer_weights(ctx, params, [p for p in pieces if p.layer == layer], mode)
        inputs = [x, w, r, b, lengths, _state_slice(ctx, state, layer, dirs)]
        if cell:
            inputs.append(_state_slice(ctx, cell, layer, dirs))
        outs = ctx.node(_ONNX_OP[mode], inputs, outputs=3 if cell else 2, **extra)
        y = ctx.node("Transpose", [outs[0]], perm=[0, 2, 1, 3])  # (T, N, D, H)
        x = ctx.node("Reshape", [y, ctx.ints([0, 0, -1])])  # (T, N, D*H)
        hy.append(outs[1])
        if cell:
            cy.append(outs[2])
    if not a["state_outputs"]:
        return [x]
    states = [hy] + ([cy] if cell else [])
    return [x] + [s[0] if len(s) == 1 else ctx.node("Concat", s, axis=0) for s in states]
