"""``nd.imdecode``: MXNet's deprecated one-call image decoder (``mx.image.imdecode`` is the
current one). It keeps the legacy layout: channels first, OpenCV's BGR order, float32 pixels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..base import HybridError, ShapeError
from .ndarray import NDArray

__all__ = ["imdecode"]


def imdecode(
    str_img: Any,
    clip_rect: tuple = (0, 0, 0, 0),
    out: NDArray | None = None,
    index: int = 0,
    channels: int = 3,
    mean: NDArray | None = None,
) -> NDArray:
    """Decode an encoded image into ``(channels, y1 - y0, x1 - x0)`` pixels, BGR as stored by
    OpenCV (grey with ``channels=1``), minus ``mean`` if given.

    Parameters
    ----------
    str_img : bytes, bytearray, numpy uint8 array, or str (one char per byte)
        The encoded image (JPEG, PNG, BMP...).
    clip_rect : 4 ints, default (0, 0, 0, 0)
        ``(x0, y0, x1, y1)``: the rectangle to keep; ``y1 == y0`` keeps the whole image.
    out : NDArray, optional
        ``(channels, h, w)``, or ``(n, channels, h, w)`` written at ``[index]``; returned.
    index : int, default 0
    channels : int, default 3
        How many of the decoded channels to keep (1 decodes to grey).
    mean : NDArray, optional
        ``(channels, h, w)`` subtracted from the pixels; the result takes its dtype.

    Examples
    --------
    >>> import numpy as np, hybrid as mx
    >>> from hybrid.image._codec import cv2
    >>> png = cv2().imencode('.png', np.full((4, 5, 3), 7, np.uint8))[1].tobytes()
    >>> mx.nd.imdecode(png, clip_rect=(1, 0, 4, 2)).shape
    (3, 2, 3)
    """
    from ..image._codec import cv2_decode  # NOTE: hybrid.image imports nd

    if isinstance(str_img, str):
        str_img = str_img.encode("latin-1")
    raw = (
        np.frombuffer(bytes(str_img), np.uint8) if not isinstance(str_img, np.ndarray) else str_img
    )
    img = cv2_decode(raw.reshape(-1), 0 if channels == 1 else -1, "nd.imdecode")
    img = img[:, :, None] if img.ndim == 2 else img  # (H, W, C) as stored
    if channels > img.shape[2]:
        raise HybridError(
            f"nd.imdecode: channels={channels}, but the image has {img.shape[2]} channels"
        )
    x0, y0, x1, y1 = (int(v) for v in clip_rect)
    if y1 == y0:
        x0, y0, x1, y1 = 0, 0, img.shape[1], img.shape[0]
    if not (0 <= x0 <= x1 <= img.shape[1] and 0 <= y0 <= y1 <= img.shape[0]):
        raise ShapeError(
            f"nd.imdecode: clip_rect {tuple(clip_rect)} is outside the image "
            f"(width {img.shape[1]}, height {img.shape[0]})"
        )
    pixels = img[y0:y1, x0:x1, :channels].transpose(2, 0, 1)  # (channels, h, w)
    dtype = np.float32 if mean is None else mean.dtype
    pixels = pixels.astype(dtype)
    if mean is not None:
        if tuple(mean.shape) != pixels.shape:
            raise ShapeError(f"nd.imdecode: mean has shape {mean.shape}, expected {pixels.shape}")
        pixels = pixels - mean.asnumpy()
    if out is None:
        return NDArray._wrap(np.ascontiguousarray(pixels))
    target = out if out.ndim == 3 else out[index]
    if tuple(target.shape) != pixels.shape:
        raise ShapeError(
            f"nd.imdecode: out{'' if out.ndim == 3 else f'[{index}]'} has shape "
            f"{tuple(target.shape)}, expected {pixels.shape}"
        )
    target[:] = pixels
    return out
