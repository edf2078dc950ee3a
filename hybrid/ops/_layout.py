"""Channel-last layouts (``NWC``, ``NHWC``, ``NDHWC``) of the window ops.

Note [Channel-last layouts]
Convolution, Deconvolution and Pooling compute in the channel-first layout. With a channel-last
``layout`` attribute their data and output are ``(N, *spatial, C)`` and their weight keeps its
first axis and moves the channel axis last, as MXNet lays them out (Convolution
``(num_filter, *kernel, C / num_group)``, Deconvolution ``(C, *kernel, num_filter /
num_group)``). :func:`channel_last_aware` wraps an op's rules so they see channel-first arrays:
every input of rank >= 3 moves its last axis to axis 1 on the way in, the output and those
inputs' gradients move it back. The bias (rank 1) is the same in both layouts. The ONNX lowering
bridges it with Transposes around the channel-first node (``export/lowering/conv.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "CHANNEL_LAST",
    "channel_last_aware",
    "is_channel_last",
    "shape_to_first",
    "shape_to_last",
    "to_first_perm",
    "to_last_perm",
]

CHANNEL_LAST = ("NWC", "NHWC", "NDHWC")


def is_channel_last(attrs: dict) -> bool:
    return attrs.get("layout") in CHANNEL_LAST


def to_first_perm(rank: int) -> list[int]:
    """The axes order taking ``(N, *rest, C)`` to ``(N, C, *rest)``."""
    return [0, rank - 1, *range(1, rank - 1)]


def to_last_perm(rank: int) -> list[int]:
    """The axes order taking ``(N, C, *rest)`` to ``(N, *rest, C)``."""
    return [0, *range(2, rank), 1]


def shape_to_first(shape: Any) -> Any:
    if shape is None or len(shape) < 3:
        return shape
    return tuple(shape[i] for i in to_first_perm(len(shape)))


def shape_to_last(shape: Any) -> Any:
    if shape is None or len(shape) < 3:
        return shape
    return tuple(shape[i] for i in to_last_perm(len(shape)))


def _first(x: np.ndarray) -> np.ndarray:
    return x if x.ndim < 3 else np.ascontiguousarray(np.moveaxis(x, -1, 1))


def _last(x: Any) -> Any:
    return x if x is None or x.ndim < 3 else np.moveaxis(x, 1, -1)


def channel_last_aware(cls: type) -> type:
    """Wrap ``cls``'s ``infer``, ``forward`` and ``vjp`` for channel-last layouts (see Note
    [Channel-last layouts]); channel-first calls run the rules unchanged.
    """
    infer, forward, vjp = cls.infer, cls.forward, cls.vjp

    def infer_any(in_shapes: list, in_dtypes: list, **a: Any) -> tuple:
        if not is_channel_last(a):
            return infer(in_shapes, in_dtypes, **a)
        shapes, outs, dtypes = infer([shape_to_first(s) for s in in_shapes], in_dtypes, **a)
        return [shape_to_last(s) for s in shapes], [shape_to_last(s) for s in outs], dtypes

    def forward_any(ctx: Any, *xs: np.ndarray, **a: Any) -> Any:
        if not is_channel_last(a):
            return forward(ctx, *xs, **a)
        return _last(forward(ctx, *(_first(x) for x in xs), **a))

    def vjp_any(ctx: Any, gy: np.ndarray, **a: Any) -> tuple:
        if not is_channel_last(a):
            return vjp(ctx, gy, **a)
        return tuple(_last(g) for g in vjp(ctx, _first(gy), **a))

    for rule, fn in (("infer", infer_any), ("forward", forward_any), ("vjp", vjp_any)):
        fn.__name__ = fn.__qualname__ = rule
        setattr(cls, rule, fn)
    return cls
