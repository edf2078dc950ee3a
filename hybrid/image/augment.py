"""Augmenters of ``mx.image`` (MXNet 1.9's classes, names and arguments) and ``CreateAugmenter``.

Each augmenter maps an image NDArray ``(H, W, C)`` to an image NDArray. Random draws use Python's
``random`` (and ``numpy.random`` for the lighting noise), exactly as MXNet's augmenters do, so the
same seeds give MXNet's results.
"""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np

from ..base import HybridError
from ..ndarray import NDArray
from .image import (
    _get_interp_method,
    _wrap,
    as_numpy,
    center_crop,
    color_normalize,
    imresize,
    random_crop,
    random_size_crop,
    resize_short,
)

__all__ = [
    "Augmenter",
    "SequentialAug",
    "ResizeAug",
    "ForceResizeAug",
    "RandomCropAug",
    "RandomSizedCropAug",
    "CenterCropAug",
    "RandomOrderAug",
    "BrightnessJitterAug",
    "ContrastJitterAug",
    "SaturationJitterAug",
    "HueJitterAug",
    "ColorJitterAug",
    "LightingAug",
    "ColorNormalizeAug",
    "RandomGrayAug",
    "HorizontalFlipAug",
    "CastAug",
    "CreateAugmenter",
]

_GRAY = np.array([0.299, 0.587, 0.114], np.float32)


class Augmenter:
    """Base class: keeps its keyword arguments for :meth:`dumps`."""

    def __init__(self, **kwargs: Any):
        self._kwargs = {k: as_numpy(v).tolist() if isinstance(v, (NDArray, np.ndarray)) else v
                        for k, v in kwargs.items()}

    def dumps(self) -> str:
        """The augmenter as a JSON string ``[name, kwargs]``."""
        return json.dumps([type(self).__name__.lower(), self._kwargs])

    def __call__(self, src: NDArray) -> NDArray:
        raise NotImplementedError(f"{type(self).__name__} must define __call__")


class SequentialAug(Augmenter):
    """Apply the augmenters ``ts`` in order."""

    def __init__(self, ts: list):
        super().__init__()
        self.ts = ts

    def dumps(self) -> list:
        return [type(self).__name__.lower(), [t.dumps() for t in self.ts]]

    def __call__(self, src: NDArray) -> NDArray:
        for aug in self.ts:
            src = aug(src)
        return src


class RandomOrderAug(SequentialAug):
    """Apply the augmenters ``ts`` in a random order (shuffled in place per call)."""

    def __call__(self, src: NDArray) -> NDArray:
        random.shuffle(self.ts)
        return super().__call__(src)


class _Sized(Augmenter):
    def __init__(self, size: Any, interp: int = 2):
        super().__init__(size=size, interp=interp)
        self.size, self.interp = size, interp


class ResizeAug(_Sized):
    """Resize the shorter side to ``size``."""

    def __call__(self, src: NDArray) -> NDArray:
        return resize_short(src, self.size, self.interp)


class ForceResizeAug(_Sized):
    """Resize to ``size`` (w, h), ignoring the aspect ratio."""

    def __call__(self, src: NDArray) -> NDArray:
        h, w = src.shape[:2]
        sizes = (h, w, self.size[1], self.size[0])
        return imresize(src, *self.size, interp=_get_interp_method(self.interp, sizes))


class RandomCropAug(_Sized):
    """A random crop of ``size`` (w, h)."""

    def __call__(self, src: NDArray) -> NDArray:
        return random_crop(src, self.size, self.interp)[0]


class CenterCropAug(_Sized):
    """The centre crop of ``size`` (w, h)."""

    def __call__(self, src: NDArray) -> NDArray:
        return center_crop(src, self.size, self.interp)[0]


class RandomSizedCropAug(Augmenter):
    """A crop of random area fraction ``area`` and aspect ``ratio`` resized to ``size``."""

    def __init__(self, size: Any, area: Any, ratio: tuple, interp: int = 2, **kwargs: Any):
        area = kwargs.pop("min_area", area)
        if kwargs:
            raise HybridError(f"RandomSizedCropAug: unexpected arguments {sorted(kwargs)}")
        super().__init__(size=size, area=area, ratio=ratio, interp=interp)
        self.size, self.area, self.ratio, self.interp = size, area, ratio, interp

    def __call__(self, src: NDArray) -> NDArray:
        return random_size_crop(src, self.size, self.area, self.ratio, self.interp)[0]


def _float(src: Any) -> np.ndarray:
    return as_numpy(src).astype(np.float32, copy=False)


class BrightnessJitterAug(Augmenter):
    """Scale by ``1 + u``, u uniform in ``[-brightness, brightness]``."""

    def __init__(self, brightness: float):
        super().__init__(brightness=brightness)
        self.brightness = brightness

    def __call__(self, src: NDArray) -> NDArray:
        alpha = 1.0 + random.uniform(-self.brightness, self.brightness)
        return _wrap(_float(src) * np.float32(alpha))


class ContrastJitterAug(Augmenter):
    """Blend with the mean grey level by ``1 + u``, u uniform in ``[-contrast, contrast]``."""

    def __init__(self, contrast: float):
        super().__init__(contrast=contrast)
        self.contrast = contrast

    def __call__(self, src: NDArray) -> NDArray:
        alpha = 1.0 + random.uniform(-self.contrast, self.contrast)
        x = _float(src)
        grey = x * _GRAY
        shift = np.float32(3.0 * (1.0 - alpha) / grey.size) * grey.sum(dtype=np.float32)
        return _wrap(x * np.float32(alpha) + shift)


class SaturationJitterAug(Augmenter):
    """Blend each pixel with its grey by ``1 + u``, u uniform in ``[-saturation, saturation]``."""

    def __init__(self, saturation: float):
        super().__init__(saturation=saturation)
        self.saturation = saturation

    def __call__(self, src: NDArray) -> NDArray:
        alpha = 1.0 + random.uniform(-self.saturation, self.saturation)
        x = _float(src)
        grey = (x * _GRAY).sum(axis=2, keepdims=True) * np.float32(1.0 - alpha)
        return _wrap(x * np.float32(alpha) + grey)


class HueJitterAug(Augmenter):
    """Rotate the hue in YIQ space by ``u * pi``, u uniform in ``[-hue, hue]``."""

    _TYIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.321], [0.211, -0.523, 0.311]])
    _ITYIQ = np.array([[1.0, 0.956, 0.621], [1.0, -0.272, -0.647], [1.0, -1.107, 1.705]])

    def __init__(self, hue: float):
        super().__init__(hue=hue)
        self.hue = hue

    def __call__(self, src: NDArray) -> NDArray:
        alpha = random.uniform(-self.hue, self.hue)
        u, w = np.cos(alpha * np.pi), np.sin(alpha * np.pi)
        bt = np.array([[1.0, 0.0, 0.0], [0.0, u, -w], [0.0, w, u]])
        t = (self._ITYIQ @ bt @ self._TYIQ).T.astype(np.float32)
        return _wrap(_float(src) @ t)


class ColorJitterAug(RandomOrderAug):
    """Brightness, contrast and saturation jitter (those above 0) in a random order."""

    def __init__(self, brightness: float, contrast: float, saturation: float):
        ts = []
        if brightness > 0:
            ts.append(BrightnessJitterAug(brightness))
        if contrast > 0:
            ts.append(ContrastJitterAug(contrast))
        if saturation > 0:
            ts.append(SaturationJitterAug(saturation))
        super().__init__(ts)


class LightingAug(Augmenter):
    """AlexNet's PCA lighting noise: add ``eigvec @ (alpha * eigval)``, alpha drawn from
    ``N(0, alphastd^2)`` by ``numpy.random``.
    """

    def __init__(self, alphastd: float, eigval: Any, eigvec: Any):
        super().__init__(alphastd=alphastd, eigval=eigval, eigvec=eigvec)
        self.alphastd, self.eigval, self.eigvec = alphastd, eigval, eigvec

    def __call__(self, src: NDArray) -> NDArray:
        alpha = np.random.normal(0, self.alphastd, size=(3,))
        rgb = np.dot(np.asarray(self.eigvec) * alpha, np.asarray(self.eigval))
        return _wrap(_float(src) + rgb.astype(np.float32))


class ColorNormalizeAug(Augmenter):
    """``(src - mean) / std``."""

    def __init__(self, mean: Any, std: Any):
        super().__init__(mean=mean, std=std)
        self.mean = None if mean is None else np.asarray(as_numpy(mean), np.float32)
        self.std = None if std is None else np.asarray(as_numpy(std), np.float32)

    def __call__(self, src: NDArray) -> NDArray:
        return color_normalize(src, self.mean, self.std)


class RandomGrayAug(Augmenter):
    """Turn grey (0.21 R + 0.72 G + 0.07 B in every channel) with probability ``p``."""

    _MAT = np.array([[0.21, 0.21, 0.21], [0.72, 0.72, 0.72], [0.07, 0.07, 0.07]], np.float32)

    def __init__(self, p: float):
        super().__init__(p=p)
        self.p = p

    def __call__(self, src: NDArray) -> NDArray:
        if random.random() < self.p:
            return _wrap(_float(src) @ self._MAT)
        return src


class HorizontalFlipAug(Augmenter):
    """Mirror left to right with probability ``p``."""

    def __init__(self, p: float):
        super().__init__(p=p)
        self.p = p

    def __call__(self, src: NDArray) -> NDArray:
        if random.random() < self.p:
            return _wrap(as_numpy(src)[:, ::-1])
        return src


class CastAug(Augmenter):
    """Cast to ``typ`` (default float32)."""

    def __init__(self, typ: str = "float32"):
        super().__init__(type=typ)
        self.typ = typ

    def __call__(self, src: NDArray) -> NDArray:
        return _wrap(as_numpy(src).astype(self.typ))


_PCA_EIGVAL = np.array([55.46, 4.794, 1.148])
_PCA_EIGVEC = np.array([[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140],
                        [-0.5836, -0.6948, 0.4203]])


def CreateAugmenter(data_shape: tuple, resize: int = 0, rand_crop: bool = False,
                    rand_resize: bool = False, rand_mirror: bool = False, mean: Any = None,
                    std: Any = None, brightness: float = 0, contrast: float = 0,
                    saturation: float = 0, hue: float = 0, pca_noise: float = 0,
                    rand_gray: float = 0, inter_method: int = 2) -> list:
    """MXNet's standard augmenter list for ``data_shape`` (C, H, W): optional short-side
    resize, a crop (random-sized, random or centre), mirror, cast to float32, colour jitter,
    hue, PCA noise, random grey, normalisation (``mean``/``std`` True: ImageNet's values).
    """
    auglist: list = []
    if resize > 0:
        auglist.append(ResizeAug(resize, inter_method))
    crop_size = (data_shape[2], data_shape[1])
    if rand_resize:
        if not rand_crop:
            raise HybridError("CreateAugmenter: rand_resize needs rand_crop")
        auglist.append(RandomSizedCropAug(crop_size, 0.08, (3.0 / 4.0, 4.0 / 3.0), inter_method))
    elif rand_crop:
        auglist.append(RandomCropAug(crop_size, inter_method))
    else:
        auglist.append(CenterCropAug(crop_size, inter_method))
    if rand_mirror:
        auglist.append(HorizontalFlipAug(0.5))
    auglist.append(CastAug())
    if brightness or contrast or saturation:
        auglist.append(ColorJitterAug(brightness, contrast, saturation))
    if hue:
        auglist.append(HueJitterAug(hue))
    if pca_noise > 0:
        auglist.append(LightingAug(pca_noise, _PCA_EIGVAL, _PCA_EIGVEC))
    if rand_gray > 0:
        auglist.append(RandomGrayAug(rand_gray))
    if mean is True:
        mean = np.array([123.68, 116.28, 103.53])
    if std is True:
        std = np.array([58.395, 57.12, 57.375])
    for name, v in (("mean", mean), ("std", std)):
        if v is not None and as_numpy(v).shape[0] not in (1, 3):
            raise HybridError(f"CreateAugmenter: {name} must have 1 or 3 values, got "
                              f"{as_numpy(v).shape}")
    if mean is not None or std is not None:
        auglist.append(ColorNormalizeAug(mean, std))
    return auglist
