"""Datasets of encoded images: ``ImageRecordDataset`` (a ``.rec`` file), ``ImageFolderDataset``
(one sub-folder per class) and ``ImageListDataset`` (an image list), as MXNet's. Images are
decoded by :mod:`hybrid.image` into ``(H, W, C)`` uint8 NDArrays.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

from .... import image, recordio
from ....base import HybridError
from ....image._codec import ImageDecodeError
from ..dataset import Dataset, RecordFileDataset

__all__ = ["ImageRecordDataset", "ImageFolderDataset", "ImageListDataset"]


class ImageRecordDataset(RecordFileDataset):
    """``(image, label)`` samples of a ``.rec`` file of packed images.

    Parameters
    ----------
    filename : str
        Path of the ``.rec`` file (its ``.idx`` is found beside it).
    flag : {0, 1}, default 1
        0: grey images (1 channel); 1: colour (3 channels, RGB).
    transform : callable, optional
        ``transform(data, label) -> sample``.
    """

    def __init__(self, filename: str, flag: int = 1, transform: Callable | None = None):
        super().__init__(filename)
        self._flag, self._transform = flag, transform

    def __getitem__(self, idx: int) -> Any:
        header, img = recordio.unpack(super().__getitem__(idx))
        try:
            data = image.imdecode(img, self._flag)
        except ImageDecodeError as e:
            raise ImageDecodeError(
                f"ImageRecordDataset: record {idx} (key {self._record.keys[idx]}) of "
                f"{self.filename}: {e}") from None
        if self._transform is not None:
            return self._transform(data, header.label)
        return data, header.label


class ImageFolderDataset(Dataset):
    """Images in ``root/<class name>/<file>``; classes are numbered in sorted order.

    Parameters
    ----------
    root : str
        The folder of class folders.
    flag : {0, 1}, default 1
        0: grey images; 1: colour (RGB).
    transform : callable, optional
        ``transform(data, label) -> sample``.

    Attributes
    ----------
    synsets : list of str
        Class names; ``synsets[i]`` is the name of label ``i``.
    items : list of (str, int)
        Every image as ``(path, label)``.
    """

    def __init__(self, root: str, flag: int = 1, transform: Callable | None = None):
        self._root = os.path.expanduser(root)
        self._flag, self._transform = flag, transform
        self._exts = [".jpg", ".jpeg", ".png"]
        if not os.path.isdir(self._root):
            raise HybridError(f"ImageFolderDataset: no folder {self._root} (expected one "
                              f"sub-folder of images per class)")
        self._list_images(self._root)

    def _list_images(self, root: str) -> None:
        self.synsets, self.items = [], []
        for folder in sorted(os.listdir(root)):
            path = os.path.join(root, folder)
            if not os.path.isdir(path):
                warnings.warn(f"Ignoring {path}, which is not a directory.", stacklevel=3)
                continue
            label = len(self.synsets)
            self.synsets.append(folder)
            for name in sorted(os.listdir(path)):
                filename = os.path.join(path, name)
                ext = os.path.splitext(filename)[1]
                if ext.lower() not in self._exts:
                    warnings.warn(f"Ignoring {filename} of type {ext}. Only support "
                                  f"{', '.join(self._exts)}", stacklevel=3)
                    continue
                self.items.append((filename, label))

    def __getitem__(self, idx: int) -> Any:
        path, label = self.items[idx]
        img = image.imread(path, self._flag)
        if self._transform is not None:
            return self._transform(img, label)
        return img, label

    def __len__(self) -> int:
        return len(self.items)


class ImageListDataset(Dataset):
    """Images listed in an MXNet ``.lst`` file (``imglist`` a path relative to ``root``) or a
    list of ``[label(s)..., path]``; samples are ``(image, label array)``.
    """

    def __init__(self, root: str = ".", imglist: Any = None, flag: int = 1):
        from ....image.iter import _list_imglist, _read_imglist

        self._root, self._flag = root, flag
        if isinstance(imglist, str):
            path = os.path.join(root, imglist)
            if not os.path.exists(path):
                raise HybridError(f"ImageListDataset: no image list {path}")
            self._imglist, self._imgkeys = _read_imglist(path, "float32")
        elif isinstance(imglist, list):
            self._imglist, self._imgkeys = _list_imglist(imglist, "float32")
        else:
            raise HybridError("ImageListDataset: imglist must be a .lst file name or a list")

    def __getitem__(self, idx: int) -> Any:
        label, path = self._imglist[self._imgkeys[idx]]
        return image.imread(os.path.join(self._root, path), self._flag), label

    def __len__(self) -> int:
        return len(self._imgkeys)
