"""Vision data: datasets of images (binary files, folders, lists, record files) and image
transforms.
"""

from __future__ import annotations

from . import transforms
from .datasets import CIFAR10, CIFAR100, MNIST, FashionMNIST
from .image_datasets import ImageFolderDataset, ImageListDataset, ImageRecordDataset

__all__ = [
    "MNIST",
    "FashionMNIST",
    "CIFAR10",
    "CIFAR100",
    "ImageFolderDataset",
    "ImageListDataset",
    "ImageRecordDataset",
    "transforms",
]
