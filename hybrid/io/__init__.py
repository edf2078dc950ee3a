"""Data iterators (``mx.io``): MXNet 1.x's ``DataIter`` protocol, ``NDArrayIter``, the record
and file iterators (``ImageRecordIter``, ``CSVIter``, ``LibSVMIter``, ``MNISTIter``) and
``PrefetchingIter``.
"""

from __future__ import annotations

from .image_record import ImageRecordIter
from .io import DataBatch, DataDesc, DataIter, NDArrayIter
from .prefetch import PrefetchingIter
from .text import CSVIter, LibSVMIter, MNISTIter

__all__ = [
    "DataDesc",
    "DataBatch",
    "DataIter",
    "NDArrayIter",
    "ImageRecordIter",
    "PrefetchingIter",
    "CSVIter",
    "LibSVMIter",
    "MNISTIter",
]
