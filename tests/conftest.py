"""Every test starts from the same random state, whatever ran before it (STYLE: tests never
depend on order): hybrid's generator, which initializers, Dropout and the random ops draw from.
"""

from __future__ import annotations

import pytest

import hybrid


@pytest.fixture(autouse=True)
def _seeded_random_state():
    hybrid.random.seed(0)
    yield
