"""The image codec: OpenCV's headless wheel (the ``image`` extra), imported on first use.

See the package docstring (:mod:`hybrid.image`) for why OpenCV rather than Pillow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..base import HybridError

__all__ = ["cv2", "cv2_decode", "cv2_encode", "ImageDecodeError"]


class ImageDecodeError(HybridError):
    """Bytes that are not a decodable image (corrupt, truncated or of an unknown format)."""


_cv2: Any = None


def cv2() -> Any:
    """The ``cv2`` module, with a clear error when the ``image`` extra is not installed."""
    global _cv2
    if _cv2 is None:
        try:
            import cv2 as module
        except ImportError:
            raise HybridError(
                "hybrid.image needs OpenCV: pip install 'hybrid[image]' (opencv-python-headless)"
            ) from None
        # NOTE: one thread per call: DataLoader workers and ImageRecordIter threads decode in
        # parallel already, and OpenCV's own pool oversubscribes the cores.
        module.setNumThreads(1)
        _cv2 = module
    return _cv2


def cv2_decode(buf: bytes | np.ndarray, flag: int, where: str) -> np.ndarray:
    """OpenCV's ``imdecode`` of ``buf`` with its flag (-1 as stored, 0 gray, 1 colour), in
    OpenCV's BGR order; an error naming ``where`` when the bytes are no image.
    """
    raw = np.frombuffer(buf, np.uint8) if not isinstance(buf, np.ndarray) else buf
    img = cv2().imdecode(raw, flag) if raw.size else None
    if img is None:
        raise ImageDecodeError(
            f"{where}: cannot decode {raw.size} bytes as an image (corrupt, truncated or not "
            f"JPEG/PNG/BMP...)"
        )
    return img


def cv2_encode(img: np.ndarray, img_fmt: str, quality: int) -> bytes:
    """``img`` (BGR as OpenCV's) encoded as ``img_fmt`` ('.jpg' with JPEG ``quality`` 0-100,
    '.png' with compression level ``quality`` 0-9).
    """
    cv = cv2()
    fmt = img_fmt.lower()
    if fmt in (".jpg", ".jpeg"):
        params = [cv.IMWRITE_JPEG_QUALITY, int(quality)]
    elif fmt == ".png":
        params = [cv.IMWRITE_PNG_COMPRESSION, int(quality)]
    else:
        params = []
    ok, encoded = cv.imencode(img_fmt, img, params)
    if not ok:
        raise HybridError(f"pack_img: OpenCV cannot encode an image of shape {img.shape} as "
                          f"{img_fmt}")
    return encoded.tobytes()
