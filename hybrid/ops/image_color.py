"""Colour ops on images ``(H, W, C)`` with 1 or 3 channels (MXNet's ``_image_random_brightness``,
``..._contrast``, ``..._saturation``, ``..._hue``, ``..._color_jitter``, ``_image_adjust_lighting``
and ``_image_random_lighting``).

Arithmetic is float32 as MXNet's kernels; results go back to the input dtype with MXNet's
``saturate_cast`` (uint8: clipped to [0, 255], then truncated). The random forms draw one factor per
call from ``hybrid.random.generator()``.
"""

from __future__ import annotations

import numpy as np

from .. import random as _random
from .attrs import Attr
from .image import check_image
from .registry import Op, Sample, register

__all__: list[str] = []

_GRAY = np.array([0.299, 0.587, 0.114], np.float32)
# ImageNet's RGB eigenvectors (columns) scaled by their eigenvalues, as MXNet's lighting kernel.
_EIG = np.array([[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140],
                 [-0.5836, -0.6948, 0.4203]], np.float32) * np.float32([55.46, 4.794, 1.148])
_NO_ONNX = {"onnx": "a data augmentation: it draws per call and has no ONNX form; export the "
                    "network without its input transforms"}


def _saturate(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """MXNet's ``saturate_cast`` from float32: uint8 clips to [0, 255] and truncates."""
    if dtype == np.uint8:
        return np.clip(x, 0, 255).astype(np.uint8)
    return x.astype(dtype)


def brightness(x: np.ndarray, alpha: float) -> np.ndarray:
    """``x * alpha``."""
    return _saturate(x.astype(np.float32) * np.float32(alpha), x.dtype)


def contrast(x: np.ndarray, alpha: float) -> np.ndarray:
    """``x * alpha + (1 - alpha) * mean grey`` (grey of RGB: 0.299 R + 0.587 G + 0.114 B)."""
    f = x.astype(np.float32)
    grey = f[..., 0] if x.shape[-1] == 1 else f @ _GRAY
    beta = np.float32(1 - alpha) * np.float32(grey.mean(dtype=np.float64))
    return _saturate(f * np.float32(alpha) + beta, x.dtype)


def saturation(x: np.ndarray, alpha: float) -> np.ndarray:
    """``x * alpha + (1 - alpha) * grey`` per pixel; grey images are unchanged.

    NOTE: MXNet 1.9's kernel assigns instead of summing in its grey loop, so its "grey" is
    ``0.114 * B``; hybrid follows MXNet's code (the contract), not its docstring.
    """
    if x.shape[-1] == 1:
        return x.copy()
    f = x.astype(np.float32)
    grey = f[..., 2:3] * _GRAY[2] * np.float32(1 - alpha)
    return _saturate(grey + f * np.float32(alpha), x.dtype)


def _rgb_to_hls(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hue in degrees, lightness and saturation in [0, 1] of RGB values in [0, 255]."""
    r, g, b = np.moveaxis(rgb / np.float32(255), -1, 0)
    vmax, vmin = rgb.max(-1) / np.float32(255), rgb.min(-1) / np.float32(255)
    diff = vmax - vmin
    light = (vmax + vmin) * np.float32(0.5)
    chroma = diff > np.finfo(np.float32).eps
    safe = np.where(chroma, diff, 1)
    sat = np.where(light < 0.5, diff / np.where(chroma, vmax + vmin, 1),
                   diff / np.where(chroma, 2 - vmax - vmin, 1))
    scale = np.float32(60) / safe
    hue = np.where(vmax == r, (g - b) * scale,
                   np.where(vmax == g, (b - r) * scale + 120, (r - g) * scale + 240))
    hue = np.where(hue < 0, hue + 360, hue)
    return np.where(chroma, hue, 0), light, np.where(chroma, sat, 0)


# Which of (p2, p1, rising, falling) gives B, G, R in each 60-degree hue sector (MXNet's table).
_SECTORS = np.array([[1, 3, 0], [1, 0, 2], [3, 0, 1], [0, 2, 1], [0, 1, 3], [2, 1, 0]])


def _hls_to_rgb(hue: np.ndarray, light: np.ndarray, sat: np.ndarray) -> np.ndarray:
    """RGB in [0, 255] from hue (degrees, any value), lightness and saturation."""
    p2 = np.where(light <= 0.5, light * (1 + sat), light + sat - light * sat)
    p1 = 2 * light - p2
    h = np.mod(hue / np.float32(60), 6).astype(np.float32)
    sector = np.minimum(h.astype(np.int64), 5)
    frac = h - sector
    tab = np.stack([p2, p1, p1 + (p2 - p1) * (1 - frac), p1 + (p2 - p1) * frac], -1)
    bgr = np.take_along_axis(tab, _SECTORS[sector], -1)
    rgb = np.where((sat == 0)[..., None], light[..., None], bgr[..., ::-1])
    return rgb * np.float32(255)


def hue(x: np.ndarray, alpha: float) -> np.ndarray:
    """Rotate the hue by ``alpha * 360`` degrees through HLS; grey images are unchanged."""
    if x.shape[-1] == 1:
        return x.copy()
    h, light, s = _rgb_to_hls(x.astype(np.float32))
    return _saturate(_hls_to_rgb(h + np.float32(alpha * 360), light, s), x.dtype)


def lighting(x: np.ndarray, alpha: tuple) -> np.ndarray:
    """AlexNet's PCA lighting noise: ``x + eig @ alpha`` per RGB pixel; grey images unchanged."""
    if x.shape[-1] == 1:
        return x.copy()
    shift = _EIG @ np.asarray(alpha[:3], np.float32)
    return _saturate(x.astype(np.float32) + shift, x.dtype)


class _ColorOp(Op):
    """Family base: one image ``(H, W, C)`` in, one of the same shape and dtype out."""

    differentiable = False

    @classmethod
    def infer(cls, in_shapes, in_dtypes, **attrs):
        check_image(cls.name, in_shapes[0], batch=False)
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    def samples(rng):
        return [Sample([rng.integers(0, 256, (4, 5, 3)).astype(np.uint8)]),
                Sample([rng.uniform(0, 255, (3, 4, 3))]),
                Sample([rng.integers(0, 256, (3, 3, 1)).astype(np.uint8)])]


_FACTORS = (Attr("min_factor", "float", check=(lambda v: v >= 0, ">= 0")),
            Attr("max_factor", "float", check=(lambda v: v >= 0, ">= 0")))


def _declare_random(name: str, adjust, doc: str) -> None:
    """``_image_random_<name>``: ``adjust(x, alpha)`` with alpha uniform in [min, max)."""

    def forward(ctx, x, min_factor, max_factor):
        alpha = _random.generator().uniform(min_factor, max_factor)
        return adjust(x, alpha)

    def samples(rng):
        return [Sample(s.inputs, {"min_factor": 0.5, "max_factor": 1.5})
                for s in _ColorOp.samples(rng)]

    body = {"name": f"_image_random_{name}", "attrs": _FACTORS, "deterministic": False,
            "xfail": _NO_ONNX, "forward": forward, "samples": samples,
            "__doc__": f"{doc}\n\nThe factor ``alpha`` is drawn uniformly from ``[min_factor, "
                       f"max_factor)`` once per call."}
    register(type(body["name"], (_ColorOp,), body))


_declare_random("brightness", brightness, "Scale the brightness: ``y = x * alpha``.")
_declare_random("contrast", contrast,
                "Scale the contrast: ``y = x * alpha + (1 - alpha) * mean(grey(x))``.")
_declare_random("saturation", saturation,
                "Scale the saturation: ``y = x * alpha + (1 - alpha) * grey``; see "
                "``hybrid.ops.image_color.saturation`` for MXNet's grey.")
_declare_random("hue", hue, "Rotate the hue by ``alpha * 360`` degrees (through HLS).")


@register
class RandomColorJitter(_ColorOp):
    """Brightness, contrast, saturation and hue jitter in a random order: factors ``1 + u`` for
    u uniform in ``[-brightness, brightness)`` (and so on; hue shifts by ``u * 360`` degrees);
    an amount of 0 skips that step.
    """

    name = "_image_random_color_jitter"
    attrs = tuple(Attr(n, "float") for n in ("brightness", "contrast", "saturation", "hue"))
    deterministic = False
    xfail = _NO_ONNX

    def forward(ctx, x, **amounts):
        rng = _random.generator()
        steps = [("brightness", brightness, 1), ("contrast", contrast, 1),
                 ("saturation", saturation, 1), ("hue", hue, 0)]
        y = x
        for i in rng.permutation(4):
            key, adjust, base = steps[i]
            if amounts[key] > 0:
                y = adjust(y, base + rng.uniform(-amounts[key], amounts[key]))
        return y.copy() if y is x else y

    def samples(rng):
        amounts = {"brightness": 0.3, "contrast": 0.2, "saturation": 0.4, "hue": 0.1}
        return [Sample(s.inputs, amounts) for s in _ColorOp.samples(rng)]


@register
class AdjustLighting(_ColorOp):
    """Add AlexNet's PCA lighting noise with given weights ``alpha`` (R, G, B):
    ``y = x + (eigvec * eigval) @ alpha`` with ImageNet's eigenvalues and eigenvectors.
    """

    name = "_image_adjust_lighting"
    attrs = (Attr("alpha", "floats"),)

    def forward(ctx, x, alpha):
        return lighting(x, alpha)

    def samples(rng):
        return [Sample(s.inputs, {"alpha": (0.5, -0.3, 0.8)}) for s in _ColorOp.samples(rng)]


@register
class RandomLighting(_ColorOp):
    """PCA lighting noise with weights drawn from ``N(0, alpha_std^2)`` once per call."""

    name = "_image_random_lighting"
    attrs = (Attr("alpha_std", "float", 0.05),)
    deterministic = False
    xfail = _NO_ONNX

    def forward(ctx, x, alpha_std):
        return lighting(x, tuple(_random.generator().normal(0, alpha_std, 3)))
