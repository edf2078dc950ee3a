"""Gluon's Trainer: applies an optimizer to a set of Parameters (MXNet 1.9's ``gluon.Trainer``).

Note [Distributed steps]
------------------------
With a distributed kvstore (``'dist_sync'``, ``'dist_sync_device'``, ``'horovod'`` or such a
KVStore object) the Trainer follows MXNet 1.9.1's rules with updates off the store:

- The kvstore is created at the first ``step`` (or ``allreduce_grads``/``update``), not in the
  constructor. Then every worker checks that all workers train the same parameters (names, shapes
  and dtypes, compared through a digest) and raises naming the ones that differ, and every
  parameter (those without gradients too, e.g. BatchNorm's running statistics) is broadcast from
  rank 0, so all workers start equal. Parameters still waiting for deferred initialization are
  broadcast at a later step, once they have a value.
- ``step(batch_size)`` = ``allreduce_grads()`` + ``update(batch_size)``, with ``batch_size`` the
  batch of this worker, as a single-process script passes it. ``allreduce_grads`` sums every
  gradient over the workers in one ``pushpull`` of all keys (the store packs small gradients into
  a few flat buffers: Note [Gradient buckets] in ``hybrid.kvstore.mpi``). ``update`` then applies
  the optimizer on every worker with ``rescale_grad = 1 / (batch_size * num_workers)``: the summed
  gradient is normalised by the global batch, so N workers with batch b step exactly like one
  process with batch N * b (Horovod's rule). Every worker holds the same summed gradients and makes
  the same update, so the parameters stay identical.
- ``update_on_kvstore=True`` raises: hybrid's stores never run the optimizer.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import kvstore as kvs
from .. import optimizer as opt
from ..base import HybridError
from ..serialization import write_atomic
from .parameter import Parameter, ParameterDict

__all__ = ["Trainer", "StaleGradientError"]


class StaleGradientError(HybridError, UserWarning):
    """``step``/``update`` found parameters whose gradient no backward pass has written since the
    last update. A ``UserWarning`` too, as MXNet raises that.
    """


class KVStoreUpdateError(HybridError, ValueError):
    """``update_on_kvstore=True`` with a store that cannot run the optimizer (MXNet raises a
    ValueError).
    """


class UpdateOnKVStoreError(HybridError, AssertionError):
    """``update``/``allreduce_grads`` on a Trainer that updates on its kvstore (MXNet asserts)."""


class Trainer:
    """Applies an optimizer to a set of Parameters; call ``step`` after ``backward``.

    Parameters
    ----------
    params : ParameterDict, dict or list of Parameter
        The parameters to optimize (a dict's parameters are taken in sorted key order, which
        gives each its optimizer index, as in MXNet).
    optimizer : str or Optimizer
        An optimizer name for ``hybrid.optimizer.create`` (e.g. ``'sgd'``) or an instance.
    optimizer_params : dict, optional
        Keyword arguments for the optimizer, e.g. ``{'learning_rate': 0.1}``; only with a name.
    kvstore : str, KVStore or object
        ``'device'``, ``'local'`` or None reduce nothing in one process. ``'dist_sync'``,
        ``'dist_sync_device'``, ``'dist_device_sync'`` or ``'horovod'`` sum gradients over the MPI
        workers started by ``hybrid-run`` (see Note [Distributed steps]); so does a KVStore from
        ``hybrid.kvstore.create``. Any other object with ``pushpull(key, values, priority=...)``
        is called once per parameter to reduce its gradient.
    compression_params : dict, optional
        Ignored in one process; a distributed kvstore raises, as it does not compress.
    update_on_kvstore : bool, optional
        In one process, when parameters have copies on several contexts, ``'device'`` and
        ``'local'`` make a local store that runs the optimizer (None: the default of the
        ``MXNET_UPDATE_ON_KVSTORE`` variable, on), as MXNet does; ``update`` and
        ``allreduce_grads`` are then refused. A distributed kvstore never runs the optimizer
        (True raises), nor does a user-defined one (True raises a ValueError at the first step).

    Examples
    --------
    >>> import numpy as np
    >>> from hybrid import autograd, gluon, nd
    >>> w = gluon.Parameter('w', shape=(2,), init='ones')
    >>> w.initialize()
    >>> trainer = gluon.Trainer([w], 'sgd', {'learning_rate': 0.5})
    >>> with autograd.record():
    ...     loss = (w.data() * nd.array([1.0, 2.0])).sum()
    >>> loss.backward()
    >>> trainer.step(batch_size=1)
    >>> w.data().asnumpy()
    array([0.5, 0. ], dtype=float32)
    """

    def __init__(
        self,
        params: Any,
        optimizer: Any,
        optimizer_params: dict | None = None,
        kvstore: Any = "device",
        compression_params: dict | None = None,
        update_on_kvstore: bool | None = None,
    ):
        self._params = _param_list(params)
        self._param2idx = {p.name: i for i, p in enumerate(self._params)}
        self._compression_params = compression_params
        _check_kvstore(kvstore, update_on_kvstore)
        self._kvstore_params = {"kvstore": kvstore, "update_on_kvstore": update_on_kvstore}
        self._kv_initialized = False
        self._kvstore: Any = None
        self._update_on_kvstore: bool | None = None  # updates always run here, never in a store
        for p in self._params:
            p._set_trainer(self)
        self._params_to_init = list(self._params)
        self._init_optimizer(optimizer, optimizer_params or {})
        self._scale = self._optimizer.rescale_grad

    def _init_optimizer(self, optimizer: Any, optimizer_params: dict) -> None:
        param_dict = dict(enumerate(self._params))
        if isinstance(optimizer, opt.Optimizer):
            if optimizer_params:
                raise HybridError(
                    "Trainer: optimizer_params must be empty when optimizer is an Optimizer "
                    f"instance, got {optimizer_params}"
                )
            self._optimizer = optimizer
            self._optimizer.param_dict = param_dict
        else:
            self._optimizer = opt.create(optimizer, param_dict=param_dict, **optimizer_params)
        self._updaters = [opt.get_updater(self._optimizer)]

    # -- kvstore (see Note [Distributed steps])
    # ----------------------------------------------------------------------------------------
    def _init_kvstore(self) -> None:
        kv = self._kvstore_params["kvstore"]
        update = self._kvstore_params["update_on_kvstore"]
        if isinstance(kv, str):
            # One process: a store only when parameters have copies on several contexts, as
            # MXNet creates one (see Note [Copies per context] in hybrid.gluon.parameter).
            several = any(len(p._ctx_list) > 1 for p in self._params)
            local = kv in kvs.LOCAL_TYPES
            kv = None if local and not several else kvs.create(kv)
        custom = isinstance(kv, kvs.KVStoreBase) and not isinstance(kv, kvs.KVStore)
        if custom and update:
            raise KVStoreUpdateError(
                f"Trainer: kvstore {kv.type!r} cannot run the optimizer (updates always run "
                "on the workers); pass update_on_kvstore=False or None"
            )
        on_store = False
        if kv is not None:
            if self._compression_params and hasattr(kv, "set_gradient_compression"):
                kv.set_gradient_compression(self._compression_params)
            if hasattr(kv, "check_same"):
                kv.check_same([_describe(p) for p in self._params], "Trainer")
            if isinstance(kv, kvs.KVStore) and kv.is_capable("optimizer"):
                # MXNet's default for a local store: MXNET_UPDATE_ON_KVSTORE, else on the store;
                # not with row-sparse gradients (kept dense here, see gluon.nn.Embedding).
                default = bool(int(os.environ.get("MXNET_UPDATE_ON_KVSTORE", "1")))
                default = default and all(p.grad_stype == "default" for p in self._params)
                on_store = default if update is None else bool(update)
        if on_store:
            kv.set_optimizer(self._optimizer)
            self._updaters = [kv._updater]
        self._kvstore = kv
        self._update_on_kvstore = None if kv is None else on_store
        self._kv_initialized = True

    def _reset_kvstore(self) -> None:
        """Drop the store (new parameter values were loaded); the next step makes a new one."""
        if self._kvstore is not None and "dist" in self._kvstore.type:
            raise HybridError("Trainer: cannot reset a distributed kvstore")
        self._kv_initialized = False
        self._kvstore = None
        self._update_on_kvstore = None
        self._updaters = [opt.get_updater(self._optimizer)]
        self._params_to_init = list(self._params)

    def _init_params(self) -> None:
        """Broadcast rank 0's values of the parameters that have one (deferred ones wait)."""
        ready = [p for p in self._params_to_init if p._data is not None]
        self._params_to_init = [p for p in self._params_to_init if p._data is None]
        kv = self._kvstore
        if kv is None or not ready or not hasattr(kv, "broadcast"):
            return
        keys = [self._param2idx[p.name] for p in ready]
        if isinstance(kv, kvs.KVStore):
            data = [p.list_data() for p in ready]
            kv.broadcast(keys, data, data)
            return
        for key, p in zip(keys, ready):
            kv.broadcast(key, p.list_data()[0], p.list_data(), priority=-key)

    def _prepare_kvstore(self) -> None:
        if not self._kv_initialized:
            self._init_kvstore()
        if self._params_to_init:
            self._init_params()

    # -- learning rate
    # -----------------------------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The optimizer's current learning rate."""
        return self._optimizer.learning_rate

    @property
    def optimizer(self) -> opt.Optimizer:
        return self._optimizer

    def set_learning_rate(self, lr: float) -> None:
        """Set the optimizer's learning rate (an error when an lr_scheduler drives it)."""
        self._optimizer.set_learning_rate(lr)

    # -- steps
    # ---------------------------------------------------------------------------------------------
    def step(self, batch_size: int, ignore_stale_grad: bool = False) -> None:
        """Reduce gradients, then update every parameter with gradients scaled by
        ``1 / batch_size`` (through the optimizer's ``rescale_grad``); with a distributed kvstore
        ``batch_size`` is this worker's batch and the scale ``1 / (batch_size * num_workers)``.

        Raises :class:`StaleGradientError` naming the parameters whose gradient was not
        computed since the last step, unless ``ignore_stale_grad`` (then those are skipped).
        """
        self._prepare_kvstore()
        self._set_batch_size(batch_size)
        self._allreduce_grads()
        self._update(ignore_stale_grad)

    def allreduce_grads(self) -> None:
        """Sum the gradients over the workers (``step`` = ``allreduce_grads`` + ``update``);
        e.g. to clip the summed gradients before ``update``.
        """
        self._prepare_kvstore()
        self._check_not_on_store("allreduce_grads")
        self._allreduce_grads()

    def update(self, batch_size: int, ignore_stale_grad: bool = False) -> None:
        """Update the parameters from their (already reduced) gradients, scaled by
        ``1 / (batch_size * num_workers)``; see ``step``.
        """
        self._prepare_kvstore()
        self._check_not_on_store("update")
        self._set_batch_size(batch_size)
        self._update(ignore_stale_grad)

    def _check_not_on_store(self, what: str) -> None:
        if self._update_on_kvstore:
            raise UpdateOnKVStoreError(
                f"Trainer.{what}: not available when parameters are updated on the kvstore; "
                "create the Trainer with update_on_kvstore=False"
            )

    def _set_batch_size(self, batch_size: int) -> None:
        # Summed gradients are normalised by the global batch (see Note [Distributed steps]).
        workers = getattr(self._kvstore, "num_workers", 1)
        self._optimizer.rescale_grad = self._scale / (batch_size * workers)

    def _allreduce_grads(self) -> None:
        # The one place gradients are reduced: nothing to do in one process; a hybrid KVStore
        # gets every key in one call (so it can bucket them), any other object one call per key.
        kv = self._kvstore
        if kv is None:
            self._reduce_copies()
            return
        # Parameters still waiting for deferred initialization have no gradient yet.
        active = [
            (i, p)
            for i, p in enumerate(self._params)
            if p.grad_req != "null" and p._data is not None
        ]
        if isinstance(kv, kvs.KVStore):
            kv.pushpull([i for i, _ in active], [p.list_grad() for _, p in active])
            return
        for i, param in active:
            kv.pushpull(i, param.list_grad(), priority=-i)

    def _reduce_copies(self) -> None:
        """Sum each gradient over the parameter's contexts into every copy, as MXNet's local
        kvstore does (see Note [Copies per context] in ``hybrid.gluon.parameter``).
        """
        for p in self._params:
            if p.grad_req == "null" or p._data is None or not p._replicas:
                continue
            grads = p.list_grad()
            total = sum(g._data for g in grads)
            for g in grads:
                g._data[...] = total

    def _update(self, ignore_stale_grad: bool) -> None:
        active = [(i, p) for i, p in enumerate(self._params) if p.grad_req != "null"]
        stale = [p.name for _, p in active if not _written(p)]
        if stale and not ignore_stale_grad:
            raise StaleGradientError(
                f"Trainer: gradient of Parameter(s) {stale} has not been updated by backward "
                "since last `step`. This could mean a bug in your model that made it only use a "
                "subset of the Parameters (Blocks) for this iteration. If you are intentionally "
                "only using a subset, call step with ignore_stale_grad=True to suppress this "
                "error and skip updating of Parameters with stale gradient"
            )
        fresh = [(i, p) for i, p in active if _written(p)]
        if not fresh:
            return
        indices = [i for i, _ in fresh]
        grads = [p.list_grad()[0] for _, p in fresh]
        weights = [p.list_data()[0] for _, p in fresh]
        self._updaters[0](indices, grads, weights)
        for _, p in fresh:
            p._fresh_grad = False
            for d in p._copies():
                d._fresh_grad = False
            for copy, _ in p._replicas:  # every context gets the updated value
                copy._data[...] = p._data._data

    # -- states
    # --------------------------------------------------------------------------------------------
    def save_states(self, fname: str) -> None:
        """Save the optimizer and its per-parameter states to ``fname`` (pickle-free ``.npz``,
        written to a temporary file and renamed into place). See Note [Optimizer state format]
        in ``hybrid.optimizer.updater``.
        """
        write_atomic(fname, self._updaters[0].get_states(dump_optimizer=True))

    def load_states(self, fname: str) -> None:
        """Load what ``save_states`` wrote: the optimizer's settings and update counts and the
        per-parameter states. The parameters' ``lr_mult``/``wd_mult`` stay the current ones.
        """
        try:
            with open(fname, "rb") as f:
                data = f.read()
        except OSError as err:
            raise HybridError(f"Trainer.load_states: cannot read {fname!r}: {err}") from err
        updater = self._updaters[0]
        try:
            updater.set_states(data)
        except HybridError as err:
            raise HybridError(f"Trainer.load_states: {fname!r}: {err}") from err
        self._optimizer = updater.optimizer
        self._optimizer.param_dict = dict(enumerate(self._params))


def _param_list(params: Any) -> list[Parameter]:
    if isinstance(params, (dict, ParameterDict)):
        params = [params[key] for key in sorted(params.keys())]
    if not isinstance(params, (list, tuple)):
        raise HybridError(
            f"Trainer: first argument must be a list or dict of Parameters, got {type(params)}"
        )
    for p in params:
        if not isinstance(p, Parameter):
            raise HybridError(
                f"Trainer: first argument must be a list or dict of Parameters, got an item of "
                f"type {type(p)}"
            )
    return list(params)


def _check_kvstore(kvstore: Any, update_on_kvstore: bool | None) -> None:
    """Reject unknown kvstore names and objects, and updates on a distributed store."""
    if isinstance(kvstore, str) or kvstore is None:
        if kvstore not in (None, *kvs.LOCAL_TYPES, *kvs.DIST_TYPES):
            raise HybridError(
                f"Trainer: kvstore {kvstore!r} is not supported; use one of None, "
                f"{', '.join(kvs.LOCAL_TYPES + kvs.DIST_TYPES)} or a KVStore object"
            )
        kv_type = kvstore
    elif isinstance(kvstore, kvs.KVStoreBase) and not isinstance(kvstore, kvs.KVStore):
        return  # a user-defined store: checked when the first step creates it, as MXNet does
    elif callable(getattr(kvstore, "pushpull", None)):
        kv_type = getattr(kvstore, "type", None)
    else:
        raise HybridError(f"Trainer: kvstore {kvstore!r} has no pushpull(key, values, priority)")
    if update_on_kvstore and kv_type not in (None, *kvs.LOCAL_TYPES):
        raise HybridError(
            f"Trainer: update_on_kvstore=True is not supported with kvstore {kv_type!r}: the "
            "gradients are summed over the workers, then every worker applies the optimizer "
            "itself; pass update_on_kvstore=False or None"
        )


def _written(param: Parameter) -> bool:
    """Whether a backward pass wrote the parameter's gradient since its last update: its data was
    read while recording (see Note [Stale gradients]) or, as MXNet checks, backward marked one of
    its copies (arrays taken with ``list_data()`` before ``record()``).
    """
    if getattr(param, "_fresh_grad", False):
        return True
    return param._data is not None and any(d._fresh_grad for d in param._copies())


def _describe(param: Parameter) -> str:
    """What must agree across workers for one parameter: name, shape and dtype."""
    return f"{param.name} {tuple(param.shape or ())} {np.dtype(param.dtype).name}"
