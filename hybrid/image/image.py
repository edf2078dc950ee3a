"""Image functions of ``mx.image``: read, decode, resize, crop, normalise.

Images are NDArrays ``(H, W, C)``, uint8 RGB after decoding, as MXNet's. Random choices draw from
Python's ``random`` module, as MXNet's ``mx.image`` does, so ``random.seed(n)`` reproduces MXNet's
crops for the same images.
"""

from __future__ import annotations

import math
import random
from numbers import Number
from typing import Any

import numpy as np

from ..base import AttrError, HybridError
from ..ndarray import NDArray
from ._codec import ImageDecodeError, cv2, cv2_decode

__all__ = [
    "imread",
    "imdecode",
    "imresize",
    "scale_down",
    "copyMakeBorder",
    "resize_short",
    "fixed_crop",
    "random_crop",
    "center_crop",
    "color_normalize",
    "random_size_crop",
    "imrotate",
    "random_rotate",
]


class ImageTypeError(HybridError, TypeError):
    """An image of a dtype the function does not take."""


def as_numpy(x: Any) -> np.ndarray:
    """The numpy array behind an NDArray, or ``np.asarray(x)``."""
    return x._data if isinstance(x, NDArray) else np.asarray(x)


def _wrap(x: np.ndarray) -> NDArray:
    return NDArray._wrap(np.ascontiguousarray(x))


def _decode(buf: Any, flag: int, to_rgb: bool, where: str) -> np.ndarray:
    """Decoded ``(H, W, C)`` uint8 pixels, RGB (or BGR when not ``to_rgb``)."""
    raw = np.frombuffer(buf, np.uint8) if isinstance(buf, bytes) else as_numpy(buf)
    img = cv2_decode(raw.astype(np.uint8, copy=False).reshape(-1), flag, where)
    if img.ndim == 2:
        return img[:, :, None]
    if to_rgb and img.shape[2] in (3, 4):
        code = cv2().COLOR_BGR2RGB if img.shape[2] == 3 else cv2().COLOR_BGRA2RGBA
        return cv2().cvtColor(img, code)
    return img


def imdecode(buf: Any, flag: int = 1, to_rgb: bool = True, out: Any = None) -> NDArray:
    """Decode an image (JPEG, PNG, BMP...) from bytes into ``(H, W, C)`` uint8.

    Parameters
    ----------
    buf : bytes, bytearray, numpy array or NDArray of uint8
        The encoded image.
    flag : int, default 1
        1: colour (3 channels), 0: grey (1 channel), -1: as stored.
    to_rgb : bool, default True
        Colour images in RGB order (else OpenCV's BGR).

    Examples
    --------
    >>> import numpy as np, hybrid as mx
    >>> from hybrid.image._codec import cv2
    >>> png = cv2().imencode('.png', np.zeros((2, 3, 3), np.uint8))[1].tobytes()
    >>> mx.image.imdecode(png).shape
    (2, 3, 3)
    """
    if not isinstance(buf, (bytes, bytearray, np.ndarray, NDArray)):
        raise HybridError(f"imdecode: buf must be bytes, bytearray, a numpy array or an NDArray, "
                          f"got {type(buf).__name__}")
    img = _decode(bytes(buf) if isinstance(buf, bytearray) else buf, flag, to_rgb, "imdecode")
    return _out(img, out)


def _out(img: np.ndarray, out: Any) -> NDArray:
    if out is None:
        return _wrap(img)
    out[:] = img
    return out


def imread(filename: str, flag: int = 1, to_rgb: bool = True, out: Any = None) -> NDArray:
    """Read and decode the image file ``filename`` (see :func:`imdecode`)."""
    try:
        with open(filename, "rb") as f:
            buf = f.read()
    except OSError as e:
        raise HybridError(f"imread: cannot read {filename}: {e.strerror}") from None
    try:
        return _out(_decode(buf, flag, to_rgb, f"imread({filename})"), out)
    except ImageDecodeError as e:
        raise ImageDecodeError(f"{e} in file {filename}") from None


def imresize(src: Any, w: int, h: int, interp: int = 1, out: Any = None) -> NDArray:
    """Resize ``src`` (``(H, W, C)``) to width ``w`` and height ``h`` with OpenCV's ``interp``:
    0 nearest, 1 bilinear, 2 bicubic, 3 area, 4 Lanczos.
    """
    img = as_numpy(src)
    resized = cv2().resize(img, (int(w), int(h)), interpolation=int(interp))
    return _out(resized.reshape(int(h), int(w), *img.shape[2:]), out)


def scale_down(src_size: tuple, size: tuple) -> tuple[int, int]:
    """Shrink the crop ``size`` (w, h) to fit in ``src_size`` (w, h), keeping its aspect."""
    w, h = size
    sw, sh = src_size
    if sh < h:
        w, h = float(w * sh) / h, sh
    if sw < w:
        w, h = sw, float(h * sw) / w
    return int(w), int(h)


def copyMakeBorder(src: Any, top: int, bot: int, left: int, right: int, type: int = 0,
                   value: float = 0.0, values: tuple = (), out: Any = None) -> NDArray:
    """Pad an image with OpenCV's border ``type`` (0 constant ``value``/``values``, 1
    replicate, 2 reflect, 3 wrap, 4 reflect-101).
    """
    img = as_numpy(src)
    fill = list(values) if values else [value] * 4
    padded = cv2().copyMakeBorder(img, top, bot, left, right, type, value=fill)
    return _out(padded.reshape(padded.shape[0], padded.shape[1], *img.shape[2:]), out)


def _get_interp_method(interp: int, sizes: tuple = ()) -> int:
    """MXNet's interpolation codes: 9 picks by the size change (area down, cubic up), 10 one at
    random; 0-4 are OpenCV's.
    """
    if interp == 9:
        if not sizes:
            return 2
        oh, ow, nh, nw = sizes
        if nh > oh and nw > ow:
            return 2
        return 3 if nh < oh and nw < ow else 1
    if interp == 10:
        return random.randint(0, 4)
    if interp not in (0, 1, 2, 3, 4):
        raise HybridError(f"image: unknown interpolation method {interp}")
    return interp


def resize_short(src: Any, size: int, interp: int = 2) -> NDArray:
    """Resize so that the shorter side is ``size`` (the other scaled, truncated)."""
    h, w = as_numpy(src).shape[:2]
    new_h, new_w = (size * h // w, size) if h > w else (size, size * w // h)
    return imresize(src, new_w, new_h, interp=_get_interp_method(interp, (h, w, new_h, new_w)))


def fixed_crop(src: Any, x0: int, y0: int, w: int, h: int, size: tuple | None = None,
               interp: int = 2) -> NDArray:
    """The region at ``(x0, y0)`` of width ``w`` and height ``h``, resized to ``size`` (w, h)."""
    out = as_numpy(src)[y0 : y0 + h, x0 : x0 + w]
    if size is not None and (w, h) != tuple(size):
        sizes = (h, w, size[1], size[0])
        return imresize(out, *size, interp=_get_interp_method(interp, sizes))
    return _wrap(out)


def random_crop(src: Any, size: tuple, interp: int = 2) -> tuple[NDArray, tuple]:
    """A random crop of ``size`` (w, h) (shrunk to fit, then resized up); returns the crop and
    ``(x0, y0, w, h)``.
    """
    h, w = as_numpy(src).shape[:2]
    new_w, new_h = scale_down((w, h), size)
    x0 = random.randint(0, w - new_w)
    y0 = random.randint(0, h - new_h)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def center_crop(src: Any, size: tuple, interp: int = 2) -> tuple[NDArray, tuple]:
    """The centre crop of ``size`` (w, h) (shrunk to fit, then resized up); returns the crop
    and ``(x0, y0, w, h)``.
    """
    h, w = as_numpy(src).shape[:2]
    new_w, new_h = scale_down((w, h), size)
    x0, y0 = int((w - new_w) / 2), int((h - new_h) / 2)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def color_normalize(src: Any, mean: Any, std: Any = None) -> NDArray:
    """``(src - mean) / std`` (either may be None)."""
    x = as_numpy(src)
    if mean is not None:
        x = x - as_numpy(mean)
    if std is not None:
        x = x / as_numpy(std)
    return _wrap(x)


def random_size_crop(src: Any, size: tuple, area: Any, ratio: tuple, interp: int = 2,
                     **kwargs: Any) -> tuple[NDArray, tuple]:
    """A crop of random area (a fraction in ``area``, or ``(area, 1)`` for a number) and aspect
    ratio (log-uniform in ``ratio``) resized to ``size``; a centre crop after 10 misses.
    """
    h, w = as_numpy(src).shape[:2]
    if "min_area" in kwargs:
        area = kwargs.pop("min_area")
    if kwargs:
        raise HybridError(f"random_size_crop: unexpected arguments {sorted(kwargs)}")
    if isinstance(area, Number):
        area = (area, 1.0)
    for _ in range(10):
        target_area = random.uniform(area[0], area[1]) * h * w
        log_ratio = (np.log(ratio[0]), np.log(ratio[1]))
        new_ratio = np.exp(random.uniform(*log_ratio))
        new_w = int(round(np.sqrt(target_area * new_ratio)))
        new_h = int(round(np.sqrt(target_area / new_ratio)))
        if new_w <= w and new_h <= h:
            x0 = random.randint(0, w - new_w)
            y0 = random.randint(0, h - new_h)
            return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)
    return center_crop(src, size, interp)


def _rotate_batch(x: np.ndarray, radians: np.ndarray, zoom_in: bool, zoom_out: bool):
    """Rotate ``(N, C, H, W)`` float32 images about their centres by ``radians`` (N,) with
    bilinear sampling and zero fill, as MXNet's ``imrotate`` (a BilinearSampler grid).
    """
    n, c, h, w = x.shape
    hs, ws = (h - 1) / 2, (w - 1) / 2
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    ys, xs = ys - hs, xs - ws
    cos, sin = np.cos(radians)[:, None, None], np.sin(radians)[:, None, None]
    gx = (xs * cos - ys * sin) / ws  # (N, H, W) in [-1, 1] of the source
    gy = (xs * sin + ys * cos) / hs
    if zoom_in or zoom_out:
        rho, ang = math.hypot(h, w), math.atan(h / w)
        a = np.abs(radians)
        max_x = np.maximum(np.abs(rho * np.cos(ang + a)), np.abs(rho * np.cos(ang - a)))
        max_y = np.maximum(np.abs(rho * np.sin(ang + a)), np.abs(rho * np.sin(ang - a)))
        scale = (np.maximum(max_x / w, max_y / h) if zoom_out
                 else np.minimum(w / max_x, h / max_y))[:, None, None]
        gx, gy = gx * scale, gy * scale
    px, py = (gx + 1) * (w - 1) / 2, (gy + 1) * (h - 1) / 2
    x0, y0 = np.floor(px).astype(np.int64), np.floor(py).astype(np.int64)
    out = np.zeros((n, c, h, w), np.float64)
    batch = np.arange(n)[:, None, None]
    for dy in (0, 1):
        for dx in (0, 1):
            xi, yi = x0 + dx, y0 + dy
            weight = (1 - np.abs(px - xi)) * (1 - np.abs(py - yi))
            inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            vals = x[batch, :, np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]  # (N, H, W, C)
            out += np.moveaxis(vals * (weight * inside)[..., None], -1, 1)
    return out.astype(np.float32)


def imrotate(src: Any, rotation_degrees: Any, zoom_in: bool = False,
             zoom_out: bool = False) -> NDArray:
    """Rotate float32 images ``(C, H, W)`` or ``(N, C, H, W)`` counter-clockwise by
    ``rotation_degrees`` (one number, or one per image); ``zoom_in`` scales up so no padding
    shows, ``zoom_out`` scales down so the whole image stays in view.
    """
    if zoom_in and zoom_out:
        raise AttrError("imrotate: zoom_in and zoom_out cannot both be True")
    x = as_numpy(src)
    if x.dtype != np.float32:
        raise ImageTypeError(f"imrotate: only float32 images are supported, got {x.dtype}")
    if x.ndim not in (3, 4):
        raise AttrError(f"imrotate: expected (C, H, W) or (N, C, H, W), got {x.shape}")
    batch = x if x.ndim == 4 else x[None]
    degrees = np.asarray(as_numpy(rotation_degrees), np.float64)
    if x.ndim == 3 and degrees.ndim:
        raise ImageTypeError("imrotate: one image takes one angle (a number)")
    if degrees.ndim and degrees.shape != (len(batch),):
        raise AttrError(f"imrotate: {len(batch)} images need as many angles, got "
                        f"{degrees.shape}")
    degrees = np.broadcast_to(degrees, (len(batch),))
    out = _rotate_batch(batch, np.pi * degrees / 180, zoom_in, zoom_out)
    return _wrap(out if x.ndim == 4 else out[0])


def random_rotate(src: Any, angle_limits: tuple, zoom_in: bool = False,
                  zoom_out: bool = False) -> NDArray:
    """Rotate by angles drawn uniformly from ``angle_limits`` (degrees; one per image) with
    ``numpy.random``, as MXNet's.
    """
    x = as_numpy(src)
    n = None if x.ndim == 3 else x.shape[0]
    return imrotate(src, np.random.uniform(*angle_limits, size=n), zoom_in, zoom_out)
