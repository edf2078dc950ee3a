"""MXNet's profiler (``mx.profiler``): time every op call, write a Chrome trace, print a table.

::

    mx.profiler.set_config(profile_all=True, aggregate_stats=True, filename='profile.json')
    mx.profiler.set_state('run')
    ...                                   # eager op calls and hybridized graph steps are timed
    mx.profiler.set_state('stop')
    print(mx.profiler.dumps())            # per op: count, total, min, max, average (ms)
    mx.profiler.dump()                    # profile.json: open in chrome://tracing or Perfetto

Eager calls are recorded under the category ``operator`` (``profile_imperative``), the steps of
a hybridized graph, forward and backward (``_backward_<op>``, as MXNet names them), under
``symbolic`` (``profile_symbolic``); each event keeps the input shapes (a graph step's also its
node name and output shapes).
While the profiler is stopped or paused nothing is hooked: the dispatcher checks one variable
(``hybrid.ops.registry.observer``) and runs as before.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from ._files import write_atomic
from .base import HybridError
from .ops import registry

__all__ = [
    "set_config", "set_state", "state", "pause", "resume", "dump", "dumps",
    "profiler_set_config", "profiler_set_state", "dump_profile",
    "Domain", "Task", "Frame", "Event", "Counter", "Marker",
]

_BOOL_KEYS = ("profile_all", "profile_symbolic", "profile_imperative", "profile_memory",
              "profile_api", "continuous_dump", "aggregate_stats")
_config: dict[str, Any] = {
    "filename": "profile.json", "profile_all": False, "profile_symbolic": True,
    "profile_imperative": True, "profile_memory": False, "profile_api": False,
    "continuous_dump": False, "dump_period": 1.0, "aggregate_stats": False,
    "profile_process": "worker",
}
_events: list[dict] = []
_lock = threading.Lock()
_state = {"running": False, "paused": False}
_T0 = time.perf_counter_ns()
_EPOCH_US = time.time_ns() // 1000  # trace timestamps are wall-clock microseconds


def _now_us() -> float:
    return _EPOCH_US + (time.perf_counter_ns() - _T0) / 1000.0


def set_config(**kwargs: Any) -> None:
    """Configure the profiler (keyword arguments only, MXNet's names).

    Parameters
    ----------
    filename : str, default 'profile.json'
        Where :func:`dump` writes the trace.
    profile_all : bool
        Record every category (both eager and hybridized op calls).
    profile_symbolic, profile_imperative : bool, default True
        Record the steps of hybridized graphs / eager op calls.
    aggregate_stats : bool
        Accepted for MXNet scripts; :func:`dumps` always has the statistics.
    profile_memory, profile_api, continuous_dump, dump_period, profile_process
        Accepted; hybrid has no memory or C-API events to record.
    """
    for key, value in kwargs.items():
        if key not in _config:
            raise HybridError(f"profiler.set_config: unknown option {key!r}; known: "
                              f"{', '.join(_config)}")
        if key in _BOOL_KEYS:
            value = value if isinstance(value, bool) else str(value).lower() in ("1", "true")
        _config[key] = value


def profiler_set_config(mode: str = "symbolic", filename: str = "profile.json") -> None:
    """Deprecated MXNet spelling: ``set_config(profile_<mode>=True, filename=...)``."""
    set_config(**{f"profile_{mode}": True, "filename": filename})


def _update_hook() -> None:
    active = _state["running"] and not _state["paused"]
    registry.observer = _OBSERVER if active else None


def set_state(state: str = "stop", profile_process: str = "worker") -> None:
    """Start (``'run'``) or stop (``'stop'``) recording."""
    if state not in ("run", "stop"):
        raise HybridError(f"profiler.set_state: state must be 'run' or 'stop', got {state!r}")
    _state["running"] = state == "run"
    _update_hook()


profiler_set_state = set_state


def state() -> str:
    """``'run'`` or ``'stop'``."""
    return "run" if _state["running"] else "stop"


def pause(profile_process: str = "worker") -> None:
    """Stop recording until :func:`resume`, without changing the state."""
    _state["paused"] = True
    _update_hook()


def resume(profile_process: str = "worker") -> None:
    _state["paused"] = False
    _update_hook()


def _clear() -> None:
    """Forget every recorded event."""
    with _lock:
        _events.clear()


def dump(finished: bool = True, profile_process: str = "worker") -> None:
    """Write every recorded event to the configured file as a Chrome trace (``traceEvents``
    of complete events: ``name``, ``cat``, ``ts`` and ``dur`` in microseconds, ``args`` with the
    input shapes). ``finished=True`` also stops the profiler, as in MXNet.
    """
    with _lock:
        events = list(_events)
    meta = {"name": "process_name", "ph": "M", "pid": os.getpid(), "args": {"name": "cpu/0"}}
    trace = {"traceEvents": [meta, *events], "displayTimeUnit": "ms"}
    write_atomic(_config["filename"], json.dumps(trace).encode())
    if finished:
        set_state("stop")


def dump_profile() -> None:
    """Deprecated MXNet spelling of ``dump(True)``."""
    dump(True)


_SORT = {"total": 1, "avg": 4, "min": 2, "max": 3, "count": 0}


def _aggregate() -> dict[str, dict[str, list]]:
    """category -> name -> [count, total ms, min ms, max ms]."""
    stats: dict[str, dict[str, list]] = {}
    with _lock:
        events = list(_events)
    for e in events:
        if e["ph"] != "X":
            continue
        ms = e["dur"] / 1000.0
        row = stats.setdefault(e["cat"], {}).setdefault(e["name"], [0, 0.0, ms, ms])
        row[0] += 1
        row[1] += ms
        row[2], row[3] = min(row[2], ms), max(row[3], ms)
    return stats


def dumps(reset: bool = False, format: str = "table", sort_by: str = "total",
          ascending: bool = False) -> str:
    """The aggregate statistics: per op, count and total, min, max and average time (ms).

    Parameters
    ----------
    reset : bool
        Forget the events after reporting them.
    format : {'table', 'json'}
    sort_by : {'total', 'avg', 'min', 'max', 'count'}
    ascending : bool
    """
    if format not in ("table", "json"):
        raise HybridError(f"profiler.dumps: format must be 'table' or 'json', got {format!r}")
    if sort_by not in _SORT:
        raise HybridError(f"profiler.dumps: sort_by must be one of {list(_SORT)}, got {sort_by!r}")
    stats = _aggregate()
    rows = {
        cat: sorted(((name, c, t, lo, hi, t / c) for name, (c, t, lo, hi) in table.items()),
                    key=lambda r: r[1 + _SORT[sort_by]], reverse=not ascending)
        for cat, table in sorted(stats.items())
    }
    if reset:
        _clear()
    if format == "json":
        keys = ("Count", "Total", "Min", "Max", "Avg")
        doc = {"Time": {cat: {r[0]: dict(zip(keys, (r[1], *(round(v, 4) for v in r[2:]))))
                              for r in table} for cat, table in rows.items()},
               "Unit": {"Time": "ms"}}
        return json.dumps(doc, indent=4)
    head = "{:<30}{:>12}{:>17}{:>17}{:>17}{:>17}"
    lines = ["", "Profile Statistics:", "\tNote the difference in units for different entries."]
    for cat, table in rows.items():
        lines += [cat, "=================",
                  head.format("Name", "Total Count", "Time (ms)", "Min Time (ms)",
                              "Max Time (ms)", "Avg Time (ms)"),
                  head.format("----", "-----------", "---------", "-------------",
                              "-------------", "-------------")]
        lines += [f"{n[:29]:<30}{c:>12}{t:>17.4f}{lo:>17.4f}{hi:>17.4f}{avg:>17.4f}"
                  for n, c, t, lo, hi, avg in table]
        lines.append("")
    return "\n".join(lines) + "\n"


def _record(name: str, cat: str, start_us: float, end_us: float, args: dict) -> None:
    event = {"name": name, "cat": cat, "ph": "X", "ts": start_us, "dur": end_us - start_us,
             "pid": os.getpid(), "tid": threading.get_ident(), "args": args}
    with _lock:
        _events.append(event)


def _shapes(arrays: Any) -> list:
    return [list(getattr(a, "shape", ())) for a in arrays]


class _Observer:
    """Plugged into ``hybrid.ops.registry.observer`` while the profiler runs."""

    _local = threading.local()

    @property
    def busy(self) -> bool:
        return getattr(self._local, "busy", False)

    def invoke(self, op: Any, args: Any, attrs: dict, out: Any, name: Any) -> Any:
        """Run one eager op call through the dispatcher, timed (traced calls are not timed)."""
        timed = _wanted("profile_imperative") and all(hasattr(a, "_data") for a in args)
        self._local.busy = True
        try:
            start = _now_us()
            result = registry.invoke(op, args, attrs, out, name)
            end = _now_us()
        finally:
            self._local.busy = False
        if timed:
            _record(op.name, "operator", start, end, {"inputs": _shapes(args)})
        return result

    def step(self, op: Any, node: str) -> Callable[..., Any]:
        """The forward of one hybridized graph step, timed."""
        return _timed(op.forward, op.name, node)

    def step_vjp(self, op: Any, node: str) -> Callable[..., Any]:
        """The VJP of one hybridized graph step, timed as ``_backward_<op>`` (MXNet's name)."""
        return _timed(op.vjp, f"_backward_{op.name}", node)


def _timed(rule: Callable[..., Any], name: str, node: str) -> Callable[..., Any]:
    """``rule(ctx, *arrays, **attrs)`` recording one 'symbolic' event per call."""
    if not _wanted("profile_symbolic"):
        return rule

    def timed(ctx: Any, *arrays: Any, **attrs: Any) -> Any:
        start = _now_us()
        result = rule(ctx, *arrays, **attrs)
        outs = result if type(result) is tuple else (result,)
        _record(name, "symbolic", start, _now_us(),
                {"node": node, "inputs": _shapes(arrays), "outputs": _shapes(outs)})
        return result

    return timed


def _wanted(key: str) -> bool:
    return bool(_config["profile_all"] or _config[key])


_OBSERVER = _Observer()


# -- user-defined ranges, counters and markers ------------------------------------------------
class Domain:
    """A named group for :class:`Task`, :class:`Frame`, :class:`Counter` and :class:`Marker`."""

    def __init__(self, name: str):
        self.name = name

    def __str__(self) -> str:
        return self.name

    def new_task(self, name: str) -> Task:
        return Task(self, name)

    def new_frame(self, name: str) -> Frame:
        return Frame(self, name)

    def new_counter(self, name: str, value: int | None = None) -> Counter:
        return Counter(self, name, value)

    def new_marker(self, name: str) -> Marker:
        return Marker(self, name)


class _Range:
    """A user-timed range: ``start()`` and ``stop()`` record one event while the profiler runs."""

    _cat = "range"

    def __init__(self, domain: Domain | None, name: str):
        self.domain, self.name, self._start = domain, name, None

    def start(self) -> None:
        self._start = _now_us()

    def stop(self) -> None:
        if self._start is None:
            raise HybridError(
                f"profiler {type(self).__name__} {self.name!r}: stop() before start()"
            )
        if registry.observer is not None:
            cat = self._cat if self.domain is None else f"{self.domain}:{self._cat}"
            _record(self.name, cat, self._start, _now_us(), {})
        self._start = None

    def __str__(self) -> str:
        return self.name


class Task(_Range):
    """A timed task in a domain (MXNet's ``profiler.Task``)."""

    _cat = "task"


class Frame(_Range):
    """A timed frame in a domain (MXNet's ``profiler.Frame``)."""

    _cat = "frame"


class Event(_Range):
    """A timed event without a domain (MXNet's ``profiler.Event``)."""

    _cat = "event"

    def __init__(self, name: str):
        super().__init__(None, name)


class Counter:
    """A value traced over time: ``set_value``, ``increment``, ``decrement``, ``+=``, ``-=``."""

    def __init__(self, domain: Domain, name: str, value: int | None = None):
        self.domain, self.name, self.value = domain, name, 0
        if value is not None:
            self.set_value(value)

    def set_value(self, value: int) -> None:
        self.value = value
        if registry.observer is not None:
            now = _now_us()
            with _lock:
                _events.append({"name": self.name, "cat": str(self.domain), "ph": "C", "ts": now,
                                "pid": os.getpid(), "args": {self.name: value}})

    def increment(self, delta: int = 1) -> None:
        self.set_value(self.value + delta)

    def decrement(self, delta: int = 1) -> None:
        self.set_value(self.value - delta)

    def __iadd__(self, delta: int) -> Counter:
        self.increment(delta)
        return self

    def __isub__(self, delta: int) -> Counter:
        self.decrement(delta)
        return self

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class Marker:
    """An instant event: ``mark(scope)`` with scope 'process', 'thread' or 'global'."""

    def __init__(self, domain: Domain, name: str):
        self.domain, self.name = domain, name

    def mark(self, scope: str = "process") -> None:
        if registry.observer is not None:
            now = _now_us()
            with _lock:
                _events.append({"name": self.name, "cat": str(self.domain), "ph": "i",
                                "ts": now, "s": scope[0], "pid": os.getpid(),
                                "tid": threading.get_ident()})
