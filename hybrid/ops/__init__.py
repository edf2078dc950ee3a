"""The op registry and every op family. Importing this package registers all ops."""

from __future__ import annotations

from . import (  # noqa: F401  (each family module registers its ops on import)
    activation,
    backward,
    broadcast,
    cast,
    conv,
    creation,
    ctc,
    deconv,
    elemwise,
    fft,
    fused,
    hawkes,
    indexing,
    linalg,
    linalg_batch,
    linalg_decomp,
    linalg_diag,
    math,
    nn,
    norm,
    patches,
    pooling,
    query,
    random,
    random_pdf,
    reduce,
    reorder,
    rnn,
    scatter,
    shape,
    softmax,
    stats,
    ste,
    trig,
)
from .registry import REGISTRY, Op, Sample, all_ops, get_op, invoke, register

__all__ = ["REGISTRY", "Op", "Sample", "all_ops", "get_op", "invoke", "register"]
