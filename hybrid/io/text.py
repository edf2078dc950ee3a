"""Iterators over data files, as MXNet's C++ ones: ``CSVIter``, ``LibSVMIter`` (dense batches)
and ``MNISTIter``. Each reads its files whole and batches them with :class:`NDArrayIter`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..base import HybridError
from .io import NDArrayIter

__all__ = ["CSVIter", "LibSVMIter", "MNISTIter"]


def _need(path: str, what: str) -> str:
    if not os.path.exists(path):
        raise HybridError(f"{what}: no file {path}")
    return path


def _csv(path: str, shape: tuple, what: str, dtype: str) -> np.ndarray:
    rows = np.loadtxt(_need(path, what), delimiter=",", dtype=dtype, ndmin=2)
    size = int(np.prod(shape))
    if rows.shape[1] != size:
        raise HybridError(f"{what}: {path} has {rows.shape[1]} values per row, expected {size} "
                          f"for shape {tuple(shape)}")
    return rows.reshape((len(rows),) + tuple(shape))


def _batches(data: np.ndarray, label: np.ndarray, batch_size: int, round_batch: bool,
             data_name: str = "data", label_name: str = "softmax_label") -> NDArrayIter:
    # round_batch: the last batch is filled from the start of the data and reports pad, as
    # MXNet's; otherwise the incomplete batch is dropped.
    return NDArrayIter({data_name: data}, {label_name: label}, batch_size,
                       last_batch_handle="pad" if round_batch else "discard")


def CSVIter(data_csv: str, data_shape: tuple, label_csv: str | None = None,
            label_shape: tuple = (1,), batch_size: int = 1, round_batch: bool = True,
            dtype: str = "float32", **kwargs: Any) -> NDArrayIter:
    """Batches of rows of a CSV file, each reshaped to ``data_shape``; labels from
    ``label_csv`` (rows of ``label_shape``) or zeros.
    """
    data = _csv(data_csv, data_shape, "CSVIter", dtype)
    if label_csv is None:
        label = np.zeros((len(data),) + tuple(label_shape), np.float32)
    else:
        label = _csv(label_csv, label_shape, "CSVIter", "float32")
    if tuple(label_shape) == (1,):
        label = label.reshape(len(label))
    return _batches(data, label, batch_size, round_batch)


def _libsvm(path: str, width: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Dense rows and first labels of a LibSVM file (``label idx:value ...``, 0-based)."""
    labels, rows = [], []
    with open(_need(path, what)) as f:
        for n, line in enumerate(f):
            fields = line.split()
            if not fields:
                continue
            row = np.zeros(width, np.float32)
            try:
                pairs = [p.split(":") for p in fields[1:]]
                idx = np.array([int(i) for i, _ in pairs], np.int64)
                row[idx] = [float(v) for _, v in pairs]
                labels.append(float(fields[0]))
            except (ValueError, IndexError):
                raise HybridError(f"{what}: {path} line {n + 1}: expected 'label index:value "
                                  f"...' with indices below {width}") from None
            rows.append(row)
    return np.stack(rows), np.asarray(labels, np.float32)


def LibSVMIter(data_libsvm: str, data_shape: tuple, label_libsvm: str | None = None,
               label_shape: tuple = (1,), batch_size: int = 1, round_batch: bool = True,
               **kwargs: Any) -> NDArrayIter:
    """Batches of a LibSVM file as dense ``(batch_size,) + data_shape`` float32 arrays (MXNet
    gives CSR arrays; hybrid has no sparse storage). Labels are each line's first value, or the
    rows of ``label_libsvm``.
    """
    data, label = _libsvm(data_libsvm, int(np.prod(data_shape)), "LibSVMIter")
    data = data.reshape((len(data),) + tuple(data_shape))
    if label_libsvm is not None:
        label = _libsvm(label_libsvm, int(np.prod(label_shape)), "LibSVMIter")[0]
        label = label.reshape((len(label),) + tuple(label_shape))
    return _batches(data, label, batch_size, round_batch)


def MNISTIter(image: str = "./train-images-idx3-ubyte", label: str = "./train-labels-idx1-ubyte",
              batch_size: int = 128, shuffle: bool = True, flat: bool = False, seed: int = 0,
              silent: bool = False, num_parts: int = 1, part_index: int = 0,
              **kwargs: Any) -> NDArrayIter:
    """MNIST's idx files as batches of ``(batch_size, 1, 28, 28)`` (``flat``: ``(batch_size,
    784)``) float32 in ``[0, 1]`` with float32 labels; incomplete last batches are dropped.
    """
    from ..gluon.data.vision.datasets import read_idx

    images = read_idx(_need(image, "MNISTIter")).astype(np.float32) / 255.0
    labels = read_idx(_need(label, "MNISTIter")).astype(np.float32)
    if len(images) != len(labels):
        raise HybridError(f"MNISTIter: {image} has {len(images)} images, {label} has "
                          f"{len(labels)} labels")
    part = len(images) // num_parts
    images = images[part_index * part : (part_index + 1) * part]
    labels = labels[part_index * part : (part_index + 1) * part]
    if shuffle:
        order = np.random.default_rng(seed).permutation(len(images))
        images, labels = images[order], labels[order]
    images = images.reshape(len(images), -1) if flat else images[:, None]
    return NDArrayIter({"data": images}, {"softmax_label": labels}, batch_size,
                       last_batch_handle="discard")
