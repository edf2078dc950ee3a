"""What this build can do, as MXNet's ``mx.runtime`` reports compile-time features.

``mxnet.runtime`` resolves here under ``python -m hybrid.mxnet`` (``hybrid.runtime`` is hybrid's
model server). The names are MXNet's; a feature is enabled when hybrid provides what it stands
for: there is no CUDA, cuDNN, TensorRT or MKL-DNN, ``BLAS_OPEN``/``LAPACK`` are numpy's,
``PROFILER`` is :mod:`hybrid.profiler`, ``DIST_KVSTORE`` needs mpi4py, ``OPENCV`` needs cv2.
"""

from __future__ import annotations

import importlib.util
from collections import OrderedDict

from .base import HybridError

__all__ = ["Feature", "feature_list", "Features", "UnknownFeatureError"]


class UnknownFeatureError(HybridError, RuntimeError):
    """A feature name MXNet does not have (MXNet raises a RuntimeError)."""

# MXNet 1.9.1's feature names, in its order.
_NAMES = (
    "CUDA", "CUDNN", "NCCL", "CUDA_RTC", "TENSORRT", "CPU_SSE", "CPU_SSE2", "CPU_SSE3",
    "CPU_SSE4_1", "CPU_SSE4_2", "CPU_SSE4A", "CPU_AVX", "CPU_AVX2", "OPENMP", "SSE", "F16C",
    "JEMALLOC", "BLAS_OPEN", "BLAS_ATLAS", "BLAS_MKL", "BLAS_APPLE", "LAPACK", "MKLDNN", "OPENCV",
    "CAFFE", "PROFILER", "DIST_KVSTORE", "CXX14", "INT64_TENSOR_SIZE", "SIGNAL_HANDLER", "DEBUG",
    "TVM_OP",
)


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _enabled() -> set[str]:
    on = {"BLAS_OPEN", "LAPACK", "PROFILER", "CXX14", "INT64_TENSOR_SIZE", "SIGNAL_HANDLER"}
    if _has("mpi4py"):
        on.add("DIST_KVSTORE")
    if _has("cv2"):
        on.add("OPENCV")
    return on


class Feature:
    """One feature: ``name`` and ``enabled``."""

    def __init__(self, name: str, enabled: bool):
        self.name, self.enabled = name, enabled

    def __repr__(self) -> str:
        return f"{'✔' if self.enabled else '✖'} {self.name}"


def feature_list() -> list[Feature]:
    """Every feature, in MXNet's order."""
    on = _enabled()
    return [Feature(name, name in on) for name in _NAMES]


class Features(OrderedDict):
    """Feature name -> :class:`Feature` (one shared instance, as in MXNet)."""

    instance = None

    def __new__(cls) -> Features:
        if cls.instance is None:
            cls.instance = super().__new__(cls)
            OrderedDict.__init__(cls.instance, [(f.name, f) for f in feature_list()])
        return cls.instance

    def __init__(self) -> None:  # filled once in __new__
        pass

    def __repr__(self) -> str:
        return str(list(self.values()))

    def is_enabled(self, feature_name: str) -> bool:
        """Whether ``feature_name`` (case-insensitive) is enabled; unknown names raise."""
        name = feature_name.upper()
        if name not in self:
            raise UnknownFeatureError(f"Feature {feature_name!r} is unknown, known features are: "
                              f"{list(self)}")
        return self[name].enabled
