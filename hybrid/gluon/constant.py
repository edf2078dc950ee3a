"""Gluon's :class:`Constant`: a parameter with a fixed value that is never trained."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ndarray.ndarray import NDArray
from .parameter import Parameter

__all__ = ["Constant"]


class Constant(Parameter):
    """A parameter that is never trained (``grad_req='null'``), holding a fixed value.

    Accepts MXNet 1.9's ``Constant(name, value)`` and the shorter ``Constant(value)``.

    Examples
    --------
    >>> import hybrid as mx
    >>> c = mx.gluon.Constant('c', mx.nd.array([1, 2]))
    >>> c.initialize()
    >>> c.data().asnumpy()
    array([1., 2.], dtype=float32)
    """

    def __init__(self, name: Any, value: Any = None):
        if value is None and not isinstance(name, str):
            name, value = "const", name
        if not isinstance(value, NDArray):
            value = NDArray._wrap(np.array(value, dtype=np.float32))
        self.value = value
        super().__init__(
            name,
            grad_req="null",
            shape=value.shape,
            dtype=value.dtype,
            init="zeros",
            differentiable=False,
        )

    def __repr__(self) -> str:
        return f"Constant {self.name} (shape={self.shape}, dtype={self.dtype})"

    def _fill(self, buf: NDArray, init: Any, default_init: Any) -> None:
        buf._data[...] = self.value._data
