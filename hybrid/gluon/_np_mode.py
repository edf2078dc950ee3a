"""Which array type Gluon makes: ``mx.np.ndarray`` in numpy mode (``npx.set_np()``), else the
legacy ``nd.NDArray``. MXNet 1.9.1 decides at creation time (parameters at initialization, data
batches when they are stacked), and so does hybrid.
"""

from __future__ import annotations

from typing import Any

from .. import ndarray as nd
from ..base import ArrayKindError, legacy_array_expected, numpy_array_expected
from ..ndarray.ndarray import NDArray
from ..util import is_np_array

__all__ = ["array_class", "check_inputs", "check_outputs", "eager_namespace"]


def array_class() -> type:
    """``np.ndarray`` while numpy mode is on, else ``NDArray``."""
    if is_np_array():
        from ..numpy.ndarray import ndarray

        return ndarray
    return NDArray


def eager_namespace() -> Any:
    """The ``F`` of an eager ``hybrid_forward``: ``hybrid.nd`` in legacy mode (scripts test
    ``F is mx.nd``); in numpy mode the unchecked twin of ``nd`` (with ``F.np``, ``F.npx``), as
    the built-in layers run legacy ops on ``np.ndarray`` (see Note [Legacy operators refuse
    np.ndarray] in ``hybrid/ndarray/namespace.py``)."""
    return nd.unchecked if is_np_array() else nd


def check_inputs(block: str, args: Any) -> None:
    """Refuse arrays of the other mode's type among ``args`` (nested lists and tuples too), with
    MXNet's advice: numpy mode takes ``np.ndarray``, legacy mode ``nd.NDArray``."""
    if isinstance(args, (list, tuple)):
        for a in args:
            check_inputs(block, a)
        return
    if isinstance(args, NDArray):
        numpy_kind = args.__class__ is not NDArray
        if is_np_array() and not numpy_kind:
            raise numpy_array_expected(block)
        if numpy_kind and not is_np_array():
            raise legacy_array_expected(block)


def check_outputs(block: str, out: Any) -> None:
    """MXNet's check that a numpy-mode block returns ``np.ndarray`` values only."""
    if isinstance(out, (list, tuple)):
        for o in out:
            check_outputs(block, o)
    elif out.__class__ is NDArray:
        raise ArrayKindError(f"{block}: Block's output ndarrays/symbols must be of type "
                             f"`mxnet.numpy.ndarray` or `mxnet.symbol.numpy._Symbol`, while got "
                             f"output type {type(out)}")
