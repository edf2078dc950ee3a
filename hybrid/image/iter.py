"""``ImageIter``: batches of augmented images from a record file or an image list, as MXNet's."""

from __future__ import annotations

import logging
import os
import random
from concurrent.futures import ThreadPoolExecutor
from numbers import Number
from typing import Any

import numpy as np

from .. import recordio
from ..base import HybridError
from ..io import DataBatch, DataIter
from ..ndarray import NDArray
from ._codec import ImageDecodeError
from .augment import CreateAugmenter
from .image import as_numpy, imdecode

__all__ = ["ImageIter"]


def _read_imglist(path: str, dtype: str) -> tuple[dict, list]:
    """An MXNet ``.lst`` file: ``index\\tlabel(s)\\tpath`` lines."""
    imglist, keys = {}, []
    with open(path) as f:
        for n, line in enumerate(f):
            fields = line.strip().split("\t")
            if len(fields) < 3:
                raise HybridError(f"ImageIter: {path} line {n + 1}: expected "
                                  f"'index<TAB>label(s)<TAB>path', got {line.strip()!r}")
            key = int(fields[0])
            imglist[key] = (np.asarray(fields[1:-1], dtype=dtype), fields[-1])
            keys.append(key)
    return imglist, keys


def _list_imglist(items: list, dtype: str) -> tuple[dict, list]:
    """``[[label(s)..., path], ...]`` keyed '1', '2', ... as MXNet's."""
    imglist, keys = {}, []
    for i, item in enumerate(items, start=1):
        if len(item) > 2:
            label = np.asarray(item[:-1], dtype=dtype)
        elif isinstance(item[0], Number):
            label = np.asarray([item[0]], dtype=dtype)
        else:
            label = np.asarray(item[0], dtype=dtype)
        imglist[str(i)] = (label, item[-1])
        keys.append(str(i))
    return imglist, keys


class ImageIter(DataIter):
    """Batches ``(batch_size, C, H, W)`` float32 of augmented images with their labels.

    Parameters are MXNet's: ``batch_size``, ``data_shape`` (C, H, W), ``label_width``,
    ``path_imgrec`` (+ ``path_imgidx`` for shuffling or parts), ``path_imglist`` (a ``.lst``
    file) or ``imglist`` (a list of ``[label, path]``) with ``path_root``, ``shuffle``,
    ``part_index``/``num_parts``, ``aug_list`` (default ``CreateAugmenter(data_shape,
    **kwargs)``), ``data_name``, ``label_name``, ``dtype`` (of labels), ``last_batch_handle``
    ('pad', 'discard', 'roll_over'). hybrid adds ``skip_bad``: skip images that fail to decode
    (logged) instead of raising an error naming the record or file; and ``num_threads``: decode
    and augment with that many threads (OpenCV releases the GIL; random augmenters then draw in
    thread order).
    """

    def __init__(self, batch_size: int, data_shape: tuple, label_width: int = 1,
                 path_imgrec: str | None = None, path_imglist: str | None = None,
                 path_root: str | None = None, path_imgidx: str | None = None,
                 shuffle: bool = False, part_index: int = 0, num_parts: int = 1,
                 aug_list: list | None = None, imglist: list | None = None,
                 data_name: str = "data", label_name: str = "softmax_label",
                 dtype: str = "float32", last_batch_handle: str = "pad",
                 skip_bad: bool = False, num_threads: int = 1, **kwargs: Any):
        super().__init__(batch_size)
        if not (path_imgrec or path_imglist or isinstance(imglist, list)):
            raise HybridError("ImageIter: give path_imgrec, path_imglist or imglist")
        if dtype not in ("int32", "float32", "int64", "float64"):
            raise HybridError(f"ImageIter: label dtype {dtype} is not supported")
        self.imgrec, self.imgidx = None, None
        if path_imgrec:
            if path_imgidx:
                self.imgrec = recordio.MXIndexedRecordIO(path_imgidx, path_imgrec, "r")
                self.imgidx = list(self.imgrec.keys)
            else:
                self.imgrec = recordio.MXRecordIO(path_imgrec, "r")
        self.imglist, keys = None, None
        if path_imglist:
            self.imglist, keys = _read_imglist(path_imglist, dtype)
        elif isinstance(imglist, list):
            self.imglist, keys = _list_imglist(imglist, dtype)
        self.path_root = path_root or ""
        # NOTE: MXNet's ImageIter takes 3 channels only; 1 (grey decoding) is allowed here too,
        # as the C++ ImageRecordIter allows it.
        if len(data_shape) != 3 or data_shape[0] not in (1, 3):
            raise HybridError(f"ImageIter: data_shape must be (3, H, W) or (1, H, W), got "
                              f"{data_shape}")
        self.batch_size, self.data_shape = batch_size, tuple(data_shape)
        self.label_width, self.shuffle, self.skip_bad = label_width, shuffle, skip_bad
        self._pool = ThreadPoolExecutor(num_threads) if num_threads > 1 else None
        label_shape = (batch_size, label_width) if label_width > 1 else (batch_size,)
        self.provide_data = [(data_name, (batch_size,) + self.data_shape)]
        self.provide_label = [(label_name, label_shape)]
        if self.imgrec is None:
            self.seq = keys
        elif shuffle or num_parts > 1 or path_imgidx:
            if self.imgidx is None:
                raise HybridError("ImageIter: shuffle and num_parts need path_imgidx")
            self.seq = self.imgidx
        else:
            self.seq = None
        if num_parts > 1:
            if not 0 <= part_index < num_parts:
                raise HybridError(f"ImageIter: part_index {part_index} not in [0, {num_parts})")
            c = len(self.seq) // num_parts
            self.seq = self.seq[part_index * c : (part_index + 1) * c]
        self.auglist = CreateAugmenter(data_shape, **kwargs) if aug_list is None else aug_list
        self.last_batch_handle = last_batch_handle
        self.num_image = len(self.seq) if self.seq is not None else None
        self.cur, self._allow_read, self._cache = 0, True, None
        self._record_no = 0
        self.reset()

    def reset(self) -> None:
        if self.seq is not None and self.shuffle:
            random.shuffle(self.seq)
        if self.last_batch_handle != "roll_over" or self._cache is None:
            if self.imgrec is not None:
                self.imgrec.reset()
            self.cur, self._record_no, self._allow_read = 0, 0, True

    def hard_reset(self) -> None:
        """Reset and drop a rolled-over partial batch."""
        self._cache = None
        self.reset()

    def next_sample(self) -> tuple[Any, bytes, str]:
        """``(label, encoded image, where)``; ``where`` names the record or file for errors."""
        if not self._allow_read:
            raise StopIteration
        if self.seq is None:
            s = self.imgrec.read()
            if s is None:
                if self.last_batch_handle != "discard":
                    self.imgrec.reset()
                    self._record_no = 0
                raise StopIteration
            self._record_no += 1
            header, img = recordio.unpack(s)
            return header.label, img, f"record {self._record_no - 1} of {self.imgrec.uri}"
        if self.cur >= self.num_image:
            if self.last_batch_handle != "discard":
                self.cur = 0
            raise StopIteration
        idx = self.seq[self.cur]
        self.cur += 1
        if self.imgrec is not None:
            header, img = recordio.unpack(self.imgrec.read_idx(idx))
            label = header.label if self.imglist is None else self.imglist[idx][0]
            return label, img, f"record with key {idx} of {self.imgrec.uri}"
        label, fname = self.imglist[idx]
        path = os.path.join(self.path_root, fname)
        with open(path, "rb") as f:
            return label, f.read(), f"file {path}"

    def imdecode(self, s: bytes, where: str = "an image") -> NDArray:
        try:
            return imdecode(s, flag=int(self.data_shape[0] == 3))
        except ImageDecodeError as e:
            raise ImageDecodeError(f"ImageIter: broken image, {where}: {e}") from None

    def _decode_or_skip(self, s: bytes, where: str) -> NDArray | None:
        """The decoded image, or None (logged) for a broken one when ``skip_bad``."""
        try:
            return self.imdecode(s, where)
        except ImageDecodeError as e:
            if not self.skip_bad:
                raise
            logging.warning("%s (skipped)", e)
            return None

    def _read(self, n: int) -> tuple[list, bool]:
        """Up to ``n`` samples ``(label, encoded image, where)``, and whether the data ended."""
        samples = []
        try:
            while len(samples) < n:
                samples.append(self.next_sample())
        except StopIteration:
            return samples, True
        return samples, False

    def _process(self, sample: tuple) -> tuple | None:
        """``(label, (C, H, W) image)`` of a sample, or None for a skipped broken image."""
        lab, s, where = sample
        img = self._decode_or_skip(s, where)
        if img is None:
            return None
        for aug in self.auglist:
            img = aug(img)
        return lab, np.moveaxis(as_numpy(img), -1, 0)

    def _batchify(self, data: np.ndarray, label: np.ndarray, start: int = 0) -> int:
        i = start
        ended = False
        while i < self.batch_size and not ended:
            samples, ended = self._read(self.batch_size - i)
            mapped = self._pool.map(self._process, samples) if self._pool else map(
                self._process, samples)
            for item in mapped:
                if item is not None:
                    data[i] = item[1]
                    label[i] = np.asarray(item[0], np.float32).reshape(label.shape[1:])
                    i += 1
        if not i:
            raise StopIteration
        return i

    def _new_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        data = np.zeros((self.batch_size,) + self.data_shape, np.float32)
        return data, np.empty(self.provide_label[0][1], np.float32)

    def next(self) -> DataBatch:
        if self._cache is not None:
            data, label, i = self._cache
        else:
            data, label = self._new_arrays()
            i = self._batchify(data, label)
        pad = self.batch_size - i
        if pad:
            if self.last_batch_handle == "discard":
                raise StopIteration
            if self.last_batch_handle == "roll_over" and self._cache is None:
                self._cache = (data, label, i)
                raise StopIteration
            self._batchify(data, label, i)
            if self.last_batch_handle == "pad":
                self._allow_read = False
            else:
                self._cache = None
        return DataBatch([NDArray._wrap(data)], [NDArray._wrap(label)], pad=pad)
