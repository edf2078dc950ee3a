"""Lowerings of the ``mx.np.linalg`` ops (``hybrid/ops/np_linalg.py``): none is expressible in
ONNX, so each raises with its reason.
"""

from __future__ import annotations

from hybrid.ops.registry import get_op

from . import lowering
from .math import unavailable

for _name in ("_npi_svd", "_npi_solve", "_npi_eig", "_npi_eigvals"):
    lowering(_name)(unavailable(_name, get_op(_name).xfail["onnx"]))
