"""The Optimizer base class, the optimizer registry, and helpers shared by the update rules.

Note [Optimizer updates]
------------------------
``update(index, weight, grad, state)`` changes ``weight`` (and ``state``) in place, on their numpy
buffers. Where MXNet 1.9.1's Python optimizer calls an update kernel (SGD, NAG, Signum, Adam,
RMSProp, Ftrl), hybrid runs the same registered op (``sgd_mom_update``, ``adam_update``, ...:
one definition for ``nd.sgd_update`` and the optimizer); the others compute in numpy as MXNet's
Python code does. Either way the arithmetic is MXNet's: the same order of rescaling, weight decay
and clipping, the same bias corrections. ``grad`` is never modified. Every update first counts
itself (``_update_count``: per-index counts ``t`` and the global ``num_update`` that drives
``lr_scheduler``), then takes the index's learning rate and weight decay, which include the
per-parameter ``lr_mult`` / ``wd_mult`` (from the Trainer's Parameters, from ``set_lr_mult`` /
``set_wd_mult``, or 0 weight decay for names not ending in ``_weight`` / ``_gamma`` when
``param_idx2name`` is given). Gradient clipping is on when ``clip_gradient`` is truthy, as in
MXNet's Python layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..base import HybridError
from ..class_registry import ClassRegistry
from ..ndarray.ndarray import NDArray
from ..ops.registry import Ctx, get_op

__all__ = ["Optimizer", "register", "create"]


def _np(x: Any) -> np.ndarray:
    """The numpy buffer of an NDArray (or the numpy array itself)."""
    return x._data if isinstance(x, NDArray) else x


def zeros_like(weight: Any, dtype: Any = None) -> Any:
    """A zero state array shaped like ``weight``, of the same kind (NDArray or numpy)."""
    data = np.zeros(_np(weight).shape, dtype=dtype or _np(weight).dtype)
    return NDArray._wrap(data) if isinstance(weight, NDArray) else data


class Optimizer:
    """Base class of optimizers, with MXNet 1.9's arguments.

    Parameters
    ----------
    rescale_grad : float
        Gradients are multiplied by this first (the Trainer sets ``1 / batch_size``).
    param_idx2name : dict of int to str, optional
        Names of parameter indices; parameters whose names do not end in ``_weight`` or ``_gamma``
        get no weight decay.
    wd : float
        Weight decay (L2) coefficient.
    clip_gradient : float, optional
        Clip the rescaled gradient to ``[-clip_gradient, clip_gradient]``.
    learning_rate : float, optional
        The learning rate; 0.01 when neither it nor ``lr_scheduler`` is given. When both are given
        it becomes the scheduler's ``base_lr``.
    lr_scheduler : LRScheduler, optional
        Called with ``num_update`` to get the rate of each update.
    sym : object, optional
        Accepted for compatibility and ignored.
    begin_num_update : int
        The update count to start from.
    multi_precision : bool
        Keep a float32 master copy of float16 weights and update that.
    param_dict : dict of int to Parameter, optional
        Parameters by index (set by the Trainer): their ``lr_mult`` and ``wd_mult`` apply.
    """

    opt_registry: dict[str, type] = {}

    def __init__(
        self,
        rescale_grad: float = 1.0,
        param_idx2name: dict | None = None,
        wd: float = 0.0,
        clip_gradient: float | None = None,
        learning_rate: float | None = None,
        lr_scheduler: Any = None,
        sym: Any = None,
        begin_num_update: int = 0,
        multi_precision: bool = False,
        param_dict: dict | None = None,
    ):
        if param_idx2name is not None and not isinstance(param_idx2name, dict):
            raise HybridError(
                f"{type(self).__name__}: param_idx2name must be a dict of index to name, "
                f"got {type(param_idx2name).__name__}"
            )
        self.rescale_grad = rescale_grad
        self.lr_scheduler = lr_scheduler
        if lr_scheduler is None and learning_rate is None:
            learning_rate = 0.01
        self.lr = learning_rate
        if lr_scheduler is not None and learning_rate is not None:
            lr_scheduler.base_lr = learning_rate
        self.wd = wd
        self.begin_num_update = begin_num_update
        self.num_update = begin_num_update
        self._index_update_count: dict = {}
        self.clip_gradient = clip_gradient
        self.multi_precision = multi_precision
        self.aggregate_num = 0
        self.idx2name = dict(param_idx2name or {})
        self.param_dict = param_dict if param_dict else {}
        self.set_lr_mult({})
        self.set_wd_mult({})

    # -- registry
    # ---------------------------------------------------------------------------------------------
    @staticmethod
    def register(klass: type) -> type:
        """Register an optimizer class under its lowercased name, for ``create``."""
        return _CLASSES.register(klass, Optimizer)

    @staticmethod
    def create_optimizer(name: str, **kwargs: Any) -> Optimizer:
        """An optimizer from its (case-insensitive) name and keyword arguments."""
        return _CLASSES.get(name)(**kwargs)

    # -- learning rate and multipliers
    # ----------------------------------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """The current learning rate (the scheduler's value at ``num_update`` if there is one)."""
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def set_learning_rate(self, lr: float) -> None:
        """Set the learning rate; an error when an ``lr_scheduler`` drives it."""
        if self.lr_scheduler is not None:
            raise HybridError(
                f"{type(self).__name__}: set_learning_rate cannot change the rate while an "
                "LRScheduler is defined; change the scheduler instead"
            )
        self.lr = lr

    def set_lr_mult(self, args_lr_mult: dict) -> None:
        """Per-parameter learning-rate multipliers, keyed by index or name."""
        self.lr_mult = dict(args_lr_mult)

    def set_wd_mult(self, args_wd_mult: dict) -> None:
        """Per-parameter weight-decay multipliers, keyed by index or name.

        Names from ``param_idx2name`` that do not end in ``_weight`` or ``_gamma`` get 0 first.
        """
        self.wd_mult = {
            n: 0.0 for n in self.idx2name.values() if not n.endswith(("_weight", "_gamma"))
        }
        self.wd_mult.update(args_wd_mult)

    def _multiplier(self, index: Any, table: dict, attr: str) -> float:
        if index in self.param_dict:
            return getattr(self.param_dict[index], attr)
        if index in table:
            return table[index]
        if index in self.idx2name:
            return table.get(self.idx2name[index], 1.0)
        return 1.0

    def _get_lr(self, index: Any) -> float:
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        return lr * self._multiplier(index, self.lr_mult, "lr_mult")

    def _get_wd(self, index: Any) -> float:
        return self.wd * self._multiplier(index, self.wd_mult, "wd_mult")

    def _update_count(self, index: Any) -> int:
        """Count one update of ``index``; returns its count ``t`` (1 on the first update)."""
        count = self._index_update_count.get(index, self.begin_num_update) + 1
        self._index_update_count[index] = count
        self.num_update = max(count, self.num_update)
        return count

    def _begin_update(self, index: Any) -> tuple[float, float, int]:
        """Count the update, then return ``(lr, wd, t)`` for ``index``."""
        t = self._update_count(index)
        return self._get_lr(index), self._get_wd(index), t

    def _grad(self, grad: Any, weight: np.ndarray | None = None, wd: float = 0.0) -> np.ndarray:
        """A new array ``clip(rescale_grad * grad [+ wd * weight], clip_gradient)``.

        Pass ``weight`` for the rules (Adam, RMSProp, Adamax, Nadam) that add weight decay to the
        gradient before clipping; the others apply it separately.
        """
        g = _np(grad) * self.rescale_grad
        if weight is not None and wd:
            g += wd * weight
        if self.clip_gradient:
            np.clip(g, -self.clip_gradient, self.clip_gradient, out=g)
        return g

    def _run_update(
        self, op_name: str, weight: Any, grad: Any, states: tuple, **attrs: Any
    ) -> None:
        """Run MXNet's update op ``op_name`` from the registry, as MXNet's Python optimizer calls
        its kernel, on the buffers of ``weight``, ``grad`` and ``states``; the new weight and
        states are written back in place. ``attrs`` are the op's attributes besides
        ``rescale_grad`` and ``clip_gradient``, all given (no parsing on the hot path).
        """
        w = _np(weight)
        bufs = [_np(s) for s in states]
        clip = self.clip_gradient if self.clip_gradient else -1.0  # the op's "off" is negative
        out = get_op(op_name).forward(
            Ctx(), w, _np(grad), *bufs, rescale_grad=self.rescale_grad, clip_gradient=clip, **attrs
        )
        for buf, new in zip([w, *bufs], out if isinstance(out, tuple) else (out,)):
            buf[...] = new

    # -- states and updates
    # -------------------------------------------------------------------------------------------
    def create_state(self, index: Any, weight: Any) -> Any:
        """The auxiliary state of ``weight`` (momentum, moments, ...); None when there is none."""
        return None

    def create_state_multi_precision(self, index: Any, weight: Any) -> Any:
        """``create_state``, plus a float32 master copy first when ``multi_precision`` is on and
        the weight is float16.
        """
        if self.multi_precision and _np(weight).dtype == np.float16:
            master = zeros_like(weight, np.float32)
            _np(master)[...] = _np(weight)
            return (master, self.create_state(index, master))
        return self.create_state(index, weight)

    def update(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        """Update ``weight`` in place from ``grad`` and ``state``. See Note [Optimizer updates]."""
        raise NotImplementedError(f"{type(self).__name__} must define update")

    def update_multi_precision(self, index: Any, weight: Any, grad: Any, state: Any) -> None:
        """``update``, through the float32 master copy for float16 weights under
        ``multi_precision``.
        """
        if self.multi_precision and _np(weight).dtype == np.float16:
            master, inner = state
            self.update(index, master, _np(grad).astype(np.float32), inner)
            _np(weight)[...] = _np(master)
        else:
            self.update(index, weight, grad, state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self.lr}, wd={self.wd})"


_CLASSES = ClassRegistry("optimizer", Optimizer.opt_registry)
register = Optimizer.register
create = Optimizer.create_optimizer
