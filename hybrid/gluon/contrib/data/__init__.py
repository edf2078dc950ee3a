"""``gluon.contrib.data``: MXNet 1.9.1's contributed data tools. :class:`IntervalSampler` is
:class:`hybrid.gluon.data.IntervalSampler` under its contrib name (its ``len()`` with
``rollover=False`` counts the indices it yields, where MXNet's returns ``length``); the ``text``
datasets need a download and so raise a clear error in hybrid.

Examples
--------
>>> from hybrid.gluon.contrib.data import IntervalSampler
>>> list(IntervalSampler(13, interval=3))
[0, 3, 6, 9, 12, 1, 4, 7, 10, 2, 5, 8, 11]
"""

from __future__ import annotations

from ...data.sampler import IntervalSampler
from . import text

__all__ = ["IntervalSampler", "text"]
