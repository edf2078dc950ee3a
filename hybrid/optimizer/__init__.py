"""Optimizers with MXNet 1.9's names, arguments and update formulas (``hybrid.optimizer``).

``create('sgd', learning_rate=0.1, momentum=0.9)`` makes one by name; ``get_updater(opt)`` wraps
it to keep per-parameter states. See Note [Optimizer updates] in ``optimizer.py``.
"""

from __future__ import annotations

from .adam import LAMB, Adam, Adamax, AdamW, Nadam
from .adaptive import AdaDelta, AdaGrad, Ftrl, RMSProp
from .optimizer import Optimizer, create, register
from .sgd import NAG, SGD, Signum
from .updater import Updater, get_updater

__all__ = [
    "Optimizer",
    "create",
    "register",
    "Updater",
    "get_updater",
    "SGD",
    "NAG",
    "Signum",
    "Adam",
    "AdamW",
    "Adamax",
    "Nadam",
    "LAMB",
    "AdaGrad",
    "AdaDelta",
    "RMSProp",
    "Ftrl",
]
