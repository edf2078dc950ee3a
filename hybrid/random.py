"""The global random state behind every random op, Dropout and samplers:
``hybrid.random.seed(n)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["seed", "generator"]

_generator = np.random.default_rng()


def seed(seed_state: int, ctx: object = "all") -> None:
    """Reset the random state so that everything random that follows is reproducible."""
    global _generator
    _generator = np.random.default_rng(int(seed_state))


def generator() -> np.random.Generator:
    """The generator random ops draw from (replaced by ``seed``; never cache it)."""
    return _generator


def __getattr__(name: str) -> object:
    """``mx.random.uniform(...)`` and friends are ``mx.nd.random``'s functions, as in MXNet."""
    from .ndarray import random as nd_random

    try:
        return getattr(nd_random, name)
    except AttributeError:
        raise AttributeError(f"module 'hybrid.random' has no attribute {name!r}") from None
