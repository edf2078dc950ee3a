"""Gluon's Trainer: applies an optimizer to a set of Parameters (MXNet 1.9's ``gluon.Trainer``)."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from .. import optimizer as opt
from ..base import HybridError
from .parameter import Parameter, ParameterDict

__all__ = ["Trainer", "StaleGradientError"]

_IN_PROCESS_KVSTORES = ("device", "local", None)


class StaleGradientError(HybridError, UserWarning):
    """``step``/``update`` found parameters whose gradient no backward pass has written since the
    last update. A ``UserWarning`` too, as MXNet raises that.
    """


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
    kvstore : str or object
        ``'device'``, ``'local'`` or None reduce nothing in one process. An object with
        ``pushpull(key, values, priority=...)`` is used to reduce gradients across workers.
    compression_params : dict, optional
        Accepted for compatibility; gradients are not compressed in one process.
    update_on_kvstore : bool, optional
        Accepted for compatibility; updates always run in this process.

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
        self._update_on_kvstore = update_on_kvstore
        self._kvstore = _check_kvstore(kvstore)
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
        ``1 / batch_size`` (through the optimizer's ``rescale_grad``).

        Raises :class:`StaleGradientError` naming the parameters whose gradient was not
        computed since the last step, unless ``ignore_stale_grad`` (then those are skipped).
        """
        self._optimizer.rescale_grad = self._scale / batch_size
        self._allreduce_grads()
        self._update(ignore_stale_grad)

    def allreduce_grads(self) -> None:
        """Reduce gradients across workers (``step`` = ``allreduce_grads`` + ``update``)."""
        self._allreduce_grads()

    def update(self, batch_size: int, ignore_stale_grad: bool = False) -> None:
        """Update the parameters from their (already reduced) gradients; see ``step``."""
        self._optimizer.rescale_grad = self._scale / batch_size
        self._update(ignore_stale_grad)

    def _allreduce_grads(self) -> None:
        # The one place gradients are reduced: nothing to do in one process; a kvstore sums each
        # gradient over workers in place.
        if self._kvstore is None:
            return
        for i, param in enumerate(self._params):
            if param.grad_req != "null":
                self._kvstore.pushpull(i, param.list_grad(), priority=-i)

    def _update(self, ignore_stale_grad: bool) -> None:
        active = [(i, p) for i, p in enumerate(self._params) if p.grad_req != "null"]
        stale = [p.name for _, p in active if not getattr(p, "_fresh_grad", False)]
        if stale and not ignore_stale_grad:
            raise StaleGradientError(
                f"Trainer: gradient of Parameter(s) {stale} has not been updated by backward "
                "since last `step`. This could mean a bug in your model that made it only use a "
                "subset of the Parameters (Blocks) for this iteration. If you are intentionally "
                "only using a subset, call step with ignore_stale_grad=True to suppress this "
                "error and skip updating of Parameters with stale gradient"
            )
        fresh = [(i, p) for i, p in active if getattr(p, "_fresh_grad", False)]
        if not fresh:
            return
        indices = [i for i, _ in fresh]
        grads = [p.list_grad()[0] for _, p in fresh]
        weights = [p.list_data()[0] for _, p in fresh]
        self._updaters[0](indices, grads, weights)
        for _, p in fresh:
            p._fresh_grad = False

    # -- states
    # --------------------------------------------------------------------------------------------
    def save_states(self, fname: str) -> None:
        """Save the optimizer and its per-parameter states to ``fname`` (pickle-free ``.npz``,
        written to a temporary file and renamed into place). See Note [Optimizer state format]
        in ``hybrid.optimizer.updater``.
        """
        data = self._updaters[0].get_states(dump_optimizer=True)
        folder = os.path.dirname(os.path.abspath(fname))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".states")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, fname)
        except BaseException:
            os.unlink(tmp)
            raise

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


def _check_kvstore(kvstore: Any) -> Any:
    """None for an in-process kvstore; the object itself when it can reduce gradients."""
    if isinstance(kvstore, str) or kvstore is None:
        if kvstore not in _IN_PROCESS_KVSTORES:
            raise HybridError(
                f"Trainer: kvstore {kvstore!r} is not supported yet; use 'device', 'local' or None"
            )
        return None
    if not callable(getattr(kvstore, "pushpull", None)):
        raise HybridError(f"Trainer: kvstore {kvstore!r} has no pushpull(key, values, priority)")
    return kvstore
