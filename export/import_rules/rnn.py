"""Import rules for ONNX's recurrent ops: RNN, LSTM and GRU become the fused ``RNN`` op.

One ONNX node is one layer (one or both directions), so it becomes an ``RNN`` op with
``num_layers=1``. ``W``, ``R`` and ``B`` (initializers or computed) are packed by graph ops, gates
reordered back to MXNet's order, into the op's flat ``parameters`` (see Note [RNN in ONNX] and
Note [RNN parameter layout]); an absent ``B`` is a fixed zero bias. What MXNet's op cannot
compute is refused with the reason: peepholes, ``clip``, ``input_forget``, non-default
activations, ``direction=reverse`` with ``sequence_lens`` and GRU's ``linear_before_reset=0``.
``layout=1`` (batch-major) is transposed to MXNet's time-major order and back; ``reverse`` runs
forward over the time-reversed sequence and reverses the output back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hybrid.ops.rnn import GATES

from ..lowering.rnn import ONNX_GATE_ORDER
from . import rule

_MODES = {"LSTM": "lstm", "GRU": "gru"}
_DEFAULT_ACTIVATIONS = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"]}


def _mode(ctx: Any, node: Any, dirs: int) -> str:
    """MXNet's mode of an ONNX node, after checking its attributes are expressible."""
    a = node.attrs
    acts = [str(s).capitalize() for s in a.get("activations", [])]
    if node.op_type == "RNN":
        acts = acts or ["Tanh"] * dirs
        if len(set(acts)) != 1 or acts[0] not in ("Tanh", "Relu"):
            raise ctx.error(
                f"activations {acts} (MXNet's RNN has Tanh or Relu, one for both directions)"
            )
        return "rnn_" + acts[0].lower()
    if acts and acts != _DEFAULT_ACTIVATIONS[node.op_type] * dirs:
        raise ctx.error(f"activations {acts} (only the defaults are supported)")
    if node.op_type == "LSTM" and (a.get("input_forget", 0) or node.input(7)):
        raise ctx.error("input_forget and peepholes (P) are not supported")
    if node.op_type == "GRU" and not a.get("linear_before_reset", 0):
        raise ctx.error(
            "linear_before_reset=0 (MXNet's GRU applies the reset gate after the "
            "recurrent product: linear_before_reset=1)"
        )
    return _MODES[node.op_type]


def _check_common(ctx: Any, node: Any) -> None:
    a = node.attrs
    for key in ("clip", "activation_alpha", "activation_beta"):
        if key in a:
            raise ctx.error(f"attribute {key} is not supported")


def _to_mxnet(ctx: Any, v: Any, mode: str) -> Any:
    """A ``(G*H, ...)`` block of one direction with its gates back in MXNet's order, flat."""
    order = ONNX_GATE_ORDER[mode]
    if len(order) > 1:
        parts = ctx.multi("SliceChannel", [v], num_outputs=len(order), axis=0)
        mx_parts = [None] * len(order)
        for onnx_k, mx_k in enumerate(order):
            mx_parts[mx_k] = parts[onnx_k]
        v = ctx.op("Concat", mx_parts, dim=0)
    return ctx.op("Reshape", [v], shape=(-1,))


def _flat_parameters(ctx: Any, node: Any, mode: str, dirs: int, g: int) -> Any:
    """MXNet's flat ``parameters`` from ONNX's ``W``, ``R`` and ``B``, built with graph ops so
    the initializers stay the model's trainable parameters under their own names.
    """
    w, r = ctx.value(node.inputs[1]), ctx.value(node.inputs[2])
    if node.input(3):
        b = ctx.value(node.input(3))
    else:
        name = f"{node.name}_zero_bias"
        ctx.constants[name] = np.zeros((dirs, 2 * g), ctx.dtype(node.inputs[1]))
        b = ctx.value(name)
    weights, biases = [], []
    for d in range(dirs):
        for m in (w, r):
            one = ctx.op("slice_axis", [m], axis=0, begin=d, end=d + 1)
            weights.append(_to_mxnet(ctx, ctx.op("Reshape", [one], shape=(-3, -2)), mode))
        row = ctx.op(
            "Reshape", [ctx.op("slice_axis", [b], axis=0, begin=d, end=d + 1)], shape=(-1,)
        )
        for k in range(2):
            part = ctx.op("slice_axis", [row], axis=0, begin=k * g, end=(k + 1) * g)
            biases.append(_to_mxnet(ctx, part, mode))
    return ctx.op("Concat", weights + biases, dim=0)


def _zero_state(ctx: Any, x: Any, dirs: int, h: int) -> Any:
    """Zeros ``(D, N, H)`` for an absent initial state, following the data's batch size."""
    first = ctx.op("slice_axis", [x], axis=0, begin=0, end=1)  # (1, N, I)
    zero = ctx.op("sum", [ctx.op("_mul_scalar", [first], scalar=0.0)], axis=2, keepdims=True)
    return ctx.op("tile", [zero], reps=(dirs, 1, h))  # (D, N, H)


def _time_major(ctx: Any, v: Any, batch_major: bool) -> Any:
    """Swap the first two axes of a batch-major (``layout=1``) tensor; others pass through."""
    return ctx.op("transpose", [v], axes=(1, 0, 2)) if batch_major else v


def _flip_time(ctx: Any, v: Any, flip: bool) -> Any:
    """``v`` with its first (time) axis reversed when ``flip``."""
    return ctx.op("slice", [v], begin=(None,), end=(None,), step=(-1,)) if flip else v


@rule("RNN", "LSTM", "GRU")
def _recurrent(ctx: Any, node: Any) -> list:
    _check_common(ctx, node)
    a = node.attrs
    direction = a.get("direction", "forward")
    dirs = 2 if direction == "bidirectional" else 1
    batch_major, reverse = bool(a.get("layout", 0)), direction == "reverse"
    lengths = node.input(4)
    if reverse and lengths:
        raise ctx.error("direction=reverse with sequence_lens is not supported")
    mode = _mode(ctx, node, dirs)
    h = int(a["hidden_size"])
    x = _flip_time(ctx, _time_major(ctx, ctx.value(node.inputs[0]), batch_major), reverse)
    inputs = [x, _flat_parameters(ctx, node, mode, dirs, GATES[mode] * h)]
    states = [5] + ([6] if mode == "lstm" else [])
    for i in states:
        state = node.input(i)
        inputs.append(
            _time_major(ctx, ctx.value(state), batch_major)
            if state
            else _zero_state(ctx, x, dirs, h)
        )
    if lengths:
        inputs.append(ctx.value(lengths))
    n_out = 3 if mode == "lstm" else 2
    outs = ctx.multi(
        "RNN",
        inputs,
        mode=mode,
        state_size=h,
        num_layers=1,
        bidirectional=dirs == 2,
        state_outputs=True,
        use_sequence_length=bool(lengths),
    )
    # MXNet's out is (T, N, D*H); ONNX's Y is (T, D, N, H), or (N, T, D, H) batch-major.
    y = ctx.op("Reshape", [_flip_time(ctx, outs[0], reverse)], shape=(0, 0, dirs, h))
    y = ctx.op("transpose", [y], axes=(1, 0, 2, 3) if batch_major else (0, 2, 1, 3))
    return [y] + [_time_major(ctx, s, batch_major) for s in outs[1:n_out]]
