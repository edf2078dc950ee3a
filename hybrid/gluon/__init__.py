"""Gluon: MXNet's imperative/hybrid neural network API (blocks, parameters, layers, training)."""

from __future__ import annotations

from . import data, loss, model_zoo, nn, rnn, utils
from .block import Block, HybridBlock
from .parameter import Constant, DeferredInitializationError, Parameter, ParameterDict
from .symbol_block import SymbolBlock
from .trainer import Trainer

__all__ = [
    "Block",
    "HybridBlock",
    "SymbolBlock",
    "Parameter",
    "Constant",
    "ParameterDict",
    "DeferredInitializationError",
    "Trainer",
    "data",
    "loss",
    "model_zoo",
    "nn",
    "rnn",
    "utils",
]
