"""Gluon parameters: :class:`Parameter`, :class:`Constant` and :class:`ParameterDict` (MXNet 1.9).

Note [Deferred initialization]
------------------------------
A layer often does not know its input size until it sees data: ``Dense(120)`` declares its weight
with shape ``(120, 0)``, 0 meaning unknown. ``initialize()`` on such a parameter only remembers the
initializer; ``data()`` raises :class:`DeferredInitializationError` until the layer, on its first
forward, fills the unknown dims through the ``shape`` setter (from its op's two-way ``infer``) and
calls ``_finish_deferred_init()``, which allocates the array and runs the initializer.

Note [Copies per context]
-------------------------
As in MXNet, ``initialize(ctx=[cpu(0), cpu(1)])`` keeps one independent copy of the data and of
the gradient per context (``list_data``, ``list_grad``, ``list_ctx``); ``data(ctx)`` picks one. A
layer reads the copy on its input's context, so a batch split over contexts
(``gluon.utils.split_and_load``) writes each slice's gradient into its own copy. The Trainer sums
the gradients of the copies (MXNet's local kvstore), updates with the sum and writes the result
to every copy. ``_data``/``_grad`` hold the first context's copy, ``_replicas`` the others'.

Note [Stale gradients]
----------------------
``Trainer.step`` must know which parameters took part in the last recorded forward pass. Reading a
parameter with ``data()`` while ``autograd`` records sets ``param._fresh_grad = True``; the Trainer
checks and resets the flag (a hybridized block's CachedOp sets it for the parameters its graph
uses).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import autograd, initializer
from ..base import HybridError
from ..context import Context, cpu, current_context
from ..ndarray.ndarray import NDArray
from ._np_mode import array_class
from ._parameter_access import ParameterAccessMixin

__all__ = [
    "DeferredInitializationError",
    "load_checked",
    "ParameterNotInitializedError",
    "ParameterAccessError",
    "Parameter",
    "Constant",
    "ParameterDict",
    "shape_is_known",
]

_GRAD_REQS = ("write", "add", "null")
# Storage types MXNet accepts; hybrid keeps the label and stores every array densely.
_STYPES = ("default", "row_sparse", "csr")


class DeferredInitializationError(HybridError):
    """A parameter whose initialization waits for its shape (see Note [Deferred initialization])."""


class ParameterNotInitializedError(HybridError, RuntimeError):
    """A parameter read before ``initialize()`` was called on it (a RuntimeError, as MXNet's)."""


class ParameterStypeError(HybridError, AssertionError):
    """An unknown storage type (an AssertionError, as MXNet's check is an assert)."""


class ParameterAccessError(HybridError, RuntimeError):
    """A parameter read on a context it was not initialized on, or its gradient read with
    ``grad_req='null'`` (a RuntimeError, as MXNet's).
    """


def _label(ctx: Context) -> Context | None:
    """NDArray's ``_ctx`` for ``ctx``: None stands for the default cpu(0)."""
    return None if ctx == cpu() else ctx


def shape_is_known(shape: tuple | None) -> bool:
    """True when ``shape`` is given and has no unknown (0 or -1) dim."""
    return shape is not None and all(d > 0 for d in shape)


def _contexts(ctx: Any) -> list[Context]:
    ctxs = [current_context()] if ctx is None else ctx if isinstance(ctx, (list, tuple)) else [ctx]
    ctxs = [Context(c) for c in ctxs]
    for c in ctxs:
        c.check_backend()
    return ctxs


class Parameter(ParameterAccessMixin):
    """A weight of a Block: its data, its gradient and how to initialize and train it.

    Parameters
    ----------
    name : str, default 'weight'
        Name; layers prefix it with their own (``dense0_weight``).
    grad_req : {'write', 'add', 'null'}, default 'write'
        How ``backward`` stores gradients: overwrite, accumulate, or none.
    shape : int or tuple of int, optional
        Shape; 0 marks a dim that is only known at the first forward
        (see Note [Deferred initialization]).
    dtype : numpy dtype or str, default float32
    lr_mult, wd_mult : float, default 1.0
        Multipliers of the optimizer's learning rate and weight decay.
    init : Initializer or str, optional
        This parameter's own initializer; it wins over the one given to ``initialize()``.
    allow_deferred_init : bool, default False
        Whether ``initialize()`` may wait for an unknown shape instead of raising.
    differentiable : bool, default True
        False for values that are not trained (e.g. BatchNorm's running statistics).
    stype, grad_stype : str, default 'default'
        Storage types; hybrid stores every array densely.

    Examples
    --------
    >>> import hybrid as mx
    >>> p = mx.gluon.Parameter('w', shape=(2, 3), init='ones')
    >>> p.initialize()
    >>> p.data().shape
    (2, 3)
    """

    def __init__(
        self,
        name: str = "weight",
        grad_req: str = "write",
        shape: int | tuple | None = None,
        dtype: Any = np.float32,
        lr_mult: float = 1.0,
        wd_mult: float = 1.0,
        init: Any = None,
        allow_deferred_init: bool = False,
        differentiable: bool = True,
        stype: str = "default",
        grad_stype: str = "default",
    ):
        self._var = None
        # The copy on the first context; the others in _replicas (see Note [Copies per context]).
        self._data: NDArray | None = None
        self._grad: NDArray | None = None
        self._replicas: list[tuple[NDArray, NDArray | None]] = []
        self._ctx_list: list[Context] | None = None
        self._deferred_init: tuple = ()
        self._differentiable = differentiable
        self._allow_deferred_init = allow_deferred_init
        self._grad_req = "null"
        self._trace_symbol: Any = None
        self._fresh_grad = False
        self._trainer: Any = None
        self.name = name
        self._shape = (
            (shape,) if isinstance(shape, int) else None if shape is None else tuple(shape)
        )
        self.dtype = np.dtype(dtype).type
        self.lr_mult = lr_mult
        self.wd_mult = wd_mult
        self.init = init
        for what, value in (("stype", stype), ("grad_stype", grad_stype)):
            if value not in _STYPES:
                raise ParameterStypeError(
                    f"{what} for Parameter '{name}' must be one of 'default', 'row_sparse', or "
                    f"'csr', but got {value!r}"
                )
        self._stype = stype
        self._grad_stype = grad_stype
        self.grad_req = grad_req

    def __repr__(self) -> str:
        return f"Parameter {self.name} (shape={self.shape}, dtype={self.dtype})"

    def _set_trainer(self, trainer: Any) -> None:
        """Remember the Trainer of this parameter; a sparse one takes only one (MXNet's rule)."""
        current = getattr(self, "_trainer", None)
        if self._stype != "default" and current and trainer and current is not trainer:
            raise ParameterAccessError(
                f"Failed to set the trainer for Parameter '{self.name}' because it was already "
                f"set. More than one trainers for a {self._stype} Parameter is not supported."
            )
        self._trainer = trainer

    # -- attributes -------------------------------------------------------------------------------
    @property
    def grad_req(self) -> str:
        return self._grad_req

    @grad_req.setter
    def grad_req(self, req: str) -> None:
        if req not in _GRAD_REQS:
            raise HybridError(
                f"Parameter '{self.name}': grad_req {req!r}, expected one of {_GRAD_REQS}"
            )
        if not self._differentiable:
            req = "null"
        if self._grad_req == req:
            return
        self._grad_req = req
        if req == "null":
            self._grad = None
            for d in self._copies():
                autograd.mark_variables(d, None, "null")
            self._replicas = [(d, None) for d, _ in self._replicas]
        elif self._data is not None:
            self._init_grad()

    @property
    def shape(self) -> tuple | None:
        return self._shape

    @shape.setter
    def shape(self, new_shape: int | tuple) -> None:
        new_shape = (new_shape,) if isinstance(new_shape, int) else tuple(new_shape)
        if self._shape is None:
            self._shape = new_shape
            return
        fits = len(new_shape) == len(self._shape) and all(
            old in (0, -1, new) for new, old in zip(new_shape, self._shape)
        )
        if not fits:
            raise HybridError(
                f"Parameter '{self.name}': shape {new_shape} does not fit its declared shape "
                f"{self._shape}"
            )
        self._shape = new_shape

    @property
    def stype(self) -> str:
        return self._stype

    @property
    def grad_stype(self) -> str:
        return self._grad_stype

    # -- initialization ---------------------------------------------------------------------------
    def initialize(
        self,
        init: Any = None,
        ctx: Any = None,
        default_init: Any = None,
        force_reinit: bool = False,
    ) -> None:
        """Allocate and fill the data now, or once the shape is known.

        ``init`` (else this parameter's own ``init``, else ``default_init``, whose default is
        ``Uniform(0.07)``) fills the array (see Note [Initializer dispatch] in hybrid.initializer).
        A second call without ``force_reinit=True`` warns and keeps the data.
        """
        if self._data is not None and not force_reinit:
            warnings.warn(
                f"Parameter '{self.name}' is already initialized, ignoring. "
                "Set force_reinit=True to re-initialize.",
                stacklevel=2,
            )
            return
        self._data = self._grad = None
        if default_init is None:
            default_init = initializer.Uniform()
        if init is None:
            init = default_init if self.init is None else self.init
        self._deferred_init = (init, _contexts(ctx), default_init, None)
        if shape_is_known(self._shape):
            self._finish_deferred_init()
        elif not self._allow_deferred_init:
            self._deferred_init = ()
            raise HybridError(
                f"Parameter '{self.name}': cannot initialize, its shape {self._shape} is not "
                "known. Give the full shape (e.g. in_units, in_channels) or allow deferred init."
            )

    def _finish_deferred_init(self) -> None:
        """Allocate and initialize once the shape is complete (see Note [Deferred
        initialization]).
        """
        if not self._deferred_init:
            return
        init, ctxs, default_init, data = self._deferred_init
        if not shape_is_known(self._shape):
            raise DeferredInitializationError(
                f"Parameter '{self.name}': cannot initialize, its shape {self._shape} is still "
                "unknown. Specify in_units, in_channels, etc. for the Block that owns it."
            )
        with autograd.pause():
            if data is None:
                buf = array_class()._wrap(np.zeros(self._shape, dtype=self.dtype))
                self._fill(buf, init, default_init)
            else:
                buf = array_class()._wrap(
                    np.array(getattr(data, "_data", data), dtype=self.dtype)
                )
        self._deferred_init = ()
        self._init_impl(buf, ctxs)

    def _fill(self, buf: NDArray, init: Any, default_init: Any) -> None:
        """Run the initializer on ``buf``: the own/explicit ``init`` wins, as in MXNet."""
        desc = initializer.InitDesc(self.name, {"__init__": init})
        initializer.create(default_init)(desc, buf)

    def _init_impl(self, data: NDArray, ctxs: list[Context]) -> None:
        """One copy of ``data`` per context (see Note [Copies per context])."""
        self._ctx_list = list(ctxs)
        data._ctx = _label(ctxs[0])
        self._data = data
        self._replicas = [(data.copyto(c).detach(), None) for c in ctxs[1:]]
        self._init_grad()

    def _copies(self) -> list[NDArray]:
        """The data on every context, in ``list_ctx()`` order (empty before initialization)."""
        return [] if self._data is None else [self._data] + [d for d, _ in self._replicas]

    def _init_grad(self) -> None:
        if self._grad_req == "null":
            self._grad = None
            self._replicas = [(d, None) for d, _ in self._replicas]
            return
        grads = [d._like(np.zeros_like(d._data)) for d in self._copies()]
        for d, g in zip(self._copies(), grads):
            autograd.mark_variables(d, g, self._grad_req)
        self._grad = grads[0]
        self._replicas = [(d, g) for (d, _), g in zip(self._replicas, grads[1:])]

    def _load_init(
        self, data: Any, ctx: Any = None, cast_dtype: bool = False, dtype_source: str = "current"
    ) -> None:
        """Take ``data`` (an NDArray read from a file) as this parameter's value."""
        arr = check_loadable(self, data, cast_dtype, dtype_source)
        trainer = self._trainer
        if trainer is not None and trainer._kv_initialized and trainer._update_on_kvstore:
            trainer._reset_kvstore()  # the store's copy of the weights is stale now, as MXNet
        if cast_dtype and dtype_source == "saved":
            self.dtype = arr.dtype.type
        self.shape = arr.shape
        if self._data is not None and self._data._data.dtype == arr.dtype:
            for d in self._copies():
                d._data[...] = arr
            return
        ctxs = _contexts(ctx) if ctx is not None else self._deferred_ctxs()
        self._deferred_init = ()
        self._init_impl(array_class()._wrap(arr.copy()), ctxs)

    def _deferred_ctxs(self) -> list[Context]:
        if self._deferred_init:
            return self._deferred_init[1]
        return self._ctx_list or [cpu()]

    def cast(self, dtype: Any) -> None:
        """Change the dtype of the data and gradient."""
        self.dtype = np.dtype(dtype).type
        if self._data is None:
            return
        self._data = self._data._like(self._data._data.astype(self.dtype))
        self._replicas = [(d._like(d._data.astype(self.dtype)), None) for d, _ in self._replicas]
        self._init_grad()

    def var(self) -> Any:
        """A Symbol variable named after this parameter, for tracing ``hybrid_forward``."""
        if self._var is None:
            from .. import symbol

            self._var = symbol.var(
                self.name,
                shape=self.shape,
                dtype=self.dtype,
                lr_mult=self.lr_mult,
                wd_mult=self.wd_mult,
                init=self.init,
                stype=self._stype,
            )
        return self._var


# Constant and ParameterDict live in their own modules and import Parameter from here; re-exported
# for `from hybrid.gluon.parameter import Constant, ParameterDict`, as in MXNet.
from .constant import Constant  # noqa: E402
from .parameter_dict import ParameterDict, check_loadable, load_checked  # noqa: E402
