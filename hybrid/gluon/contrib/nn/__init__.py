"""``gluon.contrib.nn``: MXNet 1.9.1's contributed layers. Concurrent, HybridConcurrent and
Identity are hybrid's :mod:`hybrid.gluon.nn` classes under their contrib names; SparseEmbedding
keeps its weight and gradient dense (hybrid has no sparse storage); SyncBatchNorm reduces the
batch moments over the workers of a distributed KVStore; PixelShuffle1D/2D/3D are compositions
of reshape and transpose.
"""

from __future__ import annotations

from ...nn import Concurrent, HybridConcurrent, Identity
from .basic_layers import (
    PixelShuffle1D,
    PixelShuffle2D,
    PixelShuffle3D,
    SparseEmbedding,
    SyncBatchNorm,
)

__all__ = [
    "Concurrent",
    "HybridConcurrent",
    "Identity",
    "SparseEmbedding",
    "SyncBatchNorm",
    "PixelShuffle1D",
    "PixelShuffle2D",
    "PixelShuffle3D",
]
