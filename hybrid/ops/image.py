"""Image ops (MXNet's ``_image_*``, shown as ``nd.image.*``, ``sym.image.*`` and ``F.image.*``):
layout and geometry (``to_tensor``, ``normalize``, ``resize``, ``crop``, flips). The colour ops
(brightness, contrast, saturation, hue, lighting and their random forms) are in
:mod:`hybrid.ops.image_color`.

Images are ``(H, W, C)`` (or ``(N, H, W, C)`` batches) with 1 or 3 channels, as MXNet's; tensors
after ``to_tensor`` are ``(C, H, W)`` float32. Random ops draw from ``hybrid.random.generator()``.
"""

from __future__ import annotations

import numpy as np

from .. import random as _random
from ..base import AttrError, ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

__all__ = ["resize_hwc", "check_image"]


def check_image(op: str, shape, batch: bool = True) -> None:
    """``shape`` is ``(H, W, C)`` (or ``(N, H, W, C)`` when ``batch``) with C in (1, 3)."""
    dims = (3, 4) if batch else (3,)
    if shape is None:
        return
    if len(shape) not in dims or shape[-1] not in (0, 1, 3):
        want = "(H, W, C) or (N, H, W, C)" if batch else "(H, W, C)"
        raise ShapeError(f"{op}: expected an image {want} with 1 or 3 channels, got "
                         f"{tuple(shape)}")


def _bilinear_taps(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source rows below and above each output pixel centre and the upper one's weight, with
    OpenCV's half-pixel convention and clamping at the borders.
    """
    src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, n_in - 1)
    return lo, hi, (src - lo).astype(np.float32)


def resize_hwc(img: np.ndarray, w: int, h: int, interp: int, op: str = "_image_resize"):
    """``img`` (``(..., H, W, C)``) resized to ``(h, w)`` as OpenCV's ``resize``: 0 nearest
    (source index ``floor(i * in / out)``), 1 bilinear (pixel centres); integer images are
    rounded and saturated. See Note [Resize rounding].
    """
    in_h, in_w = img.shape[-3], img.shape[-2]
    if (in_h, in_w) == (h, w):
        return img.copy()
    if interp == 0:
        rows = np.minimum((np.arange(h) * in_h / h).astype(np.int64), in_h - 1)
        cols = np.minimum((np.arange(w) * in_w / w).astype(np.int64), in_w - 1)
        return img[..., rows[:, None], cols, :]
    if interp != 1:
        raise AttrError(f"{op}: interp={interp} is not supported (0 nearest, 1 bilinear; "
                        f"hybrid.image.imresize has OpenCV's other methods)")
    r0, r1, fr = _bilinear_taps(in_h, h)
    c0, c1, fc = _bilinear_taps(in_w, w)
    x = img.astype(np.float32)
    top = x[..., r0, :, :] * (1 - fr)[:, None, None] + x[..., r1, :, :] * fr[:, None, None]
    out = top[..., c0, :] * (1 - fc)[:, None] + top[..., c1, :] * fc[:, None]  # (..., h, w, C)
    if img.dtype.kind in "iu":
        info = np.iinfo(img.dtype)
        return np.clip(np.rint(out), info.min, info.max).astype(img.dtype)
    return out.astype(img.dtype)


# Note [Resize rounding]
# OpenCV resizes 8-bit images with 11-bit fixed-point weights; hybrid computes in float32 and
# rounds, so bilinear uint8 results can differ from MXNet's by 1 grey level (float images agree to
# float32 rounding). The fixtures test documents this tolerance.


def _image_samples(rng: np.random.Generator) -> list[Sample]:
    return [Sample([rng.uniform(0, 255, (4, 5, 3))]), Sample([rng.uniform(0, 255, (3, 4, 1))])]


@register
class ToTensor(Op):
    """``(H, W, C)`` (or ``(N, H, W, C)``) in ``[0, 255]`` to a float32 tensor ``(C, H, W)``
    (``(N, C, H, W)``) in ``[0, 1]``: ``y = x / 255`` with the channel axis moved first.
    """

    name = "_image_to_tensor"
    differentiable = False  # as MXNet's: a data preparation step (and float32 whatever comes)

    def infer(in_shapes, in_dtypes):
        s = in_shapes[0]
        if s is not None and len(s) not in (3, 4):
            raise ShapeError(f"_image_to_tensor: expected (H, W, C) or (N, H, W, C), got "
                             f"{tuple(s)}")
        out = None if s is None else (*s[:-3], s[-1], s[-3], s[-2])
        return in_shapes, [out], [np.dtype(np.float32)]

    def forward(ctx, x):
        return np.moveaxis(x.astype(np.float32) / np.float32(255.0), -1, -3)

    def samples(rng):
        return [Sample([rng.uniform(0, 255, (4, 5, 3))]),
                Sample([rng.uniform(0, 255, (2, 3, 4, 1))])]


def _per_channel(op: str, name: str, values: tuple, c: int) -> np.ndarray:
    """``values`` (one, or at least ``c``) as a ``(c, 1, 1)`` float32 column."""
    if len(values) == 1:
        return np.full((c, 1, 1), values[0], np.float32)
    if len(values) < c:
        raise AttrError(f"{op}: {name} has {len(values)} values, the input has {c} channels")
    return np.asarray(values[:c], np.float32).reshape(c, 1, 1)


@register
class Normalize(Op):
    """``y = (x - mean[c]) / std[c]`` per channel of a ``(C, H, W)`` or ``(N, C, H, W)``
    tensor (C is 1 or 3); ``mean`` and ``std`` hold one value or one per channel.
    """

    name = "_image_normalize"
    attrs = (Attr("mean", "floats", (0.0, 0.0, 0.0, 0.0)),
             Attr("std", "floats", (1.0, 1.0, 1.0, 1.0)))

    def infer(in_shapes, in_dtypes, mean, std):
        s = in_shapes[0]
        if s is not None:
            if len(s) not in (3, 4) or s[-3] not in (0, 1, 3):
                raise ShapeError(f"_image_normalize: expected (C, H, W) or (N, C, H, W) with 1 "
                                 f"or 3 channels, got {tuple(s)}")
            for name, v in (("mean", mean), ("std", std)):
                _per_channel("_image_normalize", name, v, s[-3] or 1)
        return in_shapes, [s], [in_dtypes[0]]

    def forward(ctx, x, mean, std):
        c = x.shape[-3]
        ctx.std = _per_channel("_image_normalize", "std", std, c)
        m = _per_channel("_image_normalize", "mean", mean, c)
        return ((x - m) / ctx.std).astype(x.dtype, copy=False)

    def vjp(ctx, gy, mean, std):
        return ((gy / ctx.std).astype(gy.dtype, copy=False),)

    def samples(rng):
        return [Sample([rng.normal(size=(3, 4, 5))], {"mean": (0.1, 0.2, 0.3), "std": (1, 2, 3)}),
                Sample([rng.normal(size=(2, 1, 3, 3))], {"mean": 0.5, "std": 0.25})]


def resize_shape(op: str, h: int, w: int, size: tuple, keep_ratio: bool) -> tuple[int, int]:
    """MXNet's output ``(height, width)`` of a resize to ``size`` (``(s,)`` or ``(w, h)``)."""
    if len(size) not in (1, 2) or min(size) <= 0:
        raise AttrError(f"{op}: size must be (size,) or (width, height) of positive ints, got "
                        f"{size}")
    if len(size) == 2:
        return size[1], size[0]
    if not keep_ratio:
        return size[0], size[0]
    if h > w:
        return h * size[0] // w, size[0]
    return size[0], w * size[0] // h


@register
class Resize(Op):
    """Resize an image ``(H, W, C)`` or batch ``(N, H, W, C)`` to ``size``: ``(width,
    height)``, or one int (a square, or with ``keep_ratio`` the short side, the long side
    scaled by the aspect ratio and truncated). ``interp``: 0 nearest, 1 bilinear (OpenCV's
    pixel-centre convention; see Note [Resize rounding]).
    """

    name = "_image_resize"
    attrs = (Attr("size", "shape", ()), Attr("keep_ratio", "bool", False),
             Attr("interp", "int", 1, choices=(0, 1)))
    differentiable = False
    tolerance = {"atol": 1.0}  # uint8 rounding in ONNX Resize vs numpy; See Note [Resize rounding]

    def infer(in_shapes, in_dtypes, size, keep_ratio, interp):
        s = in_shapes[0]
        check_image("_image_resize", s)
        if s is None or 0 in s[-3:-1]:
            return in_shapes, [None], [in_dtypes[0]]
        h, w = resize_shape("_image_resize", s[-3], s[-2], size, keep_ratio)
        return in_shapes, [(*s[:-3], h, w, s[-1])], [in_dtypes[0]]

    def forward(ctx, x, size, keep_ratio, interp):
        h, w = resize_shape("_image_resize", x.shape[-3], x.shape[-2], size, keep_ratio)
        return resize_hwc(x, w, h, interp)

    def samples(rng):
        img = rng.uniform(0, 255, (6, 8, 3))
        return [Sample([img], {"size": (4, 3)}), Sample([img], {"size": 12, "keep_ratio": True}),
                Sample([rng.uniform(0, 255, (2, 4, 4, 1))], {"size": (6, 5), "interp": 0}),
                Sample([rng.integers(0, 256, (5, 7, 3)).astype(np.uint8)], {"size": (9, 4)})]


@register
class Crop(Op):
    """The region ``[y, y + height) x [x, x + width)`` of an image ``(H, W, C)`` or batch
    ``(N, H, W, C)``.
    """

    name = "_image_crop"
    attrs = (Attr("x", "int"), Attr("y", "int"), Attr("width", "int"), Attr("height", "int"))

    def infer(in_shapes, in_dtypes, x, y, width, height):
        s = in_shapes[0]
        check_image("_image_crop", s)
        if width <= 0 or height <= 0 or x < 0 or y < 0:
            raise AttrError(f"_image_crop: x={x}, y={y} must be >= 0 and width={width}, "
                            f"height={height} > 0")
        if s is None:
            return in_shapes, [None], [in_dtypes[0]]
        if (s[-2] and x + width > s[-2]) or (s[-3] and y + height > s[-3]):
            raise ShapeError(f"_image_crop: region x={x}, y={y}, width={width}, height={height} "
                             f"exceeds the image {tuple(s)}")
        return in_shapes, [(*s[:-3], height, width, s[-1])], [in_dtypes[0]]

    def forward(ctx, img, x, y, width, height):
        ctx.shape = img.shape
        return img[..., y : y + height, x : x + width, :].copy()

    def vjp(ctx, gy, x, y, width, height):
        gx = np.zeros(ctx.shape, gy.dtype)
        gx[..., y : y + height, x : x + width, :] = gy
        return (gx,)

    def samples(rng):
        return [Sample([rng.normal(size=(5, 6, 3))], {"x": 1, "y": 2, "width": 4, "height": 2}),
                Sample([rng.normal(size=(2, 4, 4, 1))], {"x": 0, "y": 0, "width": 4, "height": 3})]


class _Flip(Op):
    """Family base: reverse one axis of an image ``(H, W, C)`` (``axis`` counts from the
    channel axis backwards: -2 width, -3 height).
    """

    axis = -2

    @classmethod
    def infer(cls, in_shapes, in_dtypes):
        check_image(cls.name, in_shapes[0])
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    @classmethod
    def forward(cls, ctx, x):
        return np.flip(x, cls.axis).copy()

    @classmethod
    def vjp(cls, ctx, gy):
        return (np.flip(gy, cls.axis).copy(),)

    samples = _image_samples


@register
class FlipLeftRight(_Flip):
    """Mirror an image ``(H, W, C)`` left to right (reverse the width axis)."""

    name = "_image_flip_left_right"


@register
class FlipTopBottom(_Flip):
    """Mirror an image ``(H, W, C)`` top to bottom (reverse the height axis)."""

    name = "_image_flip_top_bottom"
    axis = -3


class _RandomFlip(Op):
    """Family base: mirror with probability 1/2 (one draw per call)."""

    axis = -2
    samples = _image_samples
    differentiable = False
    deterministic = False
    xfail = {"onnx": "a data augmentation: it draws per call and has no ONNX form; export "
                     "the network without its input transforms"}

    @classmethod
    def infer(cls, in_shapes, in_dtypes):
        check_image(cls.name, in_shapes[0], batch=False)
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    @classmethod
    def forward(cls, ctx, x):
        flip = _random.generator().random() < 0.5
        return np.flip(x, cls.axis).copy() if flip else x.copy()


@register
class RandomFlipLeftRight(_RandomFlip):
    """Mirror an image ``(H, W, C)`` left to right with probability 1/2."""

    name = "_image_random_flip_left_right"


@register
class RandomFlipTopBottom(_RandomFlip):
    """Mirror an image ``(H, W, C)`` top to bottom with probability 1/2."""

    name = "_image_random_flip_top_bottom"
    axis = -3
