"""contrib.fft and contrib.ifft: unnormalized discrete Fourier transforms over the last axis,
complex values stored as interleaved (real, imaginary) pairs, as MXNet's (GPU-only) ops do.
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

_ATTRS = (Attr("compute_size", "int", 128),)


def _interleave(z: np.ndarray) -> np.ndarray:
    """Complex ``(..., d)`` as real ``(..., 2d)``: re0, im0, re1, im1, ..."""
    return np.stack([z.real, z.imag], axis=-1).reshape(z.shape[:-1] + (-1,))


def _complex(x: np.ndarray) -> np.ndarray:
    pairs = x.reshape(x.shape[:-1] + (-1, 2))
    return pairs[..., 0] + 1j * pairs[..., 1]


def _check(op: str, shape) -> None:
    if shape is not None and len(shape) not in (2, 4):
        raise ShapeError(f"{op}: data has shape {tuple(shape)}, expected 2 or 4 dims")


@register
class Fft(Op):
    """``out = DFT(data)`` over the last axis, unnormalized: real ``(..., d)`` in, interleaved
    complex ``(..., 2d)`` out. ``compute_size`` (MXNet's sub-batch size) has no effect.
    """

    name = "_contrib_fft"
    attrs = _ATTRS

    def infer(in_shapes, in_dtypes, compute_size):
        x = in_shapes[0]
        _check("fft", x)
        return in_shapes, [None if x is None else tuple(x[:-1]) + (2 * x[-1],)], [in_dtypes[0]]

    def forward(ctx, x, compute_size):
        return _interleave(np.fft.fft(x, axis=-1)).astype(x.dtype)

    def vjp(ctx, gy, compute_size):
        d = gy.shape[-1] // 2
        return ((np.fft.ifft(_complex(gy), axis=-1) * d).real,)

    def samples(rng):
        return [Sample([rng.normal(size=(3, 4))]), Sample([rng.normal(size=(2, 2, 1, 5))])]


@register
class Ifft(Op):
    """``out = Re(d * IDFT(data))`` over the last axis: interleaved complex ``(..., 2d)`` in, the
    real part of the unnormalized inverse transform ``(..., d)`` out (MXNet does not divide by
    ``d``).
    """

    name = "_contrib_ifft"
    attrs = _ATTRS

    def infer(in_shapes, in_dtypes, compute_size):
        x = in_shapes[0]
        _check("ifft", x)
        if x is not None and x[-1] % 2:
            raise ShapeError(f"ifft: data has shape {tuple(x)}, expected an even last dim")
        return in_shapes, [None if x is None else tuple(x[:-1]) + (x[-1] // 2,)], [in_dtypes[0]]

    def forward(ctx, x, compute_size):
        d = x.shape[-1] // 2
        return (np.fft.ifft(_complex(x), axis=-1) * d).real.astype(x.dtype)

    def vjp(ctx, gy, compute_size):
        return (_interleave(np.fft.fft(gy, axis=-1)),)

    def samples(rng):
        return [Sample([rng.normal(size=(3, 8))]), Sample([rng.normal(size=(2, 1, 2, 6))])]
