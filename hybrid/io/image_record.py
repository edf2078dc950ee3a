"""``ImageRecordIter``: MXNet's C++ image record iterator, as an :class:`hybrid.image.ImageIter`
with the C++ iterator's arguments and default augmentation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ImageRecordIter"]


class _MeanStdScale:
    """``(x - mean) / std * scale`` per RGB channel (the C++ iterator's normalisation)."""

    def __init__(self, mean: np.ndarray, std: np.ndarray, scale: float):
        self.mean, self.std, self.scale = mean, std, np.float32(scale)

    def __call__(self, src: Any) -> Any:
        from ..image.image import _wrap, as_numpy

        return _wrap((as_numpy(src) - self.mean) / self.std * self.scale)


def ImageRecordIter(path_imgrec: str, data_shape: tuple, batch_size: int,
                    path_imgidx: str | None = None, path_imglist: str | None = None,
                    label_width: int = 1, shuffle: bool = False, rand_crop: bool = False,
                    rand_mirror: bool = False, resize: int = -1, mean_r: float = 0.0,
                    mean_g: float = 0.0, mean_b: float = 0.0, std_r: float = 1.0,
                    std_g: float = 1.0, std_b: float = 1.0, scale: float = 1.0,
                    num_parts: int = 1, part_index: int = 0, round_batch: bool = True,
                    inter_method: int = 1, data_name: str = "data",
                    label_name: str = "softmax_label", skip_bad: bool = False,
                    preprocess_threads: int = 4, **kwargs: Any) -> Any:
    """Batches ``(batch_size,) + data_shape`` float32 of images from a ``.rec`` file.

    Per image: decode, resize the shorter side to ``resize`` (if > 0), crop ``data_shape``
    (random with ``rand_crop``, else centred; a smaller image is scaled up), mirror with
    probability 1/2 (``rand_mirror``), then ``(x - mean) / std * scale`` per channel. Shuffling
    and ``num_parts``/``part_index`` need ``path_imgidx``. ``round_batch`` fills the last batch
    from the start (``pad`` counts the filler), else drops it. ``skip_bad`` skips images that do
    not decode; by default they raise an error naming the record. ``preprocess_threads``
    threads decode and augment; the C++ iterator's other tuning arguments (``prefetch_buffer``...)
    are accepted and ignored.
    """
    from ..image import augment
    from ..image.iter import ImageIter

    crop_size = (data_shape[2], data_shape[1])
    augs: list = [augment.ResizeAug(resize, inter_method)] if resize > 0 else []
    crop = augment.RandomCropAug if rand_crop else augment.CenterCropAug
    augs.append(crop(crop_size, inter_method))
    if rand_mirror:
        augs.append(augment.HorizontalFlipAug(0.5))
    augs.append(augment.CastAug())
    # A grey image (data_shape (1, H, W)) uses the red channel's mean and std.
    mean = np.array([mean_r, mean_g, mean_b], np.float32)[: data_shape[0]]
    std = np.array([std_r, std_g, std_b], np.float32)[: data_shape[0]]
    if mean.any() or (std != 1).any() or scale != 1:
        augs.append(_MeanStdScale(mean, std, scale))
    return ImageIter(batch_size, tuple(data_shape), label_width=label_width,
                     path_imgrec=path_imgrec, path_imgidx=path_imgidx,
                     path_imglist=path_imglist, shuffle=shuffle, part_index=part_index,
                     num_parts=num_parts, aug_list=augs, data_name=data_name,
                     label_name=label_name,
                     last_batch_handle="pad" if round_batch else "discard", skip_bad=skip_bad,
                     num_threads=preprocess_threads)
