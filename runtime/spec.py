"""Tensor metadata shared by the Predictor and the protocol: specs, datatype tables, checks.

Both ``Predictor.predict`` and the server's request parser validate inputs through the functions
here, so a mistake is reported with the same words whichever way the model is called.
"""
from __future__ import annotations

import reprlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import InvalidInputError

__all__ = ["TensorSpec", "Signature", "KSERVE_DTYPES", "check_names", "check_shapes"]

# ONNX Runtime type strings -> (KServe v2 datatype, numpy dtype or None when numpy has none).
_ORT_TYPES: dict[str, tuple[str, np.dtype | None]] = {
    "tensor(bool)": ("BOOL", np.dtype(np.bool_)),
    "tensor(uint8)": ("UINT8", np.dtype(np.uint8)),
    "tensor(uint16)": ("UINT16", np.dtype(np.uint16)),
    "tensor(uint32)": ("UINT32", np.dtype(np.uint32)),
    "tensor(uint64)": ("UINT64", np.dtype(np.uint64)),
    "tensor(int8)": ("INT8", np.dtype(np.int8)),
    "tensor(int16)": ("INT16", np.dtype(np.int16)),
    "tensor(int32)": ("INT32", np.dtype(np.int32)),
    "tensor(int64)": ("INT64", np.dtype(np.int64)),
    "tensor(float16)": ("FP16", np.dtype(np.float16)),
    "tensor(float)": ("FP32", np.dtype(np.float32)),
    "tensor(double)": ("FP64", np.dtype(np.float64)),
    "tensor(bfloat16)": ("BF16", None),
    "tensor(string)": ("BYTES", None),
}

#: KServe v2 datatype names -> numpy dtypes, for the datatypes hybrid.runtime can carry.
KSERVE_DTYPES: dict[str, np.dtype] = {k: d for k, d in _ORT_TYPES.values() if d is not None}
_ALL_KSERVE = {k for k, _ in _ORT_TYPES.values()}

Dim = int | str | None


@dataclass(frozen=True)
class TensorSpec:
    """Name, shape and dtype of one model input or output.

    Parameters
    ----------
    name : str
        The ONNX graph input or output name.
    shape : tuple of (int, str or None), or None
        One entry per axis: an ``int`` for a fixed size, a ``str`` for a symbolic dimension such
        as ``"batch_size"``, ``None`` for an unnamed dynamic one; ``None`` for a tensor of
        unknown rank (any shape is accepted).
    datatype : str
        The KServe v2 datatype name (``"FP32"``, ``"INT64"``, ...).
    dtype : numpy.dtype or None
        The numpy dtype; ``None`` for types numpy cannot hold (``BYTES``, ``BF16``).
    """

    name: str
    shape: tuple[Dim, ...] | None
    datatype: str
    dtype: np.dtype | None

    @classmethod
    def from_ort(cls, node_arg) -> TensorSpec:
        """Build a spec from an ``onnxruntime.NodeArg``."""
        datatype, dtype = _ORT_TYPES.get(node_arg.type, (node_arg.type, None))
        shape = node_arg.shape or ()
        dims = tuple(d if isinstance(d, str) or d is None or d >= 0 else None for d in shape)
        return cls(node_arg.name, dims, datatype, dtype)

    @property
    def kserve_shape(self) -> list[int]:
        """The shape as the protocol reports it: ``-1`` for every dynamic dimension, and
        ``[-1]`` for an unknown rank."""
        if self.shape is None:
            return [-1]
        return [d if isinstance(d, int) else -1 for d in self.shape]

    def describe(self) -> str:
        """A short readable form, e.g. ``x FP32 (batch, 4)``."""
        return f"{self.name} {self.datatype} {format_shape(self.shape)}"


@dataclass(frozen=True)
class Signature:
    """What the protocol layer needs to know about one model version.

    Parameters
    ----------
    name, version : str
        The model name and version (the version as a string, as the protocol reports it).
    inputs, outputs : tuple of TensorSpec
        The model's inputs and outputs in graph order.
    max_batch_size : int
        ``0`` when the server does not batch this model; otherwise the largest first dimension
        accepted in one request.
    """

    name: str
    version: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    max_batch_size: int = 0

    @property
    def label(self) -> str:
        """``model 'name' version v``, used at the start of error messages."""
        return f"model '{self.name}' version {self.version}"


def format_shape(shape: Iterable[Dim] | None) -> str:
    """Format a shape with symbolic dims as ``(batch, 4)`` and unnamed dynamic ones as ``?``;
    an unknown rank is ``(...)``."""
    if shape is None:
        return "(...)"
    dims = ["?" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def check_datatype(label: str, spec: TensorSpec, datatype: str) -> np.dtype:
    """Return the numpy dtype for ``datatype`` after checking it is the model's datatype."""
    if not isinstance(datatype, str) or datatype not in _ALL_KSERVE:
        known = ", ".join(sorted(_ALL_KSERVE))
        raise InvalidInputError(f"{label}: input '{spec.name}' has unknown datatype "
                                f"{reprlib.repr(datatype)}; known datatypes are {known}")
    if datatype != spec.datatype:
        raise InvalidInputError(f"{label}: input '{spec.name}' has datatype {datatype}, "
                                f"expected {spec.datatype}")
    if spec.dtype is None:
        raise InvalidInputError(f"{label}: input '{spec.name}' has datatype {datatype}, "
                                "which hybrid.runtime does not support")
    return spec.dtype


def check_names(label: str, specs: Sequence[TensorSpec], names: Iterable[str],
                kind: str = "input", require_all: bool = True) -> None:
    """Raise if ``names`` has an unknown name or (with ``require_all``) misses one of ``specs``."""
    known = [s.name for s in specs]
    given = list(names)
    unknown = [n for n in given if n not in known]
    if unknown:
        raise InvalidInputError(f"{label}: unknown {kind} {', '.join(map(repr, unknown))}; "
                                f"the model's {kind}s are {', '.join(map(repr, known))}")
    missing = [n for n in known if n not in given]
    if require_all and missing:
        raise InvalidInputError(f"{label}: missing {kind} {', '.join(map(repr, missing))}; "
                                f"the model's {kind}s are {', '.join(map(repr, known))}")


def check_shapes(label: str, specs: Sequence[TensorSpec],
                 shapes: Mapping[str, tuple[int, ...]]) -> None:
    """Check ranks, fixed dims, and that a symbolic dim has one size across all inputs."""
    bound: dict[str, tuple[int, str]] = {}
    for spec in specs:
        if spec.shape is None:  # unknown rank: ONNX Runtime checks what it needs
            continue
        shape = tuple(shapes[spec.name])
        where = f"{label}: input '{spec.name}' has shape {format_shape(shape)}"
        if len(shape) != len(spec.shape):
            raise InvalidInputError(f"{where}, expected rank {len(spec.shape)} "
                                    f"for shape {format_shape(spec.shape)}")
        for axis, (want, got) in enumerate(zip(spec.shape, shape)):
            if isinstance(want, int) and want != got:
                raise InvalidInputError(f"{where}, expected {format_shape(spec.shape)}: "
                                        f"dim {axis} must be {want}")
            if isinstance(want, str):
                size, first = bound.setdefault(want, (got, spec.name))
                if size != got:
                    raise InvalidInputError(f"{where}, but dim {axis} ({want!r}) is {size} "
                                            f"in input '{first}'")
