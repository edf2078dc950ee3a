"""hybrid: MXNet Gluon's programming model on numpy, hybridized to graphs and deployed through ONNX.

Port an MXNet Gluon script with ``import hybrid as mx``.
"""

from __future__ import annotations

import sys as _sys

from . import (  # noqa: F401  (ops registers every op on import)
    autograd,
    gluon,
    image,
    initializer,
    io,
    kvstore,
    lr_scheduler,
    metric,
    name,
    ndarray,
    ops,
    optimizer,
    random,
    recordio,
    symbol,
    viz,
)
from . import image as img
from . import initializer as init
from . import kvstore as kv
from . import ndarray as nd
from . import symbol as sym
from .base import HybridError, MXNetError
from .context import Context, cpu, cpu_pinned, current_context, gpu, num_gpus

# `import hybrid.nd` works as in MXNet, where nd is an alias package of ndarray.
_sys.modules[__name__ + ".nd"] = ndarray
_sys.modules[__name__ + ".sym"] = symbol
_sys.modules[__name__ + ".init"] = initializer
_sys.modules[__name__ + ".kv"] = kvstore

__version__ = "0.1.0"
__all__ = [
    "autograd",
    "nd",
    "ndarray",
    "random",
    "sym",
    "symbol",
    "viz",
    "gluon",
    "image",
    "img",
    "recordio",
    "io",
    "kv",
    "kvstore",
    "init",
    "initializer",
    "lr_scheduler",
    "metric",
    "optimizer",
    "HybridError",
    "MXNetError",
    "name",
    "Context",
    "cpu",
    "cpu_pinned",
    "gpu",
    "current_context",
    "num_gpus",
]
