"""Vision datasets read from their published binary files, as MXNet 1.9's
``gluon.data.vision.datasets``: MNIST, FashionMNIST, CIFAR10 and CIFAR100.

Nothing is downloaded: a missing file raises an error that says which files to put where. The
default ``root`` is MXNet's (``$MXNET_HOME`` or ``~/.mxnet``, then ``datasets/<name>``), so files
an MXNet installation already downloaded are found.
"""

from __future__ import annotations

import gzip
import os
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

from ....base import HybridError, data_dir
from ....util import is_np_array
from ..._np_mode import array_class
from ..dataset import Dataset

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "read_idx"]


def _default_root(name: str) -> str:
    return os.path.join(data_dir(), "datasets", name)


# idx type codes (the third byte of the magic number) -> big-endian numpy dtypes.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str) -> np.ndarray:
    """Read an idx file (the MNIST format), gzipped or not: a 4-byte magic number (two zero
    bytes, a type code, the number of dimensions), big-endian int32 dimensions, then the data.
    """
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise HybridError(f"read_idx: {path} is not an idx file (bad magic number)")
    ndim = raw[3]
    dims = struct.unpack(f">{ndim}i", raw[4 : 4 + 4 * ndim])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = 4 + 4 * ndim + int(np.prod(dims)) * dtype.itemsize
    if len(raw) != expected:
        raise HybridError(
            f"read_idx: {path} has {len(raw)} bytes, expected {expected} for shape {dims} "
            f"(truncated or corrupt file)"
        )
    data = np.frombuffer(raw, dtype, offset=4 + 4 * ndim).reshape(dims)
    return data.astype(dtype.newbyteorder("="))


def _find(root: str, names: list[str], dataset: str, hint: str) -> str:
    """The first of ``names`` that exists under ``root``; otherwise an error saying what to put
    where.
    """
    for name in names:
        path = os.path.join(root, name)
        if os.path.exists(path):
            return path
    expected = " or ".join(os.path.join(root, name) for name in names)
    raise HybridError(
        f"{dataset}: cannot find {expected}. hybrid does not download datasets: {hint}, and "
        f"put the files in {root} (or pass root=...)."
    )


class _DownloadedDataset(Dataset):
    """Images in ``self._data`` (an NDArray, ``(N, H, W, C)`` uint8) and labels in
    ``self._label`` (int32 numpy); ``transform(data, label)`` applies to each sample.
    """

    def __init__(self, root: str, transform: Callable | None):
        self._root = os.path.expanduser(root)
        self._transform = transform
        data, label = self._get_data()
        # In numpy mode images and labels are np.ndarray, as MXNet 1.9.1 makes them.
        self._data = array_class()._wrap(data)
        self._label = array_class()._wrap(label) if is_np_array() else label

    def _get_data(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def __getitem__(self, idx: int) -> Any:
        if self._transform is not None:
            return self._transform(self._data[idx], self._label[idx])
        return self._data[idx], self._label[idx]

    def __len__(self) -> int:
        return len(self._label)


class MNIST(_DownloadedDataset):
    """The MNIST handwritten digits: ``(28, 28, 1)`` uint8 images and int32 labels.

    Parameters
    ----------
    root : str, default ``$MXNET_HOME/datasets/mnist``
        Folder holding ``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``,
        ``t10k-images-idx3-ubyte[.gz]`` and ``t10k-labels-idx1-ubyte[.gz]``.
    train : bool, default True
        Whether to read the training set (else the test set).
    transform : callable, optional
        ``transform(data, label) -> sample`` applied to each sample.
    """

    _hint = "get the four idx files from http://yann.lecun.com/exdb/mnist/"

    def __init__(
        self,
        root: str = _default_root("mnist"),
        train: bool = True,
        transform: Callable | None = None,
    ):
        self._train = train
        super().__init__(root, transform)

    def _get_data(self) -> tuple[np.ndarray, np.ndarray]:
        prefix = "train" if self._train else "t10k"
        paths = [
            _find(
                self._root,
                [f"{prefix}-{kind}-ubyte.gz", f"{prefix}-{kind}-ubyte"],
                type(self).__name__,
                self._hint,
            )
            for kind in ("images-idx3", "labels-idx1")
        ]
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        if images.ndim != 3 or len(images) != len(labels):
            raise HybridError(
                f"{type(self).__name__}: {paths[0]} holds {images.shape}, expected "
                f"({len(labels)}, rows, cols) to match {paths[1]}"
            )
        return images[..., None].astype(np.uint8), labels.astype(np.int32)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST, in MNIST's format and file names (default root
    ``$MXNET_HOME/datasets/fashion-mnist``).
    """

    _hint = "get the four idx files from https://github.com/zalandoresearch/fashion-mnist"

    def __init__(
        self,
        root: str = _default_root("fashion-mnist"),
        train: bool = True,
        transform: Callable | None = None,
    ):
        super().__init__(root, train, transform)


class CIFAR10(_DownloadedDataset):
    """CIFAR-10: ``(32, 32, 3)`` uint8 images and int32 labels, from the binary version.

    Parameters
    ----------
    root : str, default ``$MXNET_HOME/datasets/cifar10``
        Folder holding ``data_batch_1.bin`` ... ``data_batch_5.bin`` and ``test_batch.bin``
        (directly or in ``cifar-10-batches-bin/``). Each record is one label byte then 3072
        bytes of image, channel-major.
    train : bool, default True
        Whether to read the five training batches (else the test batch).
    transform : callable, optional
        ``transform(data, label) -> sample`` applied to each sample.
    """

    _folder = "cifar-10-batches-bin"
    _label_bytes = 1
    _hint = (
        "get cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html and extract it"
    )

    def __init__(
        self,
        root: str = _default_root("cifar10"),
        train: bool = True,
        transform: Callable | None = None,
    ):
        self._train = train
        super().__init__(root, transform)

    def _files(self) -> list[str]:
        if self._train:
            return [f"data_batch_{i}.bin" for i in range(1, 6)]
        return ["test_batch.bin"]

    def _label_index(self) -> int:
        return 0

    def _get_data(self) -> tuple[np.ndarray, np.ndarray]:
        images, labels = [], []
        record = self._label_bytes + 3 * 32 * 32
        for name in self._files():
            path = _find(
                self._root,
                [name, os.path.join(self._folder, name)],
                type(self).__name__,
                self._hint,
            )
            raw = np.fromfile(path, dtype=np.uint8)
            if raw.size % record:
                raise HybridError(
                    f"{type(self).__name__}: {path} has {raw.size} bytes, not a multiple of "
                    f"the {record}-byte record (truncated or corrupt file)"
                )
            raw = raw.reshape(-1, record)
            labels.append(raw[:, self._label_index()].astype(np.int32))
            chw = raw[:, self._label_bytes :].reshape(-1, 3, 32, 32)
            images.append(chw.transpose(0, 2, 3, 1))  # (N, 32, 32, 3)
        return np.ascontiguousarray(np.concatenate(images)), np.concatenate(labels)


class CIFAR100(CIFAR10):
    """CIFAR-100 (binary version: ``train.bin``, ``test.bin``; two label bytes, coarse then
    fine). ``fine_label`` picks the 100 fine classes (True) or the 20 coarse ones.
    """

    _folder = "cifar-100-binary"
    _label_bytes = 2
    _hint = (
        "get cifar-100-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html and "
        "extract it"
    )

    def __init__(
        self,
        root: str = _default_root("cifar100"),
        fine_label: bool = False,
        train: bool = True,
        transform: Callable | None = None,
    ):
        self._fine_label = fine_label
        super().__init__(root, train, transform)

    def _files(self) -> list[str]:
        return ["train.bin" if self._train else "test.bin"]

    def _label_index(self) -> int:
        return int(self._fine_label)
