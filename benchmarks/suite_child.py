"""The child side of ``benchmarks/suite.py``: build one workload, then time rounds on request.

Protocol (one JSON object per stdout line): after building and two warm-up steps the child
prints ``{"ready": true}`` (or ``{"error": reason}`` and exits); each stdin line ``round S``
runs whole steps for at least S seconds and prints ``{"rate": items/s}``; ``quit`` prints
``{"rss_mb": peak RSS of this process}`` (``resource.getrusage``, kilobytes on Linux).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable


def _say(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def serve(factory: Callable[[], Callable[[], int]]) -> None:
    """Build the step function with ``factory`` and answer the parent's requests."""
    try:
        step = factory()
        step()
        step()
    except Exception as err:  # noqa: BLE001 - reported to the parent as the column's reason
        _say({"error": f"{type(err).__name__}: {err}"[:200]})
        return
    _say({"ready": True})
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        seconds, items, start = float(words[1]), 0, time.perf_counter()
        while True:
            items += step()
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        _say({"rate": items / elapsed})
    _say({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
