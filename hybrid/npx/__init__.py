"""``mx.npx`` (``mxnet.numpy_extension``): MXNet's neural-network ops for ``np.ndarray``, the
numpy-mode switches, contexts and array files.

Every op function names a registered ``_npx_*`` op (``hybrid/ops/npx.py``): ``npx.relu`` is
``_npx_relu``, with MXNet's argument names and defaults, generated from the registry as the ``nd``
functions are. Given ``np.ndarray`` inputs the registry returns ``np.ndarray`` results, legacy
``nd.NDArray`` inputs are refused with MXNet's advice (``as_np_ndarray()``, ``npx.set_np()``),
and Symbols are traced.
"""

from __future__ import annotations

from typing import Any

from ..base import check_call, classproperty, numpy_array_expected, with_metaclass
from ..context import (
    cpu,
    cpu_pinned,
    current_context,
    get_cuda_compute_capability,
    gpu,
    gpu_memory_info,
    num_gpus,
)
from ..ndarray.ndarray import NDArray, waitall
from ..ops.registry import REGISTRY, build_function, invoke
from ..util import is_np_array, is_np_shape, reset_np, set_np, use_np
from .utils import load, save

__all__ = [
    "check_call", "classproperty", "with_metaclass", "cpu", "cpu_pinned", "current_context",
    "get_cuda_compute_capability", "gpu", "gpu_memory_info", "num_gpus", "waitall", "is_np_array",
    "is_np_shape", "reset_np", "set_np", "use_np", "save", "load",
]

_OPS = (
    "activation", "arange_like", "batch_dot", "batch_flatten", "batch_norm", "cast",
    "constraint_check", "convolution", "deconvolution", "dropout", "embedding", "erf", "erfinv",
    "fully_connected", "gamma", "gammaln", "gather_nd", "layer_norm", "leaky_relu",
    "log_softmax", "multibox_detection", "multibox_prior", "multibox_target", "nonzero",
    "one_hot", "pick", "pooling", "relu", "reshape", "reshape_like", "rnn", "roi_pooling",
    "sequence_mask", "shape_array", "sigmoid", "slice", "smooth_l1", "softmax", "topk",
)


def _caller(public: str) -> Any:
    """The ``call`` of :func:`build_function` for ``npx.<public>``: see the module docstring."""
    where = f"npx.{public} (operator _npx_{public})"

    def call(op: Any, inputs: list, attrs: dict, out: Any, name: Any) -> Any:
        for a in inputs:
            if a.__class__ is NDArray:
                raise numpy_array_expected(where)
        return invoke(op, inputs, attrs, out, name)

    return call


def _populate() -> None:
    for public in _OPS:
        fn = build_function(REGISTRY[f"_npx_{public}"], _caller(public))
        fn.__name__ = fn.__qualname__ = public
        fn.__module__ = __name__
        globals()[public] = fn
        __all__.append(public)


_populate()
