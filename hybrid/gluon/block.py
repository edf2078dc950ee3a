"""Gluon's :class:`Block` and :class:`HybridBlock` (MXNet 1.9 semantics).

Naming follows Note [Block names] in ``block_scope.py``.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .. import ndarray
from ..base import HybridError
from ..context import Context
from ..graph.tracer import InputStructureError
from ..name import NameManager, Prefix
from ..util import is_np_array
from ._np_mode import check_inputs, check_outputs, eager_namespace
from .block_compat import BlockCompat, warn_unregistered_containers
from .block_io import BlockParameterIO
from .block_scope import BlockScope, HookHandle, indent
from .parameter import DeferredInitializationError, Parameter, ParameterDict

__all__ = ["Block", "HybridBlock", "NameManager", "HookHandle", "AttributeTypeError"]


class AttributeTypeError(HybridError, TypeError):
    """A Block attribute holding a Block or Parameter given a value of another type (a TypeError,
    as MXNet's).
    """


class Block(BlockParameterIO, BlockCompat):
    """Base class of every layer and model: holds child blocks and Parameters.

    Assigning a Block or Parameter to an attribute registers it. Subclasses write ``forward``.

    Parameters
    ----------
    prefix : str, optional
        Prefix of this block's parameter names (default: ``<kind><count>_``, see Note [Block
        names]).
    params : ParameterDict, optional
        Parameters to share with another block.

    Examples
    --------
    >>> from hybrid import gluon
    >>> from hybrid.gluon import nn
    >>> class Model(gluon.Block):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         with self.name_scope():
    ...             self.dense = nn.Dense(3)
    ...     def forward(self, x):
    ...         return self.dense(x)
    >>> Model(prefix='model_').dense.weight.name
    'model_dense0_weight'
    """

    def __init__(self, prefix: str | None = None, params: ParameterDict | None = None):
        self._empty_prefix = prefix == ""
        self._prefix, self._params = BlockScope.create(prefix, params, self._alias())
        self._name = self._prefix[:-1] if self._prefix.endswith("_") else self._prefix
        self._scope = BlockScope(self)
        self._children: OrderedDict[str, Block] = OrderedDict()
        self._reg_params: OrderedDict[str, Parameter] = OrderedDict()
        self._forward_hooks: OrderedDict = OrderedDict()
        self._forward_pre_hooks: OrderedDict = OrderedDict()

    def __repr__(self) -> str:
        lines = [
            f"  ({key}): {indent(repr(block), 2)}"
            for key, block in self.__dict__.items()
            if isinstance(block, Block)
        ]
        return "{}(\n{}\n)".format(type(self).__name__, "\n".join(lines))

    def __setattr__(self, name: str, value: Any) -> None:
        """Register Blocks and Parameters assigned as attributes."""
        existing = self.__dict__.get(name)
        if isinstance(existing, (Parameter, Block)) and not isinstance(value, type(existing)):
            raise AttributeTypeError(
                f"{self.name}: changing attribute {name} from {type(existing).__name__} to "
                f"{type(value).__name__} is not allowed"
            )
        if isinstance(value, Block):
            self.register_child(value, name)
        elif isinstance(value, Parameter):
            if name in self._reg_params:
                raise HybridError(
                    f"{self.name}: overriding Parameter attribute {name} is not allowed. To share "
                    "parameters between blocks, pass 'params' when constructing the block."
                )
            self._reg_params[name] = value
        super().__setattr__(name, value)

    def _alias(self) -> str:
        return type(self).__name__.lower()

    @property
    def prefix(self) -> str:
        """Prefix of this block's parameter names, e.g. ``dense0_``."""
        return self._prefix

    @property
    def name(self) -> str:
        """The prefix without its trailing underscore, e.g. ``dense0``."""
        return self._name

    @property
    def params(self) -> ParameterDict:
        """This block's own parameters (not its children's: see :meth:`collect_params`)."""
        return self._params

    def name_scope(self) -> BlockScope:
        """``with self.name_scope():`` children created inside get this block's prefix."""
        return self._scope

    def register_child(self, block: Block, name: str | None = None) -> None:
        """Add a child block (named by position when ``name`` is None)."""
        if name is None:
            name = str(len(self._children))
        self._children[name] = block

    def register_forward_pre_hook(self, hook: Callable) -> HookHandle:
        """``hook(block, inputs)`` runs before ``forward``; returns a handle with ``detach()``."""
        return HookHandle(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook: Callable) -> HookHandle:
        """``hook(block, inputs, outputs)`` runs after ``forward``; returns a handle."""
        return HookHandle(self._forward_hooks, hook)

    def _own_params(self) -> list[tuple[str, Parameter]]:
        """This block's ParameterDict plus Parameters assigned directly as attributes."""
        own = list(self._params.items())
        known = {id(p) for _, p in own}
        own += [(p.name, p) for p in self._reg_params.values() if id(p) not in known]
        return own

    def collect_params(self, select: str | None = None) -> ParameterDict:
        """This block's and all descendants' Parameters, by full name (``dense0_weight``).

        ``select`` is a regular expression matched against the names, e.g. ``'.*weight|.*bias'``.
        """
        warn_unregistered_containers(self)
        ret = ParameterDict(self._params.prefix)
        pattern = re.compile(select) if select else None
        ret.update(
            OrderedDict(
                (k, p) for k, p in self._own_params() if pattern is None or pattern.match(k)
            )
        )
        for child in self._children.values():
            ret.update(child.collect_params(select=select))
        return ret

    def initialize(
        self,
        init: Any = None,
        ctx: Any = None,
        verbose: bool = False,
        force_reinit: bool = False,
    ) -> None:
        """Initialize all Parameters of this block and its children (``collect_params()``)."""
        self.collect_params().initialize(init, ctx, verbose, force_reinit)

    def zero_grad(self) -> None:
        """Set the gradients of all Parameters to 0."""
        self.collect_params().zero_grad()

    def reset_ctx(self, ctx: Any) -> None:
        self.collect_params().reset_ctx(ctx)

    def hybridize(self, active: bool = True, **kwargs: Any) -> None:
        """Hybridize every HybridBlock among the children (a plain Block itself stays eager)."""
        for child in self._children.values():
            child.hybridize(active, **kwargs)

    def cast(self, dtype: Any) -> None:
        """Cast every Parameter of this block and its children to ``dtype``."""
        for child in self._children.values():
            child.cast(dtype)
        for _, param in self._own_params():
            param.cast(dtype)

    def apply(self, fn: Callable[[Block], Any]) -> Block:
        """Call ``fn(block)`` on every descendant, then on this block; returns self."""
        for child in self._children.values():
            child.apply(fn)
        fn(self)
        return self

    def summary(self, *inputs: Any) -> None:
        """Print each layer's output shape and parameter count for a forward pass on
        ``inputs``. The block must be initialized and not hybridized (an AssertionError, as in
        MXNet).
        """
        from .summary import print_summary

        print_summary(self, inputs)

    def __call__(self, *args: Any) -> Any:
        for hook in list(self._forward_pre_hooks.values()):
            hook(self, args)
        out = self._dispatch(*args)
        for hook in list(self._forward_hooks.values()):
            hook(self, args, out)
        if is_np_array():
            check_outputs(self.name, out)
        return out

    def _dispatch(self, *args: Any) -> Any:
        return self.forward(*args)

    def forward(self, *args: Any) -> Any:
        """The computation; subclasses override it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")


def _array_kinds(args: Any) -> tuple[bool, Any]:
    """(has a Symbol, the first NDArray or None) among ``args``, looking into nested lists and
    tuples.
    """
    if isinstance(args, (list, tuple)):
        has_symbol, first = False, None
        for a in args:
            sym, arr = _array_kinds(a)
            has_symbol, first = has_symbol or sym, first if first is not None else arr
        return has_symbol, first
    return hasattr(args, "_is_symbol"), args if isinstance(args, ndarray.NDArray) else None


class HybridBlock(Block):
    """A Block that can be hybridized: traced once to a graph that then runs in its place.

    Write either ``hybrid_forward(self, F, x, *args, **params)`` (Gluon 1: ``F`` is ``hybrid.nd``
    or ``hybrid.sym`` and each registered Parameter arrives as a keyword argument) or a plain
    ``forward(self, x)`` (Gluon 2: parameters via ``self.weight.data()``).

    After ``hybridize()``, calls run through ``hybrid.gluon.cached.CachedOp``.
    """

    def __init__(self, prefix: str | None = None, params: ParameterDict | None = None):
        super().__init__(prefix=prefix, params=params)
        self._active = False
        self._flags: dict[str, Any] = {}
        self._cached_op: Any = None

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if isinstance(value, (Block, Parameter)):
            # The cached graph captured the old structure.
            self.__dict__["_cached_op"] = None

    def register_child(self, block: Block, name: str | None = None) -> None:
        super().register_child(block, name)
        self.__dict__["_cached_op"] = None  # e.g. HybridSequential.add after a hybridized call

    def hybridize(
        self,
        active: bool = True,
        static_alloc: bool = False,
        static_shape: bool = False,
        backend: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Run through a traced graph from the next call on (``active=False`` turns it off)."""
        self._active = active
        self._flags = dict(kwargs, static_alloc=static_alloc, static_shape=static_shape)
        if backend is not None:
            self._flags["backend"] = backend
        self._cached_op = None
        super().hybridize(
            active, static_alloc=static_alloc, static_shape=static_shape, backend=backend, **kwargs
        )

    def cast(self, dtype: Any) -> None:
        self._cached_op = None
        super().cast(dtype)

    def _dispatch(self, *args: Any) -> Any:
        has_symbol, first = _array_kinds(args)
        has_array = first is not None
        if has_symbol and has_array:
            raise InputStructureError(
                f"{self.name}: the inputs mix NDArrays and Symbols; a HybridBlock takes one kind"
            )
        if not (has_symbol or has_array) and type(self).forward is HybridBlock.forward:
            raise InputStructureError(
                f"{self.name}: a HybridBlock needs at least one NDArray or Symbol input, got "
                f"{', '.join(type(a).__name__ for a in args) or 'none'}"
            )
        if has_symbol:
            return self._call_symbolic(*args)
        check_inputs(self.name, args)
        if has_array and (first._ctx is not None or Context._stack):
            # Parameters read without a context take the copy on the input's (MXNet's rule).
            with first.context:
                return self._run(args)
        return self._run(args)

    def _run(self, args: tuple) -> Any:
        if self._active:
            if self._cached_op is None:
                from .cached import CachedOp

                self._cached_op = CachedOp(self, **self._flags)
            return self._cached_op(*args)
        try:
            return self.forward(*args)
        except DeferredInitializationError:
            if not any(p._deferred_init for _, p in self._own_params()):
                raise  # a descendant's, which that block reports itself
            self._deferred_infer_shape(*args)
        return self.forward(*args)

    def _deferred_infer_shape(self, *args: Any) -> None:
        """Complete deferred shapes from the inputs, then allocate (see Note [Deferred
        initialization]).
        """
        self.infer_shape(*args)
        for _, param in self._own_params():
            param._finish_deferred_init()

    def infer_shape(self, *args: Any) -> None:
        """Fill in the unknown dims of this block's Parameters from the inputs.

        Layers with deferred shapes override this (Dense completes its weight from the input's
        features through FullyConnected's ``infer``).
        """
        unknown = [p.name for _, p in self._own_params() if p._deferred_init]
        raise HybridError(
            f"{self.name}: cannot infer the shapes of parameters {unknown}; give their full "
            f"shapes when creating them or override infer_shape(*args) in {type(self).__name__}"
        )

    def _call_symbolic(self, *args: Any) -> Any:
        """Trace on Symbols: parameters become their traced symbols or variables, and the ops
        are named under the block's prefix (``conv0_fwd``), as MXNet's name scope does.
        """
        with Prefix(self.prefix):
            return self._trace_forward(*args)

    def _trace_forward(self, *args: Any) -> Any:
        if type(self).forward is not HybridBlock.forward:
            set_here = [p for _, p in self._own_params() if p._trace_symbol is None]
            for p in set_here:
                p._trace_symbol = p.var()
            try:
                return self.forward(*args)
            finally:
                for p in set_here:
                    p._trace_symbol = None
        from .. import symbol

        params = {
            k: p._trace_symbol if p._trace_symbol is not None else p.var()
            for k, p in self._reg_params.items()
        }
        with self.name_scope():
            return self.hybrid_forward(symbol, *args, **params)

    def forward(self, x: Any, *args: Any) -> Any:
        """Eager Gluon 1 path: ``hybrid_forward(nd, x, *args, **parameter data)``."""
        params = {k: p.data() for k, p in self._reg_params.items()}
        return self.hybrid_forward(eager_namespace(), x, *args, **params)

    def hybrid_forward(self, F: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
        """The computation written once for ``F = nd`` and ``F = sym``; subclasses override it."""
        raise NotImplementedError(
            f"{type(self).__name__} must define hybrid_forward(F, x, ...) or forward(x)"
        )

    def export(self, path: str, epoch: int = 0, **kwargs: Any) -> Any:
        """Write the traced graph and parameters (``path-symbol.json``, ``path-%04d.params``)."""
        from .cached import export_block

        return export_block(self, path, epoch, **kwargs)
