"""Lowering of contrib.SyncBatchNorm (``hybrid/ops/sync_norm.py``): an exported model runs in
one process, where the op is BatchNorm over channel axis 1, so BatchNorm's lowering is used.
"""

from __future__ import annotations

from ..builder import Builder, Call
from . import lowering
from .norm import _batch_norm


@lowering("_contrib_SyncBatchNorm")
def _sync_batch_norm(ctx: Builder, n: Call) -> list[str] | str:
    return _batch_norm(ctx, n._replace(attrs={**n.attrs, "axis": 1}))
