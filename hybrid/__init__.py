"""hybrid: MXNet Gluon's programming model on numpy, hybridized to graphs and deployed through ONNX.

Port an MXNet Gluon script with ``import hybrid as mx``.
"""

from __future__ import annotations

import sys as _sys

from . import autograd, ndarray, ops, random  # noqa: F401  (ops: registers every op)
from . import ndarray as nd
from .base import HybridError
from .context import Context, cpu, cpu_pinned, current_context, gpu, num_gpus

# `import hybrid.nd` works as in MXNet, where nd is an alias package of ndarray.
_sys.modules[__name__ + ".nd"] = ndarray

__version__ = "0.1.0"
__all__ = [
    "autograd",
    "nd",
    "ndarray",
    "random",
    "HybridError",
    "Context",
    "cpu",
    "cpu_pinned",
    "gpu",
    "current_context",
    "num_gpus",
]
