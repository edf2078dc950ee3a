"""Key-value stores for reducing gradients (MXNet 1.9's ``mx.kv``): ``create(name)``.

``local`` and ``device`` work inside one process; ``dist_sync``, ``dist_sync_device`` (also spelled
``dist_device_sync``) and ``horovod`` sum over the MPI processes started by ``hybrid-run``
(mpi4py is imported only when one of those is created).
"""

from __future__ import annotations

from ..base import HybridError
from .base import KVStore
from .custom import KVStoreBase, TestStore
from .local import LocalKVStore
from .mpi import install_abort_hook, launcher_rank_size

__all__ = ["KVStore", "KVStoreBase", "TestStore", "create", "LOCAL_TYPES", "DIST_TYPES"]

LOCAL_TYPES = ("local", "device")
DIST_TYPES = ("dist_sync", "dist_sync_device", "dist_device_sync", "horovod")


def create(name: str = "local") -> KVStore:
    """A new KVStore of type ``name``.

    Parameters
    ----------
    name : str
        ``'local'`` or ``'device'`` (one process), or ``'dist_sync'``, ``'dist_sync_device'``,
        ``'dist_device_sync'`` or ``'horovod'`` (every process of the MPI job; all of them must
        call ``create`` in the same order), or the lower-cased name of a class registered with
        ``KVStoreBase.register`` (``'teststore'`` is MXNet's).

    Examples
    --------
    >>> from hybrid import kvstore
    >>> kv = kvstore.create('device')
    >>> kv.type, kv.rank, kv.num_workers
    ('device', 0, 1)
    """
    if not isinstance(name, str):
        raise HybridError(f"kvstore.create: name must be a string, got {name!r}")
    custom = KVStoreBase.kv_registry.get(name.lower())  # see KVStoreBase.register
    if custom is not None:
        return custom()
    if name in LOCAL_TYPES:
        return LocalKVStore(name)
    if name in DIST_TYPES:
        from .mpi import MPIKVStore

        return MPIKVStore(name)
    raise HybridError(
        f"kvstore.create: unknown or unsupported kvstore type {name!r}; supported: "
        f"{', '.join(LOCAL_TYPES + DIST_TYPES)} (updates always run on the workers, so the "
        "asynchronous 'dist_async' has no equivalent)"
    )


# See Note [Failing workers] in hybrid.kvstore.mpi: under a launcher with several workers, an
# uncaught exception anywhere in the script must end the whole job.
_where = launcher_rank_size()
if _where is not None and _where[1] > 1:
    install_abort_hook()
