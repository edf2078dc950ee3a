"""Updater: applies an optimizer to (index, grad, weight) triples and keeps the per-index states.

Note [Optimizer state format]
-----------------------------
``Updater.get_states`` returns bytes of a numpy ``.npz`` archive (no pickle): one array ``s<k>``
per state array, and ``__header__``, the UTF-8 bytes of a JSON document as a uint8 array::

    {"format": "hybrid-optimizer-states", "version": 1,
     "states": [[index, structure], ...],
     "optimizer": {"class": "sgd", "attrs": {...}} or null}

``structure`` mirrors a state: ``null``, ``{"array": "s<k>"}``, or a list of structures (tuples).
Optimizer attributes are stored when they are JSON values; dicts with non-string keys (update
counts, multipliers) become ``{"__dict__": [[key, value], ...]}`` and an lr_scheduler becomes
``{"__scheduler__": class name, "state": {...}}``. ``param_dict`` is never stored: the Trainer
sets it from its Parameters.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

from .. import lr_scheduler as _lr_scheduler
from ..base import HybridError
from ..ndarray.ndarray import NDArray
from .optimizer import Optimizer, _np

__all__ = ["Updater", "get_updater"]

_FORMAT = "hybrid-optimizer-states"
_SKIP = object()


class Updater:
    """Keeps one state per parameter index and calls the optimizer's update.

    ``updater(index, grad, weight)`` (MXNet's argument order) takes one index or lists of them;
    a state is created on the first update of each index.
    """

    def __init__(self, optimizer: Optimizer):
        self.optimizer = optimizer
        self.states: dict = {}

    def __call__(self, index: Any, grad: Any, weight: Any) -> None:
        if not isinstance(index, (list, tuple)):
            index, grad, weight = [index], [grad], [weight]
        for i, g, w in zip(index, grad, weight):
            if i not in self.states:
                self.states[i] = self.optimizer.create_state_multi_precision(i, w)
            self.optimizer.update_multi_precision(i, w, g, self.states[i])

    def get_states(self, dump_optimizer: bool = False) -> bytes:
        """The states (and the optimizer's settings) as bytes. See Note [Optimizer state format]."""
        arrays: dict[str, np.ndarray] = {}
        states = [[_plain(i), _flatten(s, arrays)] for i, s in self.states.items()]
        header = {"format": _FORMAT, "version": 1, "states": states, "optimizer": None}
        if dump_optimizer:
            attrs = {k: _encode(v) for k, v in vars(self.optimizer).items() if k != "param_dict"}
            header["optimizer"] = {
                "class": type(self.optimizer).__name__.lower(),
                "attrs": {k: v for k, v in attrs.items() if v is not _SKIP},
            }
        arrays["__header__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()

    def set_states(self, states: bytes) -> None:
        """Restore what ``get_states`` returned; nothing changes if ``states`` is malformed."""
        try:
            with np.load(io.BytesIO(states), allow_pickle=False) as archive:
                arrays = {k: archive[k] for k in archive.files}
            header = json.loads(arrays.pop("__header__").tobytes().decode())
            if header.get("format") != _FORMAT:
                raise ValueError(f"format {header.get('format')!r}")
            new_states = {_key(i): _unflatten(s, arrays) for i, s in header["states"]}
            optimizer = header["optimizer"]
            new_optimizer = None if optimizer is None else self._restore(optimizer)
        except (ValueError, KeyError, TypeError, OSError) as err:
            raise HybridError(f"Updater.set_states: not a valid optimizer state: {err}") from err
        self.states = new_states
        if new_optimizer is not None:
            self.optimizer = new_optimizer

    def _restore(self, saved: dict) -> Optimizer:
        """The optimizer described by ``saved``: the current one updated when it is of the same
        class, else a new instance of the saved class.
        """
        klass = Optimizer.opt_registry.get(saved["class"])
        if klass is None:
            raise ValueError(f"unknown optimizer {saved['class']!r}")
        current = self.optimizer
        attrs = {k: _decode(v, getattr(current, k, None)) for k, v in saved["attrs"].items()}
        if type(current) is klass:
            current.__dict__.update(attrs)
            return current
        restored = klass.__new__(klass)
        restored.__dict__.update(attrs)
        restored.param_dict = {}
        return restored


def get_updater(optimizer: Optimizer) -> Updater:
    """An :class:`Updater` for ``optimizer``."""
    return Updater(optimizer)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _key(value: Any) -> Any:
    """A JSON-decoded index as a dict key (lists, which JSON makes of tuples, back to tuples)."""
    return tuple(value) if isinstance(value, list) else value


def _flatten(state: Any, arrays: dict) -> Any:
    if state is None:
        return None
    if isinstance(state, (tuple, list)):
        return [_flatten(s, arrays) for s in state]
    name = f"s{len(arrays)}"
    arrays[name] = _np(state)
    return {"array": name}


def _unflatten(structure: Any, arrays: dict) -> Any:
    if structure is None:
        return None
    if isinstance(structure, list):
        return tuple(_unflatten(s, arrays) for s in structure)
    return NDArray._wrap(np.array(arrays[structure["array"]]))


def _encode(value: Any) -> Any:
    """A JSON value for an optimizer attribute, or ``_SKIP`` when it has none."""
    value = _plain(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_encode(v) for v in value]
        return _SKIP if any(v is _SKIP for v in items) else items
    if isinstance(value, dict):
        pairs = [[_plain(k), _encode(v)] for k, v in value.items()]
        return _SKIP if any(v is _SKIP for _, v in pairs) else {"__dict__": pairs}
    if isinstance(value, _lr_scheduler.LRScheduler):
        state = _encode(vars(value))
        return {"__scheduler__": type(value).__name__, "state": state}
    return _SKIP


def _decode(value: Any, current: Any) -> Any:
    """Inverse of ``_encode``; ``current`` is the attribute's present value (its class is used
    for a scheduler of the same class name, so custom scheduler classes round-trip).
    """
    if isinstance(value, list):
        return [_decode(v, None) for v in value]
    if not isinstance(value, dict):
        return value
    if "__dict__" in value:
        return {_key(k): _decode(v, None) for k, v in value["__dict__"]}
    name, state = value["__scheduler__"], _decode(value["state"], None)
    klass = type(current) if type(current).__name__ == name else getattr(_lr_scheduler, name, None)
    if not (isinstance(klass, type) and issubclass(klass, _lr_scheduler.LRScheduler)):
        raise ValueError(f"unknown lr_scheduler class {name!r}")
    scheduler = klass.__new__(klass)
    scheduler.__dict__.update(state)
    return scheduler
