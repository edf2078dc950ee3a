"""Reading and writing a :class:`~hybrid.gluon.parameter.Parameter`'s copies per context.

The accessors of ``Parameter`` (``data``, ``grad``, ``list_*``, ``reset_ctx``, ``set_data``,
``zero_grad``), as a mixin it inherits (see Note [Copies per context] in hybrid.gluon.parameter).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import autograd
from ..base import HybridError
from ..context import Context, current_context
from ..ndarray.ndarray import NDArray


class ParameterAccessMixin:
    """The access methods of :class:`~hybrid.gluon.parameter.Parameter`."""

    # -- access -----------------------------------------------------------------------------------
    def _check_and_get(self, ctx: Any, grads: bool = False) -> NDArray:
        """The data (or gradient) copy on ``ctx``: with None, the only copy, else the one on
        the current context (as MXNet picks it).
        """
        if self._data is not None:
            if ctx is None and not self._replicas:
                return self._grad if grads else self._data
            where = current_context() if ctx is None else Context(ctx)
            if where not in self._ctx_list:
                from .parameter import ParameterAccessError

                raise ParameterAccessError(
                    f"Parameter '{self.name}' was not initialized on context {where}. "
                    f"It was only initialized on {self._ctx_list}."
                )
            i = self._ctx_list.index(where)
            if i == 0:
                return self._grad if grads else self._data
            return self._replicas[i - 1][1 if grads else 0]
        # Imported here, on the error paths only: every forward call comes through this method.
        from .parameter import DeferredInitializationError, ParameterNotInitializedError

        if self._deferred_init:
            raise DeferredInitializationError(
                f"Parameter '{self.name}' has not been initialized yet because initialization "
                "was deferred. Actual initialization happens during the first forward pass. "
                "Please pass one batch of data through the network before accessing Parameters. "
                "You can also avoid deferred initialization by specifying in_units, "
                "num_features, etc., for network layers."
            )
        raise ParameterNotInitializedError(
            f"Parameter '{self.name}' has not been initialized. Note that you should initialize "
            "parameters and create Trainer with Block.collect_params() instead of Block.params "
            "because the later does not include Parameters of nested child Blocks"
        )

    def data(self, ctx: Any = None) -> Any:
        """This parameter's value on ``ctx`` (an NDArray; a Symbol while a tracer runs the
        block). Without ``ctx``: the only copy, or the one on the current context.

        Raises :class:`DeferredInitializationError` before the shape is known.
        """
        if self._trace_symbol is not None:
            return self._trace_symbol
        data = self._check_and_get(ctx)
        if autograd._state.recording:
            self._fresh_grad = True
        return data

    def list_data(self) -> list[NDArray]:
        """The value on every context, in ``list_ctx()`` order."""
        self._check_and_get(None if not self._replicas else self._ctx_list[0])
        if autograd._state.recording:
            self._fresh_grad = True
        return self._copies()

    def grad(self, ctx: Any = None) -> NDArray:
        """The gradient buffer that ``backward`` writes into, on ``ctx`` (as ``data``)."""
        self._check_grad()
        return self._check_and_get(ctx, grads=True)

    def list_grad(self) -> list[NDArray]:
        """The gradient buffer on every context, in ``list_ctx()`` order."""
        self._check_grad()
        self._check_and_get(None if not self._replicas else self._ctx_list[0])
        return [self._grad] + [g for _, g in self._replicas]

    def _check_grad(self) -> None:
        from .parameter import ParameterAccessError

        if self._data is not None and self._grad is None:
            raise ParameterAccessError(
                f"Cannot get gradient array for Parameter '{self.name}' because grad_req='null'"
            )

    def list_ctx(self) -> list[Context]:
        from .parameter import ParameterNotInitializedError

        if self._data is None:
            if self._deferred_init:
                return self._deferred_init[1]
            raise ParameterNotInitializedError(f"Parameter '{self.name}' has not been initialized")
        return self._ctx_list

    def reset_ctx(self, ctx: Any) -> None:
        """Move to ``ctx`` (a list: one copy each), keeping the average of the current copies."""
        from .parameter import _contexts

        ctxs = _contexts(ctx)
        if self._data is not None:
            with autograd.pause():
                self._init_impl(self._reduce(), ctxs)
        elif self._deferred_init:
            self._deferred_init = self._deferred_init[:1] + (ctxs,) + self._deferred_init[2:]
        else:
            raise HybridError(
                f"Cannot reset context for Parameter '{self.name}' because it has not been "
                "initialized."
            )

    def set_data(self, data: Any) -> None:
        """Write ``data`` into the parameter on every context (before a deferred init:
        remember it as the value).
        """
        from .parameter import ParameterNotInitializedError

        arr = np.asarray(getattr(data, "_data", data))
        self.shape = arr.shape
        if self._data is None:
            if not self._deferred_init:
                raise ParameterNotInitializedError(
                    f"Parameter '{self.name}' has not been initialized"
                )
            self._deferred_init = self._deferred_init[:3] + (arr,)
            return
        for d in self._copies():
            d._data[...] = arr

    def zero_grad(self) -> None:
        """Set the gradient buffers to 0 (in place, so autograd keeps writing into them)."""
        if self._grad is None:
            return
        for g in [self._grad] + [g for _, g in self._replicas]:
            g._data[...] = 0

    def _reduce(self) -> NDArray:
        """The value to save: the average of the copies on all contexts (as MXNet's)."""
        copies = [self._check_and_get(self._ctx_list[0])] + [d for d, _ in self._replicas]
        if len(copies) == 1:
            return NDArray._wrap(copies[0]._data.copy())
        return NDArray._wrap((sum(c._data for c in copies) / len(copies)).astype(self.dtype))
