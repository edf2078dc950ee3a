"""The event interfaces of :class:`Estimator`: a handler subclasses the events it reacts to.
``batch_end`` and ``epoch_end`` return True to stop training.
"""

from __future__ import annotations

from typing import Any

from ....base import HybridError


class EventHandler:
    """Base class of every event handler."""


class TrainBegin(EventHandler):
    def train_begin(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        pass


class TrainEnd(EventHandler):
    def train_end(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        pass


class EpochBegin(EventHandler):
    def epoch_begin(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        pass


class EpochEnd(EventHandler):
    def epoch_end(self, estimator: Any, *args: Any, **kwargs: Any) -> bool:
        return False


class BatchBegin(EventHandler):
    def batch_begin(self, estimator: Any, *args: Any, **kwargs: Any) -> None:
        pass


class BatchEnd(EventHandler):
    def batch_end(self, estimator: Any, *args: Any, **kwargs: Any) -> bool:
        return False


def list_of(items: Any, cls: type, expected: str) -> list:
    """A list from one ``cls`` instance or a list of them (None: empty); else an error saying
    ``expected`` and what came."""
    if isinstance(items, cls):
        return [items]
    items = list(items or [])
    if not all(isinstance(item, cls) for item in items):
        raise HybridError(f"{expected}{items}")
    return items


def check_event_handlers(handlers: Any) -> list:
    """A list of handlers from one handler or a list (None: empty)."""
    return list_of(
        handlers,
        EventHandler,
        "estimator: handlers must be an EventHandler or a list of EventHandler, got: ",
    )


def improvement_op(handler: str, monitor: Any, mode: str) -> Any:
    """``numpy.less`` or ``numpy.greater``: how ``monitor`` improves under ``mode``.

    NOTE: for ``mode='auto'`` MXNet 1.9.1 tests ``'acc' or 'f1' in name``, which is always true,
    so 'auto' always means greater (with the warning MXNet gives); kept for the same behaviour.
    """
    import warnings

    import numpy as np

    if mode not in ("auto", "min", "max"):
        warnings.warn(
            f"{handler} mode {mode} is unknown, fallback to auto mode.",
            RuntimeWarning,
            stacklevel=3,
        )
        mode = "auto"
    if mode == "min":
        return np.less
    if mode == "max":
        return np.greater
    warnings.warn(
        f"`greater` operator will be used to determine if {monitor.get()[0]} has improved. Please "
        "specify `mode='min'` to use the `less` operator. Specify `mode='max' to disable this "
        "warning.`",
        stacklevel=3,
    )
    return np.greater
