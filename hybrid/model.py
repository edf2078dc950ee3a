"""Module-era checkpoints: ``save_checkpoint`` / ``load_checkpoint`` and ``BatchEndParam``.

A checkpoint is ``prefix-symbol.json`` (the graph) and ``prefix-%04d.params`` (arrays keyed
``arg:<name>`` and ``aux:<name>``), as MXNet 1.x writes them. Both of MXNet's files and hybrid's
own load; ``format='mxnet'`` writes MXNet's, which MXNet 1.9.1's ``load_checkpoint`` reads.
"""

from __future__ import annotations

import logging
from collections import namedtuple
from typing import Any

from . import symbol as sym
from .base import HybridError
from .serialization import load, save

__all__ = ["BatchEndParam", "save_checkpoint", "load_checkpoint", "load_params"]

BatchEndParam = namedtuple("BatchEndParam", ["epoch", "nbatch", "eval_metric", "locals"])


def save_checkpoint(prefix: str, epoch: int, symbol: Any, arg_params: dict, aux_params: dict,
                    remove_amp_cast: bool = True, format: str = "hybrid") -> None:
    """Write ``prefix-symbol.json`` (unless ``symbol`` is None) and ``prefix-%04d.params``.

    Parameters
    ----------
    format : {'hybrid', 'mxnet'}
        hybrid's graph JSON and ``.npz`` arrays, or MXNet's graph JSON and binary NDArray list.
    """
    if symbol is not None:
        symbol.save(f"{prefix}-symbol.json", format=format)
    arrays = {f"arg:{k}": v for k, v in arg_params.items()}
    arrays.update({f"aux:{k}": v for k, v in aux_params.items()})
    fname = f"{prefix}-{epoch:04d}.params"
    save(fname, arrays, format=format)
    logging.info('Saved checkpoint to "%s"', fname)


def load_params(fname: str, epoch: int | None = None) -> tuple[dict, dict]:
    """(arg_params, aux_params) of a file keyed ``arg:``/``aux:`` (``prefix-%04d.params``
    when ``epoch`` is given, as MXNet's ``load_params(prefix, epoch)``).
    """
    fname = fname if epoch is None else f"{fname}-{epoch:04d}.params"
    saved = load(fname)
    if saved == []:
        saved = {}  # MXNet writes an empty dict as a list
    if not isinstance(saved, dict):
        raise HybridError(f"load_checkpoint: {fname} holds a list, expected named arrays")
    args, auxs = {}, {}
    for key, value in saved.items():
        kind, _, name = key.partition(":")
        if kind not in ("arg", "aux") or not name:
            raise HybridError(f"load_checkpoint: {fname}: key {key!r} is not arg:<name> or "
                              "aux:<name>")
        (args if kind == "arg" else auxs)[name] = value
    return args, auxs


def load_checkpoint(prefix: str, epoch: int) -> tuple[Any, dict, dict]:
    """(symbol, arg_params, aux_params) of a checkpoint written by MXNet or hybrid."""
    symbol = sym.load(f"{prefix}-symbol.json")
    args, auxs = load_params(prefix, epoch)
    return symbol, args, auxs
