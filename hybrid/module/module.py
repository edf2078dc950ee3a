"""``Module``: a symbol bound to one executor, trained with an optimizer (MXNet 1.x's
``mx.mod.Module``).

The executor's arrays hold the parameters once the module is bound; before that (after
``Module.load`` or ``set_params``) the module keeps them and copies them in at ``bind``. Batches
whose size differs from the bound one (the last batch of an epoch, ``predict``) reshape the
executor, sharing every array whose shape does not change.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from .. import initializer as _init
from .. import optimizer as _opt
from ..base import HybridError
from ..context import cpu
from ..io import DataDesc
from ..model import load_checkpoint, load_params, save_checkpoint
from ..serialization import write_atomic
from .base_module import BaseModule

__all__ = ["Module"]


def _descs(shapes: Any) -> list[DataDesc]:
    return [s if isinstance(s, DataDesc) else DataDesc(*s) for s in (shapes or [])]


class Module(BaseModule):
    """A module over ``symbol``: its ``data_names`` and ``label_names`` arguments are fed by
    batches, every other argument is a parameter (``fixed_param_names`` are not updated).
    """

    def __init__(self, symbol: Any, data_names: Any = ("data",),
                 label_names: Any = ("softmax_label",), logger: Any = logging,
                 context: Any = None, work_load_list: Any = None,
                 fixed_param_names: Any = None, state_names: Any = None,
                 group2ctxs: Any = None, compression_params: Any = None):
        super().__init__(logger)
        self.symbol = symbol
        self.context = context or cpu()
        args = symbol.list_arguments()
        self._data_names = list(data_names or [])
        missing = [n for n in self._data_names if n not in args]
        if missing:
            raise HybridError(f"Module: data names {missing} are not arguments of the symbol "
                              f"({args})")
        # MXNet only warns about label names the symbol lacks (a symbol without a loss head).
        self._label_names = [n for n in (label_names or []) if n in args]
        self._state_names = list(state_names or [])
        inputs = set(self._data_names + self._label_names + self._state_names)
        self._param_names = [n for n in args if n not in inputs]
        self._fixed_param_names = set(fixed_param_names or [])
        self._aux_names = symbol.list_auxiliary_states()
        self._output_names = symbol.list_outputs()
        self._arg_params: dict | None = None
        self._aux_params: dict | None = None
        self._exec: Any = None
        self._data_shapes: list[DataDesc] = []
        self._label_shapes: list[DataDesc] = []
        self._optimizer: Any = None
        self._updater: Any = None
        self._preload_opt_states: str | None = None  # Module.load(load_optimizer_states=True)

    # -- names and shapes ----------------------------------------------------------------------
    data_names = property(lambda self: self._data_names)
    label_names = property(lambda self: self._label_names)
    output_names = property(lambda self: self._output_names)
    data_shapes = property(lambda self: self._data_shapes)
    label_shapes = property(lambda self: self._label_shapes)

    @property
    def output_shapes(self) -> list[tuple]:
        return [(n, tuple(o.shape)) for n, o in zip(self._output_names, self._exec.outputs)]

    # -- binding and parameters ----------------------------------------------------------------
    def bind(self, data_shapes: Any, label_shapes: Any = None, for_training: bool = True,
             inputs_need_grad: bool = False, force_rebind: bool = False,
             shared_module: Any = None, grad_req: str = "write") -> None:
        """Allocate the executor for these input shapes (DataDesc or (name, shape) pairs)."""
        if self.binded and not force_rebind:
            self.logger.warning("Already bound, ignoring bind()")
            return
        self._data_shapes = _descs(data_shapes)
        self._label_shapes = [d for d in _descs(label_shapes) if d.name in self._label_names]
        shapes = {d.name: tuple(d.shape) for d in self._data_shapes + self._label_shapes}
        reqs = {}
        for name in self.symbol.list_arguments():
            if name in self._param_names:
                fixed = name in self._fixed_param_names
                reqs[name] = grad_req if for_training and not fixed else "null"
            else:
                wanted = for_training and inputs_need_grad and name in self._data_names
                reqs[name] = grad_req if wanted else "null"
        self._exec = self.symbol.simple_bind(self.context, grad_req=reqs, **shapes)
        self.binded, self.for_training = True, for_training
        self.inputs_need_grad = inputs_need_grad
        if shared_module is not None and shared_module.params_initialized:
            self.set_params(*shared_module.get_params())
        elif self.params_initialized:
            self._exec.copy_params_from(self._arg_params, self._aux_params)

    def init_params(self, initializer: Any = None, arg_params: dict | None = None,
                    aux_params: dict | None = None, allow_missing: bool = False,
                    force_init: bool = False, allow_extra: bool = False) -> None:
        """Fill the parameters from ``arg_params``/``aux_params`` by name, the rest with
        ``initializer`` (an error for missing ones when values are given without
        ``allow_missing``).
        """
        if self.params_initialized and not force_init:
            return
        if not self.binded:
            raise HybridError("Module.init_params: call bind before init_params")
        initializer = initializer or _init.Uniform(0.01)
        attrs = self.symbol.attr_dict()
        ex = self._exec
        for given, table in ((arg_params, {n: ex.arg_dict[n] for n in self._param_names}),
                             (aux_params, ex.aux_dict)):
            for name, arr in table.items():
                if given is not None and name in given:
                    arr._data[...] = np.asarray(given[name].asnumpy(), arr.dtype)
                elif given is not None and not allow_missing:
                    raise HybridError(f"Module.init_params: {name} is not in the given params")
                else:
                    initializer(_init.InitDesc(name, attrs.get(name, {})), arr)
        if not allow_extra:
            known = set(self._param_names) | set(self._aux_names)
            extra = sorted((set(arg_params or {}) | set(aux_params or {})) - known)
            if extra:
                raise HybridError(f"Module.init_params: unknown parameters {extra}; pass "
                                  "allow_extra=True to ignore them")
        self.params_initialized = True

    def get_params(self) -> tuple[dict, dict]:
        """Copies of (arg_params, aux_params)."""
        if self._exec is None or not self.params_initialized:
            return dict(self._arg_params or {}), dict(self._aux_params or {})
        args = {n: self._exec.arg_dict[n].copy() for n in self._param_names}
        return args, {n: a.copy() for n, a in self._exec.aux_dict.items()}

    def set_params(self, arg_params: dict, aux_params: dict, allow_missing: bool = False,
                   force_init: bool = True, allow_extra: bool = False) -> None:
        """Assign parameter values by name (kept until ``bind`` when not bound yet)."""
        if not self.binded:
            self._arg_params, self._aux_params = dict(arg_params), dict(aux_params or {})
            self.params_initialized = True
            return
        self.init_params(None, arg_params, aux_params, allow_missing, force_init, allow_extra)

    def init_optimizer(self, kvstore: Any = "local", optimizer: Any = "sgd",
                       optimizer_params: Any = (("learning_rate", 0.01),),
                       force_init: bool = False) -> None:
        """An optimizer over the parameters, with ``rescale_grad`` 1/batch size by default
        and the variables' ``lr_mult``/``wd_mult`` attributes.
        """
        if self.optimizer_initialized and not force_init:
            return
        idx2name = dict(enumerate(self._param_names))
        if isinstance(optimizer, str):
            params = dict(optimizer_params)
            batch = self._data_shapes[0].shape[0] if self._data_shapes else 1
            params.setdefault("rescale_grad", 1.0 / batch)
            optimizer = _opt.create(optimizer, param_idx2name=idx2name, **params)
        attrs = self.symbol.attr_dict()
        for key, setter in (("lr_mult", optimizer.set_lr_mult), ("wd_mult", optimizer.set_wd_mult)):
            mults = {n: float(attrs[n][key]) for n in self._param_names
                     if key in attrs.get(n, {})}
            if mults:
                setter(mults)
        optimizer.idx2name = idx2name
        self._optimizer, self._updater = optimizer, _opt.get_updater(optimizer)
        self.optimizer_initialized = True
        if self._preload_opt_states:
            self.load_optimizer_states(self._preload_opt_states)

    # -- computation ---------------------------------------------------------------------------
    def forward(self, data_batch: Any, is_train: bool | None = None) -> None:
        """Feed one batch (reshaping for a new batch size) and run forward."""
        is_train = self.for_training if is_train is None else is_train
        feeds = dict(zip(self._data_names, data_batch.data))
        if self._label_names and data_batch.label:
            feeds.update(zip(self._label_names, data_batch.label))
        bound = self._exec.arg_dict
        if any(tuple(v.shape) != tuple(bound[k].shape) for k, v in feeds.items()):
            self._exec = self._exec.reshape(**{k: tuple(v.shape) for k, v in feeds.items()})
        self._exec.forward(is_train=is_train, **feeds)

    def backward(self, out_grads: Any = None) -> None:
        self._exec.backward(out_grads)

    def update(self) -> None:
        """One optimizer step on every parameter that has a gradient."""
        if not self.optimizer_initialized:
            raise HybridError("Module.update: call init_optimizer first")
        grads = self._exec.grad_dict
        for i, name in enumerate(self._param_names):
            if name in grads:
                self._updater(i, grads[name], self._exec.arg_dict[name])

    def get_outputs(self, merge_multi_context: bool = True) -> list:
        return list(self._exec.outputs)

    def get_input_grads(self, merge_multi_context: bool = True) -> list:
        if not self.inputs_need_grad:
            raise HybridError("Module.get_input_grads: bind with inputs_need_grad=True")
        return [self._exec.grad_dict[n] for n in self._data_names]

    def update_metric(self, eval_metric: Any, labels: Any, pre_sliced: bool = False) -> None:
        eval_metric.update(labels or [], self.get_outputs())

    # -- files ---------------------------------------------------------------------------------
    def save_params(self, fname: str) -> None:
        from ..serialization import save

        args, auxs = self.get_params()
        save(fname, {**{f"arg:{k}": v for k, v in args.items()},
                     **{f"aux:{k}": v for k, v in auxs.items()}})

    def load_params(self, fname: str) -> None:
        self.set_params(*load_params(fname))

    def save_checkpoint(self, prefix: str, epoch: int, save_optimizer_states: bool = False,
                        remove_amp_cast: bool = True, format: str = "hybrid") -> None:
        """``prefix-symbol.json``, ``prefix-%04d.params`` and, when asked, the optimizer
        states in ``prefix-%04d.states``.
        """
        save_checkpoint(prefix, epoch, self.symbol, *self.get_params(), format=format)
        if save_optimizer_states:
            write_atomic(f"{prefix}-{epoch:04d}.states", self._updater.get_states())

    @staticmethod
    def load(prefix: str, epoch: int, load_optimizer_states: bool = False,
             **kwargs: Any) -> Module:
        """A module from a checkpoint (MXNet's or hybrid's files); bind it before use."""
        symbol, args, auxs = load_checkpoint(prefix, epoch)
        mod = Module(symbol=symbol, **kwargs)
        mod.set_params(args, auxs)
        mod._preload_opt_states = f"{prefix}-{epoch:04d}.states" if load_optimizer_states else None
        return mod

    def load_optimizer_states(self, fname: str) -> None:
        with open(fname, "rb") as f:
            self._updater.set_states(f.read())
