"""Image transforms, as MXNet 1.9's ``gluon.data.vision.transforms`` (plus 2.0's
``HybridCompose``).

Transforms take an image ``(H, W, C)`` (``(C, H, W)`` after ``ToTensor``; several accept a batch
with a leading axis) as an NDArray (or a numpy array) and return an NDArray. The ones that are
HybridBlocks call the ``F.image`` ops and hybridize; ``Compose`` hybridizes each run of them into
one graph, as MXNet's does. The others (crops through ``hybrid.image``, rotations,
``RandomApply``) are Blocks. Random draws: the ``F.image`` ops draw from ``hybrid.random``; crops
and ``RandomApply`` from Python's ``random`` and rotations from ``numpy.random``, as MXNet's.
Interpolation codes are OpenCV's: 0 nearest, 1 bilinear (2 bicubic, 3 area, 4 Lanczos in the
Block transforms).
"""

from __future__ import annotations

import random
from numbers import Number
from typing import Any

import numpy as np

from .... import image
from ....base import AttrError, HybridError
from ....ndarray import NDArray
from ..._np_mode import array_class
from ...block import Block, HybridBlock
from ...nn import HybridSequential, Sequential

__all__ = [
    "Compose", "HybridCompose", "Cast", "ToTensor", "Normalize", "Rotate", "RandomRotation",
    "RandomResizedCrop", "CropResize", "CenterCrop", "Resize", "RandomFlipLeftRight",
    "RandomFlipTopBottom", "RandomBrightness", "RandomContrast", "RandomSaturation", "RandomHue",
    "RandomColorJitter", "RandomLighting", "RandomApply",
]


class _Takes:
    """Mixin: numpy inputs are wrapped as NDArrays, ``np.ndarray`` in numpy mode (datasets often
    hold numpy images)."""

    def __call__(self, x: Any, *args: Any) -> Any:
        if isinstance(x, np.ndarray):
            x = array_class()._wrap(x)
        return super().__call__(x, *args)


class Compose(_Takes, Sequential):
    """Apply ``transforms`` in order; each run of consecutive HybridBlocks becomes one
    hybridized ``HybridSequential``.

    Examples
    --------
    >>> import numpy as np
    >>> from hybrid.gluon.data.vision import transforms
    >>> t = transforms.Compose([transforms.Resize(4), transforms.ToTensor()])
    >>> t(np.zeros((8, 8, 3), np.uint8)).shape
    (3, 4, 4)
    """

    def __init__(self, transforms: list):
        super().__init__()
        run: list = []
        for t in list(transforms) + [None]:
            if isinstance(t, HybridBlock):
                run.append(t)
                continue
            if len(run) == 1:
                self.add(run[0])
            elif len(run) > 1:
                block = HybridSequential()
                block.add(*run)
                block.hybridize()
                self.add(block)
            run = []
            if t is not None:
                self.add(t)


class HybridCompose(_Takes, HybridSequential):
    """Apply HybridBlock ``transforms`` in order, as one hybridizable block."""

    def __init__(self, transforms: list):
        super().__init__()
        for t in transforms:
            if not isinstance(t, HybridBlock):
                raise HybridError(f"HybridCompose: {type(t).__name__} is not a HybridBlock")
        self.add(*transforms)


class Cast(_Takes, HybridBlock):
    """Cast to ``dtype`` (default float32)."""

    def __init__(self, dtype: Any = "float32"):
        super().__init__()
        self._dtype = dtype

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.cast(x, self._dtype)


class ToTensor(_Takes, HybridBlock):
    """``(H, W, C)`` (or ``(N, H, W, C)``) in ``[0, 255]`` to float32 ``(C, H, W)``
    (``(N, C, H, W)``) in ``[0, 1]``.
    """

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.image.to_tensor(x)


class Normalize(_Takes, HybridBlock):
    """``(x - mean[c]) / std[c]`` per channel of a ``(C, H, W)`` or ``(N, C, H, W)`` tensor."""

    def __init__(self, mean: Any = 0.0, std: Any = 1.0):
        super().__init__()
        self._mean, self._std = mean, std

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.image.normalize(x, self._mean, self._std)


class Rotate(_Takes, Block):
    """Rotate float32 ``(C, H, W)`` / ``(N, C, H, W)`` images by ``rotation_degrees``."""

    def __init__(self, rotation_degrees: float, zoom_in: bool = False, zoom_out: bool = False):
        super().__init__()
        self._args = (rotation_degrees, zoom_in, zoom_out)

    def forward(self, x: Any) -> NDArray:
        return image.imrotate(x, *self._args)


class RandomRotation(_Takes, Block):
    """Rotate by an angle uniform in ``angle_limits`` with probability ``rotate_with_proba``."""

    def __init__(self, angle_limits: tuple, zoom_in: bool = False, zoom_out: bool = False,
                 rotate_with_proba: float = 1.0):
        super().__init__()
        if angle_limits[0] >= angle_limits[1]:
            raise AttrError(f"RandomRotation: angle_limits must be ordered, got {angle_limits}")
        if not 0 <= rotate_with_proba <= 1:
            raise AttrError(f"RandomRotation: rotate_with_proba must be in [0, 1], got "
                              f"{rotate_with_proba}")
        self._args = (angle_limits, zoom_in, zoom_out)
        self._rotate_with_proba = rotate_with_proba

    def forward(self, x: Any) -> NDArray:
        if np.random.random() > self._rotate_with_proba:
            return x
        return image.random_rotate(x, *self._args)


def _pair(size: Any) -> tuple:
    return (size, size) if isinstance(size, Number) else tuple(size)


class RandomResizedCrop(_Takes, Block):
    """Crop a random region (area fraction in ``scale``, aspect ratio log-uniform in
    ``ratio``) and resize it to ``size`` (w, h); a centre crop after 10 misses.
    """

    def __init__(self, size: Any, scale: tuple = (0.08, 1.0),
                 ratio: tuple = (3.0 / 4.0, 4.0 / 3.0), interpolation: int = 1):
        super().__init__()
        self._args = (_pair(size), scale, ratio, interpolation)

    def forward(self, x: Any) -> NDArray:
        return image.random_size_crop(x, *self._args)[0]


class CropResize(_Takes, HybridBlock):
    """Crop the region at ``(x, y)`` of ``width`` x ``height``, then resize to ``size``."""

    def __init__(self, x: int, y: int, width: int, height: int, size: Any = None,
                 interpolation: int | None = None):
        super().__init__()
        self._box = (x, y, width, height)
        self._size, self._interpolation = size, interpolation

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        out = F.image.crop(x, *self._box)
        if self._size:
            interp = 1 if self._interpolation is None else self._interpolation
            out = F.image.resize(out, self._size, False, interp)
        return out


class CenterCrop(_Takes, Block):
    """Crop the centre to ``size`` (w, h); a smaller image gives the largest centred region of
    that aspect ratio, resized up.
    """

    def __init__(self, size: Any, interpolation: int = 1):
        super().__init__()
        self._args = (_pair(size), interpolation)

    def forward(self, x: Any) -> NDArray:
        return image.center_crop(x, *self._args)[0]


class Resize(_Takes, HybridBlock):
    """Resize to ``size``: ``(width, height)``, or an int (a square; with ``keep_ratio`` the
    shorter side).
    """

    def __init__(self, size: Any, keep_ratio: bool = False, interpolation: int = 1):
        super().__init__()
        self._size, self._keep, self._interpolation = size, keep_ratio, interpolation

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.image.resize(x, self._size, self._keep, self._interpolation)


class RandomFlipLeftRight(_Takes, HybridBlock):
    """Mirror left to right with probability 1/2."""

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.image.random_flip_left_right(x)


class RandomFlipTopBottom(_Takes, HybridBlock):
    """Mirror top to bottom with probability 1/2."""

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.image.random_flip_top_bottom(x)


class _RandomFactor(_Takes, HybridBlock):
    """A colour op with a factor uniform in ``[max(0, 1 - amount), 1 + amount]``."""

    op = ""

    def __init__(self, amount: float):
        super().__init__()
        self._args = (max(0, 1 - amount), 1 + amount)

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return getattr(F.image, self.op)(x, *self._args)


class RandomBrightness(_RandomFactor):
    """Scale the brightness by a factor uniform in ``[max(0, 1 - b), 1 + b]``."""

    op = "random_brightness"


class RandomContrast(_RandomFactor):
    """Scale the contrast by a factor uniform in ``[max(0, 1 - c), 1 + c]``."""

    op = "random_contrast"


class RandomSaturation(_RandomFactor):
    """Scale the saturation by a factor uniform in ``[max(0, 1 - s), 1 + s]``."""

    op = "random_saturation"


class RandomHue(_RandomFactor):
    """Shift the hue by ``alpha * 360`` degrees, alpha uniform in ``[max(0, 1 - h), 1 + h]``
    (MXNet's op semantics).
    """

    op = "random_hue"


class RandomColorJitter(_Takes, HybridBlock):
    """Brightness, contrast, saturation and hue jitter in a random order."""

    def __init__(self, brightness: float = 0, contrast: float = 0, saturation: float = 0,
                 hue: float = 0):
        super().__init__()
        self._args = (brightness, contrast, saturation, hue)

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.image.random_color_jitter(x, *self._args)


class RandomLighting(_Takes, HybridBlock):
    """AlexNet's PCA lighting noise with weights from ``N(0, alpha^2)``."""

    def __init__(self, alpha: float):
        super().__init__()
        self._alpha = alpha

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.image.random_lighting(x, self._alpha)


class RandomApply(_Takes, Sequential):
    """Apply ``transforms`` with probability ``p`` (Python's ``random``)."""

    def __init__(self, transforms: Any, p: float = 0.5):
        super().__init__()
        self.transforms, self.p = transforms, p

    def forward(self, x: Any) -> Any:
        if self.p < random.random():
            return x
        return self.transforms(x)

