"""Image transforms, as MXNet 1.9's ``gluon.data.vision.transforms``.

Each transform is a :class:`~hybrid.gluon.block.Block` applied to one image ``(H, W, C)`` or a
batch ``(N, H, W, C)`` (``(C, H, W)`` / ``(N, C, H, W)`` after ``ToTensor``), given as an NDArray
or a numpy array, and returns an NDArray. They run on numpy, outside autograd: they prepare data.
Random transforms draw from ``hybrid.random.generator()``. Interpolation codes are MXNet's
(OpenCV's): 0 nearest, 1 bilinear.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .... import random
from ....base import HybridError
from ....ndarray import NDArray
from ...block import Block

__all__ = [
    "Compose",
    "Cast",
    "ToTensor",
    "Normalize",
    "Resize",
    "CenterCrop",
    "RandomResizedCrop",
    "RandomFlipLeftRight",
    "RandomFlipTopBottom",
]


def _numpy(x: Any) -> np.ndarray:
    return x._data if isinstance(x, NDArray) else np.asarray(x)


def _size_wh(size: int | Sequence[int]) -> tuple[int, int]:
    """MXNet's ``size``: an int (square) or ``(width, height)``."""
    if isinstance(size, (int, np.integer)):
        return int(size), int(size)
    w, h = size
    return int(w), int(h)


def _resize(img: np.ndarray, w: int, h: int, interpolation: int) -> np.ndarray:
    """``img`` (``(..., H, W, C)``) resized to ``(h, w)``, OpenCV's pixel-centre convention; the
    dtype is kept (integers are rounded).
    """
    in_h, in_w = img.shape[-3], img.shape[-2]
    if (in_h, in_w) == (h, w):
        return img
    if interpolation == 0:
        rows = np.minimum((np.arange(h) * in_h / h).astype(np.int64), in_h - 1)
        cols = np.minimum((np.arange(w) * in_w / w).astype(np.int64), in_w - 1)
        return img[..., rows[:, None], cols, :]
    if interpolation != 1:
        raise HybridError(
            f"Resize: interpolation {interpolation} is not supported (0 nearest, 1 bilinear)"
        )
    r0, r1, fr = _bilinear_taps(in_h, h)
    c0, c1, fc = _bilinear_taps(in_w, w)
    x = img.astype(np.float32)
    top = x[..., r0, :, :] * (1 - fr)[:, None, None] + x[..., r1, :, :] * fr[:, None, None]
    out = top[..., c0, :] * (1 - fc)[:, None] + top[..., c1, :] * fc[:, None]  # (..., h, w, C)
    if img.dtype.kind in "iu":
        info = np.iinfo(img.dtype)
        return np.clip(np.rint(out), info.min, info.max).astype(img.dtype)
    return out.astype(img.dtype)


def _bilinear_taps(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source indices below and above each output pixel centre, and the weight of the upper."""
    src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, n_in - 1)
    return lo, hi, (src - lo).astype(np.float32)


def _crop(img: np.ndarray, x0: int, y0: int, w: int, h: int) -> np.ndarray:
    return img[..., y0 : y0 + h, x0 : x0 + w, :]


class _Transform(Block):
    """A data transform: ``forward`` maps a numpy image to a numpy image."""

    def forward(self, x: Any) -> NDArray:
        return NDArray._wrap(np.ascontiguousarray(self._apply(_numpy(x))))

    def _apply(self, img: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Compose(_Transform):
    """Apply ``transforms`` one after another.

    Examples
    --------
    >>> import numpy as np
    >>> from hybrid.gluon.data.vision import transforms
    >>> t = transforms.Compose([transforms.Resize(4), transforms.ToTensor()])
    >>> t(np.zeros((8, 8, 3), np.uint8)).shape
    (3, 4, 4)
    """

    def __init__(self, transforms: Sequence[Any]):
        super().__init__()
        self._transforms = list(transforms)

    def forward(self, x: Any) -> Any:
        for t in self._transforms:
            x = t(x)
        return x


class Cast(_Transform):
    """Cast to ``dtype`` (default float32)."""

    def __init__(self, dtype: Any = "float32"):
        super().__init__()
        self._dtype = np.dtype(dtype)

    def _apply(self, img: np.ndarray) -> np.ndarray:
        return img.astype(self._dtype)


class ToTensor(_Transform):
    """``(H, W, C)`` (or ``(N, H, W, C)``) in ``[0, 255]`` to ``(C, H, W)`` (``(N, C, H, W)``)
    float32 in ``[0, 1]``.
    """

    def _apply(self, img: np.ndarray) -> np.ndarray:
        if img.ndim not in (3, 4):
            raise HybridError(f"ToTensor: expected (H, W, C) or (N, H, W, C), got {img.shape}")
        return np.moveaxis(img.astype(np.float32) / 255.0, -1, -3)


class Normalize(_Transform):
    """``(x - mean[c]) / std[c]`` per channel of a ``(C, H, W)`` or ``(N, C, H, W)`` tensor;
    ``mean`` and ``std`` are numbers or one value per channel.
    """

    def __init__(self, mean: float | Sequence[float] = 0.0, std: float | Sequence[float] = 1.0):
        super().__init__()
        self._mean = np.asarray(mean, np.float32).reshape(-1, 1, 1)
        self._std = np.asarray(std, np.float32).reshape(-1, 1, 1)

    def _apply(self, img: np.ndarray) -> np.ndarray:
        c = img.shape[-3] if img.ndim >= 3 else 0
        for name, v in (("mean", self._mean), ("std", self._std)):
            if v.shape[0] not in (1, c):
                raise HybridError(
                    f"Normalize: {name} has {v.shape[0]} values, the input {img.shape} has {c} "
                    f"channels"
                )
        return ((img - self._mean) / self._std).astype(img.dtype, copy=False)


class Resize(_Transform):
    """Resize to ``size`` (an int for a square, or ``(width, height)``).

    With ``keep_ratio=True`` and an int ``size``, the shorter side becomes ``size`` and the other
    keeps the aspect ratio.
    """

    def __init__(self, size: int | Sequence[int], keep_ratio: bool = False, interpolation: int = 1):
        super().__init__()
        self._size, self._keep_ratio, self._interpolation = size, keep_ratio, interpolation

    def _apply(self, img: np.ndarray) -> np.ndarray:
        h, w = img.shape[-3], img.shape[-2]
        if self._keep_ratio and isinstance(self._size, (int, np.integer)):
            short = int(self._size)
            if h > w:
                new_w, new_h = short, int(short * h / w)
            else:
                new_w, new_h = int(short * w / h), short
        else:
            new_w, new_h = _size_wh(self._size)
        return _resize(img, new_w, new_h, self._interpolation)


class CenterCrop(_Transform):
    """Crop the centre to ``size`` (int or ``(width, height)``); an image smaller than ``size``
    is cropped to the largest centred region of the same aspect ratio and resized up.
    """

    def __init__(self, size: int | Sequence[int], interpolation: int = 1):
        super().__init__()
        self._size, self._interpolation = _size_wh(size), interpolation

    def _apply(self, img: np.ndarray) -> np.ndarray:
        h, w = img.shape[-3], img.shape[-2]
        out_w, out_h = self._size
        scale = min(1.0, w / out_w, h / out_h)
        crop_w, crop_h = int(out_w * scale), int(out_h * scale)
        x0, y0 = (w - crop_w) // 2, (h - crop_h) // 2
        return _resize(_crop(img, x0, y0, crop_w, crop_h), out_w, out_h, self._interpolation)


class RandomResizedCrop(_Transform):
    """Crop a random region (area a fraction in ``scale`` of the image, aspect ratio in
    ``ratio``, log-uniform) and resize it to ``size``; after 10 failed draws, a centre crop.
    """

    def __init__(
        self,
        size: int | Sequence[int],
        scale: tuple[float, float] = (0.08, 1.0),
        ratio: tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0),
        interpolation: int = 1,
    ):
        super().__init__()
        self._size, self._scale, self._ratio = _size_wh(size), scale, ratio
        self._interpolation = interpolation

    def _apply(self, img: np.ndarray) -> np.ndarray:
        h, w = img.shape[-3], img.shape[-2]
        rng = random.generator()
        log_ratio = (math.log(self._ratio[0]), math.log(self._ratio[1]))
        for _ in range(10):
            area = rng.uniform(*self._scale) * h * w
            aspect = math.exp(rng.uniform(*log_ratio))
            crop_w = int(round(math.sqrt(area * aspect)))
            crop_h = int(round(math.sqrt(area / aspect)))
            if 0 < crop_w <= w and 0 < crop_h <= h:
                x0 = int(rng.integers(0, w - crop_w + 1))
                y0 = int(rng.integers(0, h - crop_h + 1))
                crop = _crop(img, x0, y0, crop_w, crop_h)
                return _resize(crop, *self._size, self._interpolation)
        return CenterCrop(self._size, self._interpolation)._apply(img)


class RandomFlipLeftRight(_Transform):
    """Flip horizontally (the width axis) with probability 1/2."""

    def _apply(self, img: np.ndarray) -> np.ndarray:
        return img[..., ::-1, :] if random.generator().random() < 0.5 else img


class RandomFlipTopBottom(_Transform):
    """Flip vertically (the height axis) with probability 1/2."""

    def _apply(self, img: np.ndarray) -> np.ndarray:
        return img[..., ::-1, :, :] if random.generator().random() < 0.5 else img
