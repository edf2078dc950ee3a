"""Gluon: MXNet's imperative/hybrid neural network API (blocks, parameters, layers, training)."""

from __future__ import annotations

from ..ndarray import NDArray
from ..symbol import Symbol
from . import contrib, data, loss, model_zoo, nn, rnn, utils
from .block import Block, HybridBlock
from .parameter import Constant, DeferredInitializationError, Parameter, ParameterDict
from .symbol_block import SymbolBlock
from .trainer import Trainer

# MXNet's ``gluon.tensor_types``: what a block's forward takes (eager arrays or traced symbols).
tensor_types = (Symbol, NDArray)

__all__ = [
    "Block",
    "HybridBlock",
    "SymbolBlock",
    "Parameter",
    "Constant",
    "ParameterDict",
    "DeferredInitializationError",
    "Trainer",
    "tensor_types",
    "contrib",
    "data",
    "loss",
    "model_zoo",
    "nn",
    "rnn",
    "utils",
]
