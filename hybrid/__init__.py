"""hybrid: MXNet Gluon's programming model on numpy, hybridized to graphs and deployed through ONNX.

Port an MXNet Gluon script with ``import hybrid as mx``.
"""

from __future__ import annotations

import sys as _sys

from . import (  # noqa: F401  (ops registers every op on import)
    attribute,
    autograd,
    callback,
    engine,
    gluon,
    image,
    initializer,
    io,
    kvstore,
    library,
    lr_scheduler,
    metric,
    model,
    module,
    name,
    ndarray,
    npx,  # noqa: F401  (mx.npx, over mx.np's array type)
    numpy,
    operator,
    ops,
    optimizer,
    profiler,
    random,
    recordio,
    registry,
    symbol,
    util,
    viz,
)
from . import image as img
from . import initializer as init
from . import kvstore as kv
from . import module as mod
from . import ndarray as nd
from . import numpy as np
from . import random as rnd
from . import symbol as sym
from .attribute import AttrScope
from .base import HybridError, MXNetError
from .context import Context, cpu, cpu_pinned, current_context, gpu, num_gpus
from .util import (
    is_np_array,
    is_np_shape,
    np_shape,
    set_np_shape,
    use_np_shape,
)

# `import hybrid.nd` works as in MXNet, where nd is an alias package of ndarray.
_sys.modules[__name__ + ".nd"] = ndarray
_sys.modules[__name__ + ".sym"] = symbol
_sys.modules[__name__ + ".np"] = numpy
_sys.modules[__name__ + ".init"] = initializer
_sys.modules[__name__ + ".kv"] = kvstore
_sys.modules[__name__ + ".mod"] = module


def __getattr__(name: str) -> object:
    # ``mx.test_utils`` is imported on first use: it is for test code, and a program that never
    # touches it should not load it.
    if name == "test_utils":
        import importlib

        return importlib.import_module(__name__ + ".test_utils")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__version__ = "0.1.0"
__all__ = [
    "autograd",
    "callback",
    "mod",
    "model",
    "module",
    "nd",
    "ndarray",
    "np",
    "numpy",
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
    "AttrScope",
    "attribute",
    "engine",
    "library",
    "operator",
    "profiler",
    "registry",
    "rnd",
    "util",
    "is_np_array",
    "is_np_shape",
    "np_shape",
    "set_np_shape",
    "use_np_shape",
]
