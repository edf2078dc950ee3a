"""Per-model statistics, reported both as the KServe statistics extension and Prometheus text.

One :class:`ModelStats` per (model, version) records every request and every ONNX Runtime call;
``to_kserve`` and :func:`render_prometheus` are two views of the same numbers, so the stats
endpoint and ``/metrics`` can never disagree.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterable

__all__ = ["ModelStats", "render_prometheus"]

_SECONDS_BUCKETS = (1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5,
                    1.0, 2.5, 5.0, 10.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class _Histogram:
    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0

    def observe(self, value: float) -> None:
        i = next((i for i, b in enumerate(self.bounds) if value <= b), len(self.bounds))
        self.counts[i] += 1
        self.total += value

    def lines(self, name: str, labels: str) -> list[str]:
        out, cumulative = [], 0
        for bound, count in zip((*self.bounds, "+Inf"), self.counts):
            cumulative += count
            out.append(f'{name}_bucket{{{labels},le="{bound}"}} {cumulative}')
        out.append(f"{name}_sum{{{labels}}} {self.total:.9g}")
        out.append(f"{name}_count{{{labels}}} {cumulative}")
        return out


class ModelStats:
    """Thread-safe counters and histograms for one model version.

    Parameters
    ----------
    name, version : str
        The model and version the numbers belong to.
    """

    def __init__(self, name: str, version: str) -> None:
        self.name, self.version = name, version
        self._lock = threading.Lock()
        # KServe statistics: [count, total ns] per phase, and per batch size for executions.
        self._phases = {k: [0, 0] for k in ("success", "fail", "queue", "compute_input",
                                            "compute_infer", "compute_output")}
        self._batches: dict[int, list[int]] = {}
        self._failures: dict[str, int] = {}
        self.inference_count = 0
        self.execution_count = 0
        self.last_inference_ms = 0
        self._queue_h = _Histogram(_SECONDS_BUCKETS)
        self._compute_h = _Histogram(_SECONDS_BUCKETS)
        self._request_h = _Histogram(_SECONDS_BUCKETS)
        self._batch_h = _Histogram(_BATCH_BUCKETS)

    def record_request(self, ok: bool, duration_ns: int, code: int = 200) -> None:
        """Record one finished request (after its response was built, or after it failed)."""
        with self._lock:
            phase = self._phases["success" if ok else "fail"]
            phase[0] += 1
            phase[1] += duration_ns
            if ok:
                self._request_h.observe(duration_ns / 1e9)
            else:
                self._failures[str(code)] = self._failures.get(str(code), 0) + 1

    def record_execution(self, batch_size: int, queue_ns: Iterable[int], input_ns: int,
                         infer_ns: int, output_ns: int) -> None:
        """Record one ONNX Runtime call that served ``len(queue_ns)`` requests together."""
        with self._lock:
            for wait in queue_ns:
                self._add("queue", wait)
                self._queue_h.observe(wait / 1e9)
            self._add("compute_input", input_ns)
            self._add("compute_infer", infer_ns)
            self._add("compute_output", output_ns)
            row = self._batches.setdefault(batch_size, [0, 0, 0, 0])
            for i, ns in enumerate((1, input_ns, infer_ns, output_ns)):
                row[i] += ns
            self._compute_h.observe((input_ns + infer_ns + output_ns) / 1e9)
            self._batch_h.observe(batch_size)
            self.inference_count += batch_size
            self.execution_count += 1
            self.last_inference_ms = int(time.time() * 1000)

    def _add(self, phase: str, ns: int) -> None:
        self._phases[phase][0] += 1
        self._phases[phase][1] += ns

    def to_kserve(self) -> dict:
        """This version's entry of the statistics extension's ``model_stats`` list."""
        def stat(pair):
            return {"count": pair[0], "ns": pair[1]}
        with self._lock:
            batches = [{"batch_size": size,
                        "compute_input": stat((row[0], row[1])),
                        "compute_infer": stat((row[0], row[2])),
                        "compute_output": stat((row[0], row[3]))}
                       for size, row in sorted(self._batches.items())]
            return {"name": self.name, "version": self.version,
                    "last_inference": self.last_inference_ms,
                    "inference_count": self.inference_count,
                    "execution_count": self.execution_count,
                    "inference_stats": {k: stat(v) for k, v in self._phases.items()},
                    "batch_stats": batches}

    def prometheus_lines(self) -> dict[str, list[str]]:
        """Sample lines keyed by metric name, for :func:`render_prometheus`."""
        labels = f'model="{self.name}",version="{self.version}"'
        with self._lock:
            lines = {
                "hybrid_inference_requests_success_total":
                    [f"{{{labels}}} {self._phases['success'][0]}"],
                "hybrid_inference_requests_failure_total":
                    [f'{{{labels},code="{c}"}} {n}' for c, n in sorted(self._failures.items())],
                "hybrid_inference_count_total": [f"{{{labels}}} {self.inference_count}"],
                "hybrid_inference_executions_total": [f"{{{labels}}} {self.execution_count}"],
            }
            for name, hist in (("hybrid_request_duration_seconds", self._request_h),
                               ("hybrid_queue_duration_seconds", self._queue_h),
                               ("hybrid_compute_duration_seconds", self._compute_h),
                               ("hybrid_batch_size", self._batch_h)):
                lines[name] = [line[len(name):] for line in hist.lines(name, labels)]
        return lines


_HELP = {
    "hybrid_inference_requests_success_total": ("counter", "Inference requests that succeeded."),
    "hybrid_inference_requests_failure_total": ("counter",
                                                "Inference requests that failed, by HTTP code."),
    "hybrid_inference_count_total": ("counter", "Batch rows inferred (sum of batch sizes)."),
    "hybrid_inference_executions_total": ("counter", "ONNX Runtime calls (merged batches)."),
    "hybrid_request_duration_seconds": ("histogram", "End-to-end duration of successful "
                                                     "inference requests."),
    "hybrid_queue_duration_seconds": ("histogram", "Time requests waited in the model's queue."),
    "hybrid_compute_duration_seconds": ("histogram", "Duration of one batched model execution."),
    "hybrid_batch_size": ("histogram", "Rows per ONNX Runtime call after dynamic batching."),
}


def render_prometheus(stats: Iterable[ModelStats]) -> str:
    """Render every model's metrics in the Prometheus text exposition format (version 0.0.4)."""
    samples: dict[str, list[str]] = {name: [] for name in _HELP}
    for model in stats:
        for name, lines in model.prometheus_lines().items():
            samples[name].extend(lines)
    out = []
    for name, (kind, text) in _HELP.items():
        out += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
        out += [name + line for line in samples[name]]
    return "\n".join(out) + "\n"
