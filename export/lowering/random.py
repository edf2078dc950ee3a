"""Lowerings of the random ops (``hybrid/ops/random.py``).

ONNX draws from its own generator, so exported models match hybrid's draws in distribution, not
value for value. Uniform and normal samples are ONNX's RandomUniform/RandomNormal (``*Like`` for
shapes known only at run time); exponential samples invert a uniform draw, ``-log(1 - u) / lam``;
integers floor a uniform draw; categories come from Multinomial, which takes log-probabilities.
ONNX has no gamma or Poisson sampler and no random permutation: those lowerings raise.
"""

from __future__ import annotations

import numpy as np
from onnx import numpy_helper

from hybrid.base import HybridError
from hybrid.ops.random import DISTRIBUTIONS, NO_ONNX, sample_size

from ..builder import Builder, Call, onnx_type
from . import lowering
from .nn import scalar

# The dtypes ONNX Runtime's random kernels produce; float16 is drawn as float32 and cast.
_DRAWN = (np.dtype(np.float32), np.dtype(np.float64))


def _exponential(ctx: Builder, u: str, lam: str, dtype: np.dtype) -> str:
    """``-log(1 - u) / lam`` for ``u`` uniform on ``[0, 1)``: exponential with rate ``lam``."""
    tail = ctx.node("Sub", [ctx.const(scalar(1, dtype)), u])
    return ctx.node("Div", [ctx.node("Neg", [ctx.node("Log", [tail])]), lam])


def _draw(ctx: Builder, name: str, form: str, inputs: list[str], attrs: dict, dtype) -> str:
    """A ``_random_*`` (form ``""``, drawing ``shape``) or ``_random_*_like`` (form ``"Like"``,
    drawing ``inputs[0]``'s shape) sample with scalar parameters from ``attrs``.
    """
    extra = {} if form else {"shape": list(sample_size(attrs["shape"])), "dtype": onnx_type(dtype)}
    if name == "uniform":
        return ctx.node(f"RandomUniform{form}", inputs, low=attrs["low"], high=attrs["high"],
                        **extra)
    if name == "normal":
        return ctx.node(f"RandomNormal{form}", inputs, mean=attrs["loc"], scale=attrs["scale"],
                        **extra)
    u = ctx.node(f"RandomUniform{form}", inputs, **extra)
    return _exponential(ctx, u, ctx.const(scalar(attrs["lam"], dtype)), dtype)


def _unavailable(name: str):
    def rule(ctx: Builder, n: Call) -> str:
        raise HybridError(f"{n.name}: cannot be exported to ONNX: {NO_ONNX[name]}")
    return rule


def _random_rule(name: str):
    def rule(ctx: Builder, n: Call) -> str:
        out = n.out_dtypes[0]
        drawn = out if out in _DRAWN else np.dtype(np.float32)
        y = _draw(ctx, name, "", [], n.attrs, drawn)
        return y if drawn == out else ctx.node("Cast", [y], to=onnx_type(out))
    return rule


def _like_rule(name: str):
    def rule(ctx: Builder, n: Call) -> str:
        return _draw(ctx, name, "Like", n.inputs, n.attrs, n.in_dtypes[0])
    return rule


def _sample_rule(name: str):
    def rule(ctx: Builder, n: Call) -> str:
        shape, dtype = n.attrs["shape"], n.in_dtypes[0]
        params, like = n.inputs, n.inputs[0]
        if shape:
            # Each parameter value draws `shape` samples: output (*params.shape, *shape).
            trailing = ctx.ints(range(len(n.in_shapes[0]), len(n.in_shapes[0]) + len(shape)))
            params = [ctx.node("Unsqueeze", [p, trailing]) for p in params]
            full = ctx.node("Concat", [ctx.node("Shape", [like]), ctx.ints(shape)], axis=0)
            zero = numpy_helper.from_array(np.zeros(1, dtype))
            like = ctx.node("ConstantOfShape", [full], value=zero)
        if name == "normal":
            z = ctx.node("RandomNormalLike", [like])
            y = ctx.node("Add", [params[0], ctx.node("Mul", [params[1], z])])
        else:
            u = ctx.node("RandomUniformLike", [like])
            if name == "uniform":
                width = ctx.node("Sub", [params[1], params[0]])
                y = ctx.node("Add", [params[0], ctx.node("Mul", [width, u])])
            else:
                y = _exponential(ctx, u, params[0], dtype)
        out = n.out_dtypes[0]
        return y if out == dtype else ctx.node("Cast", [y], to=onnx_type(out))
    return rule


def _register_distributions() -> None:
    for name, *_ in DISTRIBUTIONS:
        ops = (f"_random_{name}", f"_random_{name}_like", f"_sample_{name}")
        if name in NO_ONNX:
            lowering(*ops)(_unavailable(name))
            continue
        for op, rule in zip(ops, (_random_rule, _like_rule, _sample_rule)):
            lowering(op)(rule(name))


_register_distributions()


@lowering("_random_randint")
def _randint(ctx: Builder, n: Call) -> str:
    # floor of a double draw on [low, high): every integer of [low, high) equally likely.
    a = n.attrs
    u = ctx.node("RandomUniform", [], low=float(a["low"]), high=float(a["high"]),
                 shape=list(sample_size(a["shape"])), dtype=onnx_type(np.float64))
    return ctx.node("Cast", [ctx.node("Floor", [u])], to=onnx_type(n.out_dtypes[0]))


def _multinomial_rows(ctx: Builder, x: str, rank: int, k: int) -> str:
    """The distributions as rows ``(rows, k)``, as Multinomial takes them."""
    if rank == 1:
        return ctx.node("Unsqueeze", [x, ctx.ints([0])])
    if rank == 2:
        return x
    return ctx.node("Reshape", [x, ctx.ints([-1, k])])


@lowering("_sample_multinomial")
def _multinomial(ctx: Builder, n: Call) -> list[str]:
    a, p = n.attrs, n.inputs[0]
    rank, k = len(n.in_shapes[0]), n.in_shapes[0][-1]
    logits = _multinomial_rows(ctx, ctx.node("Log", [p]), rank, k)  # (rows, k)
    draws = int(np.prod(a["shape"])) if a["shape"] else 1
    idx = ctx.node("Multinomial", [logits], sample_size=draws,
                   dtype=onnx_type(np.int64))  # (rows, draws)
    outs = [idx, ctx.node("GatherElements", [logits, idx], axis=1)] if a["get_prob"] else [idx]
    if rank == 1:
        target = ctx.ints(sample_size(a["shape"]))
    elif rank > 2 or len(a["shape"]) != 1:
        # (*p.shape[:-1], *shape) read at run time, keeping the batch dynamic.
        lead = ctx.node("Slice", [ctx.node("Shape", [p]), ctx.ints([0]), ctx.ints([-1])])
        target = ctx.node("Concat", [lead, ctx.ints(a["shape"])], axis=0)
    else:
        target = None
    if target is not None:
        outs = [ctx.node("Reshape", [o, target]) for o in outs]
    outs[0] = ctx.node("Cast", [outs[0]], to=onnx_type(n.out_dtypes[0]))
    return outs


@lowering("_shuffle")
def _shuffle(ctx: Builder, n: Call) -> str:
    raise HybridError(
        "_shuffle: cannot be exported to ONNX, which has no random permutation operator; "
        "shuffle the data before it enters the model"
    )
