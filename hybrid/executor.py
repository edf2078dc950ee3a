"""The symbol executor: ``Symbol.bind`` / ``simple_bind`` (MXNet 1.x's ``Executor``).

An executor holds one array per argument (``arg_dict``), per gradient (``grad_dict``, for
arguments whose ``grad_req`` is not ``'null'``) and per auxiliary state (``aux_dict``).
``forward`` runs the graph node by node through the one dispatch (``hybrid.graph.eager``): with
``is_train=True`` inside ``autograd.record()`` with the arguments marked, so ``backward`` writes
(or, for ``grad_req='add'``, adds) the gradients into the ``grad_dict`` arrays; train-aware ops
(BatchNorm, Dropout) take the mode and BatchNorm updates the aux arrays in place.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import autograd
from . import ndarray as _nd
from .base import HybridError
from .graph import eager
from .ndarray import NDArray

__all__ = ["Executor", "simple_bind"]

_REQS = ("write", "add", "null")


def _arrays(given: Any, names: list[str], what: str) -> list:
    """``given`` (a list in ``names`` order or a dict by name) as a list; None where absent."""
    if given is None:
        return [None] * len(names)
    if isinstance(given, dict):
        extra = sorted(set(given) - set(names))
        if extra:
            raise HybridError(f"bind: {what} names {extra} are not among {names}")
        return [given.get(n) for n in names]
    given = list(given)
    if len(given) != len(names):
        raise HybridError(f"bind: {len(given)} {what} for {len(names)} names {names}")
    return given


def _reqs(grad_req: Any, names: list[str]) -> list[str]:
    if isinstance(grad_req, str):
        reqs = [grad_req] * len(names)
    elif isinstance(grad_req, dict):
        reqs = [grad_req.get(n, "null") for n in names]
    else:
        reqs = list(grad_req)
    bad = [r for r in reqs if r not in _REQS]
    if bad or len(reqs) != len(names):
        raise HybridError(f"bind: grad_req {grad_req!r}, expected {_REQS} per argument")
    return reqs


class Executor:
    """A bound symbol: arrays for its arguments, gradients and auxiliary states.

    Made by :meth:`Symbol.bind` and :meth:`Symbol.simple_bind`, not directly.
    """

    def __init__(self, symbol: Any, ctx: Any, args: Any, args_grad: Any = None,
                 grad_req: Any = "write", aux_states: Any = None):
        self._symbol, self._ctx = symbol, ctx
        self._graph = symbol._graph()
        self._arg_names = symbol.list_arguments()
        self._aux_names = symbol.list_auxiliary_states()
        self.arg_arrays = _arrays(args, self._arg_names, "args")
        missing = [n for n, a in zip(self._arg_names, self.arg_arrays) if a is None]
        if missing:
            raise HybridError(f"bind: no arrays given for arguments {missing}")
        self.aux_arrays = _arrays(aux_states, self._aux_names, "aux_states")
        missing = [n for n, a in zip(self._aux_names, self.aux_arrays) if a is None]
        if missing:
            raise HybridError(f"bind: no arrays given for auxiliary states {missing}")
        self._grad_req = _reqs(grad_req, self._arg_names)
        grads = _arrays(args_grad, self._arg_names, "args_grad")
        self.grad_arrays = [None if r == "null" else g for r, g in zip(self._grad_req, grads)]
        self._fills = eager.open_fills(self._graph)
        self.outputs: list[NDArray] = []

    # -- dictionaries --------------------------------------------------------------------------
    @property
    def arg_dict(self) -> dict[str, NDArray]:
        return dict(zip(self._arg_names, self.arg_arrays))

    @property
    def grad_dict(self) -> dict[str, NDArray]:
        return {n: g for n, g in zip(self._arg_names, self.grad_arrays) if g is not None}

    @property
    def aux_dict(self) -> dict[str, NDArray]:
        return dict(zip(self._aux_names, self.aux_arrays))

    @property
    def output_dict(self) -> dict[str, NDArray]:
        return dict(zip(self._symbol.list_outputs(), self.outputs))

    # -- running -------------------------------------------------------------------------------
    def forward(self, is_train: bool = False, **kwargs: Any) -> list[NDArray]:
        """Run the graph; ``kwargs`` first copy new values into arguments by name."""
        args = self.arg_dict
        for name, value in kwargs.items():
            if name not in args:
                raise HybridError(f"Executor.forward: no argument named {name!r}")
            data = np.asarray(getattr(value, "_data", value))
            if data.shape != args[name].shape:
                raise HybridError(f"Executor.forward: {name} has shape {data.shape}, bound with "
                                  f"{args[name].shape}")
            args[name]._data[...] = data
        env = {}
        inputs = {v.name: v for v in self._graph.inputs}
        for name, arr in [*args.items(), *self.aux_dict.items()]:
            if name in inputs:
                env[id(inputs[name])] = arr
        fills = eager.fill_shapes(self._graph, self._fills,
                                  {n: a.shape for n, a in args.items()})
        if is_train:
            marked = [(a, g, r) for a, g, r in zip(self.arg_arrays, self.grad_arrays,
                                                  self._grad_req) if g is not None]
            if marked:
                autograd.mark_variables(*map(list, zip(*marked)))
            with autograd.record(train_mode=True):
                self.outputs = eager.run(self._graph, env, fills)
        else:
            with autograd.pause(train_mode=False):
                self.outputs = eager.run(self._graph, env, fills)
        return self.outputs

    def backward(self, out_grads: Any = None, is_train: bool = True) -> None:
        """Gradients of the outputs (weighted by ``out_grads``; loss heads need none) into
        ``grad_dict``. Needs a ``forward(is_train=True)`` first.
        """
        if not self.outputs or all(o._entry is None for o in self.outputs):
            raise HybridError("Executor.backward: call forward(is_train=True) first, with at "
                              "least one argument bound with a gradient")
        heads, grads = [], []
        given = None if out_grads is None else (
            out_grads if isinstance(out_grads, (list, tuple)) else [out_grads])
        for i, out in enumerate(self.outputs):
            if out._entry is not None:
                heads.append(out)
                grads.append(None if given is None else given[i])
        autograd.backward(heads, None if given is None else grads, train_mode=is_train)

    def copy_params_from(self, arg_params: dict, aux_params: dict | None = None,
                         allow_extra_params: bool = False) -> None:
        """Copy values into the bound arrays by name."""
        for params, table in ((arg_params, self.arg_dict), (aux_params or {}, self.aux_dict)):
            for name, value in params.items():
                if name not in table:
                    if allow_extra_params:
                        continue
                    raise HybridError(f"copy_params_from: {name!r} is not bound here")
                table[name]._data[...] = np.asarray(getattr(value, "_data", value))

    def reshape(self, partial_shaping: bool = False, allow_up_sizing: bool = False,
                **kwargs: Any) -> Executor:
        """A new executor for new input shapes: arrays whose shape is unchanged are shared."""
        arg_shapes, _, aux_shapes = self._symbol.infer_shape(**kwargs)
        if arg_shapes is None:
            raise HybridError(f"Executor.reshape: shapes {kwargs} do not settle every argument")
        args, grads = [], []
        for a, g, shape in zip(self.arg_arrays, self.grad_arrays, arg_shapes):
            same = tuple(a.shape) == tuple(shape)
            args.append(a if same else _nd.zeros(shape, dtype=a.dtype))
            grads.append(g if g is None or same else _nd.zeros(shape, dtype=g.dtype))
        aux = [a if tuple(a.shape) == tuple(s) else _nd.zeros(s, dtype=a.dtype)
               for a, s in zip(self.aux_arrays, aux_shapes)]
        return Executor(self._symbol, self._ctx, args, grads, self._grad_req, aux)


def simple_bind(symbol: Any, ctx: Any, grad_req: Any = "write", type_dict: dict | None = None,
                **shapes: Any) -> Executor:
    """An executor with zero-filled arrays of the shapes inferred from input ``shapes``."""
    arg_shapes, _, aux_shapes = symbol.infer_shape(**shapes)
    if arg_shapes is None:
        partial = symbol.infer_shape_partial(**shapes)[0]
        unknown = [n for n, s in zip(symbol.list_arguments(), partial) if s == () or 0 in s]
        raise HybridError(f"simple_bind: cannot infer the shapes of {unknown} from {shapes}")
    arg_types, _, aux_types = symbol.infer_type(**(type_dict or {}))
    args = [_nd.zeros(s, dtype=t or np.float32) for s, t in zip(arg_shapes, arg_types)]
    reqs = _reqs(grad_req, symbol.list_arguments())
    grads = [None if r == "null" else _nd.zeros(a.shape, dtype=a.dtype)
             for r, a in zip(reqs, args)]
    aux = [_nd.zeros(s, dtype=t or np.float32) for s, t in zip(aux_shapes, aux_types)]
    return Executor(symbol, ctx, args, grads, reqs, aux)
