"""``ImageDetIter``: batches of images and padded detection labels (MXNet 1.9's, from
``image/detection.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..base import HybridError
from .detection import CreateDetAugmenter
from .image import as_numpy
from .iter import ImageIter

__all__ = ["ImageDetIter"]


class ImageDetIter(ImageIter):
    """Batches of images ``(batch_size, C, H, W)`` and padded detection labels
    ``(batch_size, max_objects, object_width)`` (rows of -1 fill), from a record file or an
    image list whose labels are flat detection labels. Arguments as :class:`ImageIter`;
    ``aug_list`` defaults to ``CreateDetAugmenter(data_shape, **kwargs)``.
    """

    def __init__(self, batch_size: int, data_shape: tuple, path_imgrec: str | None = None,
                 path_imglist: str | None = None, path_root: str | None = None,
                 path_imgidx: str | None = None, shuffle: bool = False, part_index: int = 0,
                 num_parts: int = 1, aug_list: list | None = None, imglist: list | None = None,
                 data_name: str = "data", label_name: str = "label",
                 last_batch_handle: str = "pad", skip_bad: bool = False, **kwargs: Any):
        super().__init__(batch_size, data_shape, path_imgrec=path_imgrec,
                         path_imglist=path_imglist, path_root=path_root, path_imgidx=path_imgidx,
                         shuffle=shuffle, part_index=part_index, num_parts=num_parts,
                         aug_list=[], imglist=imglist, data_name=data_name,
                         label_name=label_name, last_batch_handle=last_batch_handle,
                         skip_bad=skip_bad)
        self.auglist = CreateDetAugmenter(data_shape, **kwargs) if aug_list is None else aug_list
        self.label_shape = self._estimate_label_shape()
        self.provide_label = [(label_name, (batch_size,) + self.label_shape)]

    def _estimate_label_shape(self) -> tuple:
        max_count, width = 0, 5
        self.reset()
        try:
            while True:
                label = self._parse_label(self.next_sample()[0])
                max_count, width = max(max_count, label.shape[0]), label.shape[1]
        except StopIteration:
            pass
        self.reset()
        return max_count, width

    @staticmethod
    def _parse_label(label: Any) -> np.ndarray:
        raw = np.asarray(as_numpy(label), np.float32).ravel()
        if raw.size < 7:
            raise HybridError(f"ImageDetIter: a detection label needs at least 7 values, got "
                              f"{raw.size}")
        header, width = int(raw[0]), int(raw[1])
        if width < 5 or (raw.size - header) % width:
            raise HybridError(f"ImageDetIter: label of {raw.size} values does not fit a header "
                              f"of {header} and objects of width {width}")
        out = raw[header:].reshape(-1, width)
        valid = (out[:, 3] > out[:, 1]) & (out[:, 4] > out[:, 2])
        if not valid.any():
            raise HybridError("ImageDetIter: a sample has no valid object")
        return out[valid]

    def reshape(self, data_shape: tuple | None = None, label_shape: tuple | None = None) -> None:
        """Change the data shape, or grow the label shape (never fewer objects)."""
        if data_shape is not None:
            self.data_shape = tuple(data_shape)
            self.provide_data = [(self.provide_data[0][0], (self.batch_size,) + self.data_shape)]
        if label_shape is not None:
            if len(label_shape) != 2 or label_shape[0] < self.label_shape[0] or \
                    label_shape[1] != self.label_shape[1]:
                raise HybridError(f"ImageDetIter: label_shape {label_shape} cannot replace "
                                  f"{self.label_shape}")
            self.label_shape = tuple(label_shape)
            self.provide_label = [(self.provide_label[0][0],
                                   (self.batch_size,) + self.label_shape)]

    def sync_label_shape(self, it: ImageDetIter, verbose: bool = False) -> ImageDetIter:
        """Give this iterator and ``it`` the larger of their label shapes."""
        count = max(self.label_shape[0], it.label_shape[0])
        self.reshape(None, (count, self.label_shape[1]))
        it.reshape(None, (count, it.label_shape[1]))
        return it

    def _process(self, sample: tuple) -> tuple | None:
        lab, s, where = sample
        img = self._decode_or_skip(s, where)
        if img is None:
            return None
        lab = self._parse_label(lab)
        for aug in self.auglist:
            img, lab = aug(img, lab)
        padded = np.full(self.label_shape, -1, np.float32)
        padded[: len(lab)] = lab
        return padded, np.moveaxis(as_numpy(img), -1, 0)

    def _new_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        data = np.zeros((self.batch_size,) + self.data_shape, np.float32)
        return data, np.full(self.provide_label[0][1], -1, np.float32)
