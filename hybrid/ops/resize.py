"""Resizing of ``(batch, channels, height, width)`` maps: contrib's BilinearResize2D and
AdaptiveAvgPooling2D.

See Note [Separable resizing].
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

__all__ = ["bilinear_matrix", "adaptive_matrix"]


# Note [Separable resizing]
# Both ops act on height and width independently and linearly, so each is two small matrices:
# ``y = A_h @ x @ A_w^T`` with ``A`` of shape (out_size, in_size), applied by broadcasting matmuls
# over batch and channels. The VJP is ``A_h^T @ g @ A_w``. The ONNX lowerings use the same
# matrices where ONNX's own Resize would round differently.
def bilinear_matrix(n_in: int, n_out: int, align_corners: bool) -> np.ndarray:
    """MXNet's bilinear weights: output ``i`` reads ``src = scale * i`` (align_corners) or
    ``max(scale * (i + 0.5) - 0.5, 0)``; ``scale`` is ``(in - 1) / (out - 1)`` or ``in / out``
    (0 for one output); the right neighbour is clamped at the edge.
    """
    if n_out > 1:
        scale = (n_in - 1) / (n_out - 1) if align_corners else n_in / n_out
    else:
        scale = 0.0
    i = np.arange(n_out, dtype=np.float32)
    src = (np.float32(scale) * i if align_corners
           else np.maximum(np.float32(scale) * (i + np.float32(0.5)) - np.float32(0.5), 0))
    lo = src.astype(np.int64)
    lam = (src - lo).astype(np.float64)
    hi = np.minimum(lo + 1, n_in - 1)
    a = np.zeros((n_out, n_in))
    np.add.at(a, (np.arange(n_out), lo), 1 - lam)
    np.add.at(a, (np.arange(n_out), hi), lam)
    return a


def adaptive_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Averaging weights over ``[floor(i * in / out), ceil((i + 1) * in / out))``."""
    i = np.arange(n_out)
    start = (i * n_in) // n_out
    end = -((-(i + 1) * n_in) // n_out)
    j = np.arange(n_in)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return inside / (end - start)[:, None]


def _apply(ctx, x: np.ndarray, ah: np.ndarray, aw: np.ndarray) -> np.ndarray:
    ah, aw = ah.astype(x.dtype), aw.astype(x.dtype)
    ctx.ah, ctx.aw = ah, aw
    n, c, h, w = x.shape
    # The width product over every row at once is one GEMM; numpy's stacked matmul with a
    # broadcast operand does not reach BLAS, so the height product goes through tensordot.
    t = np.tensordot(ah, x, axes=([1], [2]))  # (OH, N, C, W)
    y = t.reshape(-1, w) @ aw.T  # (OH*N*C, OW)
    return y.reshape(ah.shape[0], n, c, -1).transpose(1, 2, 0, 3)  # (N, C, OH, OW)


def _apply_vjp(ctx, g: np.ndarray) -> np.ndarray:
    n, c, oh, ow = g.shape
    t = (g.reshape(-1, ow) @ ctx.aw).reshape(n, c, oh, -1)  # (N, C, OH, W)
    return np.tensordot(ctx.ah.T, t, axes=([1], [2])).transpose(1, 2, 0, 3)  # (N, C, H, W)


def _check_4d(op: str, shape) -> None:
    if shape is not None and len(shape) != 4:
        raise ShapeError(f"{op}: data has shape {tuple(shape)}, expected (N, C, H, W)")


_MODES = ("size", "odd_scale", "like", "to_even_down", "to_even_up", "to_odd_down", "to_odd_up")


def _resize_hw(h: int, w: int, like, a: dict) -> tuple[int, int]:
    """The output (height, width) of BilinearResize2D, as MXNet's shape rule computes it."""
    mode = a["mode"]
    if mode == "size":
        # NOTE: as in MXNet 1.9.1, scale_height alone decides whether both scales are used.
        if a["scale_height"] is None:
            return a["height"], a["width"]
        if a["scale_width"] is None:
            raise ShapeError("_contrib_BilinearResize2D: scale_height needs scale_width too")
        return int(a["scale_height"] * h), int(a["scale_width"] * w)
    if mode == "odd_scale":
        if a["scale_height"] is None or a["scale_width"] is None:
            raise ShapeError("_contrib_BilinearResize2D: mode='odd_scale' needs scale_height "
                             "and scale_width")

        def odd(n, s):
            return int(n * s) if n % 2 == 0 else int((n - 1) * s) + 1

        return odd(h, a["scale_height"]), odd(w, a["scale_width"])
    if mode == "like":
        if like is None:
            raise ShapeError("_contrib_BilinearResize2D: mode='like' needs the like input")
        return like[2], like[3]
    parity = 0 if "even" in mode else 1
    step = -1 if mode.endswith("down") else 1
    return tuple(n if n % 2 == parity else n + step for n in (h, w))


@register
class BilinearResize2D(Op):
    """Bilinear resizing of ``(batch, channels, height, width)`` data (see Note [Separable
    resizing] for the sampling positions, MXNet's, with ``align_corners`` default True).

    The output size by ``mode``: ``'size'`` takes ``height`` and ``width``, or
    ``int(scale_height * H)`` and ``int(scale_width * W)`` when ``scale_height`` is given;
    ``'odd_scale'`` scales even sizes by the scale and odd ones as ``(n - 1) * scale + 1``;
    ``'like'`` takes the height and width of the second input ``like`` (which gets a zero
    gradient); ``'to_even_down'``, ``'to_even_up'``, ``'to_odd_down'``, ``'to_odd_up'`` move an
    odd (even) size by one.
    """

    name = "_contrib_BilinearResize2D"
    inputs = ("data", "like")
    attrs = (
        Attr("height", "int", 1, check=(lambda v: v >= 1, ">= 1")),
        Attr("width", "int", 1, check=(lambda v: v >= 1, ">= 1")),
        Attr("scale_height", "float?", None),
        Attr("scale_width", "float?", None),
        Attr("mode", "str", "size", choices=_MODES),
        Attr("align_corners", "bool", True),
    )

    @classmethod
    def arguments(cls, attrs):
        return list(cls.inputs if attrs["mode"] == "like" else cls.inputs[:1])

    def infer(in_shapes, in_dtypes, **attrs):
        data = in_shapes[0]
        _check_4d(BilinearResize2D.name, data)
        if data is None:
            return in_shapes, [None], [in_dtypes[0]]
        like = in_shapes[1] if len(in_shapes) > 1 else None
        oh, ow = _resize_hw(data[2], data[3], like, attrs)
        return in_shapes, [tuple(data[:2]) + (oh, ow)], [in_dtypes[0]]

    def forward(ctx, x, *like, **attrs):
        oh, ow = _resize_hw(x.shape[2], x.shape[3], like[0].shape if like else None, attrs)
        ctx.like = like
        ac = attrs["align_corners"]
        return _apply(ctx, x, bilinear_matrix(x.shape[2], oh, ac),
                      bilinear_matrix(x.shape[3], ow, ac))

    def vjp(ctx, gy, **attrs):
        return (_apply_vjp(ctx, gy),) + tuple(np.zeros_like(a) for a in ctx.like)

    def samples(rng):
        x = rng.normal(size=(2, 3, 5, 4))
        return [
            Sample([x], {"height": 9, "width": 7}),
            Sample([x], {"height": 3, "width": 6, "align_corners": False}),
            Sample([x], {"scale_height": 2.0, "scale_width": 1.5}),
            Sample([x], {"mode": "odd_scale", "scale_height": 2.0, "scale_width": 2.0}),
            Sample([x, rng.normal(size=(1, 1, 8, 8))], {"mode": "like"}, grad=(0,)),
            Sample([x], {"mode": "to_even_down"}),
            Sample([x], {"mode": "to_odd_up", "align_corners": False}),
        ]


@register
class AdaptiveAvgPooling2D(Op):
    """Average pooling of ``(batch, channels, height, width)`` data to ``output_size`` (an int,
    a pair, or empty for 1x1): output cell ``i`` averages input rows
    ``[floor(i * H / OH), ceil((i + 1) * H / OH))``, and likewise for columns.
    """

    name = "_contrib_AdaptiveAvgPooling2D"
    attrs = (Attr("output_size", "shape", ()),)

    def infer(in_shapes, in_dtypes, output_size):
        data = in_shapes[0]
        _check_4d(AdaptiveAvgPooling2D.name, data)
        out = None if data is None else tuple(data[:2]) + _pool_hw(output_size)
        return in_shapes, [out], [in_dtypes[0]]

    def forward(ctx, x, output_size):
        oh, ow = _pool_hw(output_size)
        return _apply(ctx, x, adaptive_matrix(x.shape[2], oh), adaptive_matrix(x.shape[3], ow))

    def vjp(ctx, gy, output_size):
        return (_apply_vjp(ctx, gy),)

    def samples(rng):
        x = rng.normal(size=(2, 3, 7, 6))
        return [Sample([x]), Sample([x], {"output_size": 3}),
                Sample([x], {"output_size": (4, 2)})]


def _pool_hw(output_size: tuple) -> tuple[int, int]:
    if len(output_size) == 0:
        return 1, 1
    if len(output_size) == 1:
        return output_size[0], output_size[0]
    if len(output_size) == 2:
        return output_size[0], output_size[1]
    raise ShapeError(f"_contrib_AdaptiveAvgPooling2D: output_size {output_size} has more than "
                     "2 values")
