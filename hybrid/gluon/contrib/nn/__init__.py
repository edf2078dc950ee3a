"""``gluon.contrib.nn``: the containers MXNet 1.9.1 files here. They are hybrid's
:mod:`hybrid.gluon.nn` classes, the same objects under MXNet's contrib names.

MXNet's other contrib layers (SparseEmbedding, SyncBatchNorm, PixelShuffle1D/2D/3D) are not in
hybrid: SparseEmbedding needs sparse arrays, SyncBatchNorm cross-device statistics.
"""

from __future__ import annotations

from ...nn import Concurrent, HybridConcurrent, Identity

__all__ = ["Concurrent", "HybridConcurrent", "Identity"]
