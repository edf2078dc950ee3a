"""``local`` and ``device``: a KVStore inside one process (MXNet 1.9's ``KVStoreLocal``)."""

from __future__ import annotations

from .base import KVStore

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
