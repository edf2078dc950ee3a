"""``local`` and ``device``: a KVStore inside one process (MXNet 1.9's ``KVStoreLocal``)."""

from __future__ import annotations

from typing import Any

from ..base import HybridError
from ..ndarray.ndarray import NDArray
from .base import KVStore, _merge, _pairs

__all__ = ["LocalKVStore"]


class LocalKVStore(KVStore):
    """One worker: ``pushpull`` sums the per-device values, ``broadcast`` copies ``value`` into
    ``out``; see Note [KVStore semantics] in ``hybrid.kvstore.base``.

    Examples
    --------
    >>> from hybrid import kvstore, nd
    >>> kv = kvstore.create('local')
    >>> kv.init(3, nd.ones((2, 3)))
    >>> kv.push(3, [nd.ones((2, 3)), nd.ones((2, 3)) * 4])
    >>> out = nd.zeros((2, 3))
    >>> kv.pull(3, out=out)
    >>> out.asnumpy()
    array([[5., 5., 5.],
           [5., 5., 5.]], dtype=float32)
    """

    def is_capable(self, capability: str) -> bool:
        """A local store can run the optimizer (``set_optimizer``)."""
        return capability.lower() == "optimizer"

    def set_optimizer(self, optimizer: Any) -> None:
        """Run ``optimizer`` on the store: from now on ``push`` updates the stored value with the
        summed gradient, as MXNet's local store does. A Trainer created with
        ``update_on_kvstore`` updates through the same updater.
        """
        from ..optimizer import Optimizer, get_updater

        if not isinstance(optimizer, Optimizer):
            raise HybridError(f"KVStore.set_optimizer: expected an Optimizer, got {optimizer!r}")
        self._updater = get_updater(optimizer)

    def push(self, key: Any, value: Any, priority: int = 0) -> None:
        """Without an optimizer, replace the stored value by the sum of ``value``; with one,
        update the stored value with that sum as the gradient.
        """
        updater = getattr(self, "_updater", None)
        if updater is None:
            super().push(key, value, priority)
            return
        for k, values in _pairs(key, value, "push"):
            weight = NDArray._wrap(self._stored(k, "push"))
            updater(k, NDArray._wrap(_merge(values)), weight)
