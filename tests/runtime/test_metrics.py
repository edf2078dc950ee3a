"""Statistics and Prometheus text are two views of the same numbers; import boundaries."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from hybrid.runtime.metrics import ModelStats, render_prometheus

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"


def _samples(text: str) -> dict[str, float]:
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return {ln.rsplit(" ", 1)[0]: float(ln.rsplit(" ", 1)[1]) for ln in lines}


def test_kserve_statistics_and_prometheus_agree():
    stats = ModelStats("m", "3")
    stats.record_execution(4, [1_000_000, 3_000_000], 10_000, 2_000_000, 20_000)
    stats.record_execution(1, [50_000], 1_000, 400_000, 1_000)
    stats.record_request(True, 5_000_000)
    stats.record_request(False, 1_000, code=400)
    doc = stats.to_kserve()
    assert (doc["inference_count"], doc["execution_count"]) == (5, 2)
    assert doc["inference_stats"]["queue"] == {"count": 3, "ns": 4_050_000}
    assert doc["inference_stats"]["fail"]["count"] == 1
    assert [(b["batch_size"], b["compute_infer"]) for b in doc["batch_stats"]] == [
        (1, {"count": 1, "ns": 400_000}), (4, {"count": 1, "ns": 2_000_000})]
    samples = _samples(render_prometheus([stats]))
    labels = 'model="m",version="3"'
    assert samples[f"hybrid_inference_count_total{{{labels}}}"] == 5
    assert samples[f'hybrid_inference_requests_failure_total{{{labels},code="400"}}'] == 1
    assert samples[f'hybrid_batch_size_bucket{{{labels},le="1"}}'] == 1
    assert samples[f'hybrid_batch_size_bucket{{{labels},le="4"}}'] == 2
    assert samples[f'hybrid_batch_size_bucket{{{labels},le="+Inf"}}'] == 2
    assert samples[f"hybrid_batch_size_sum{{{labels}}}"] == 5
    assert samples[f'hybrid_queue_duration_seconds_bucket{{{labels},le="0.001"}}'] == 2
    assert samples[f"hybrid_queue_duration_seconds_count{{{labels}}}"] == 3


def test_importing_the_runtime_does_not_import_the_server_stack():
    code = ("import sys, hybrid.runtime; "
            "print(sorted(m for m in ('starlette', 'uvicorn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_runtime_imports_only_its_declared_dependencies():
    allowed = {"numpy", "onnxruntime", "hybrid.base"}
    # batchcheck.py proves batch dims with ONNX shape inference (onnx is a core dependency).
    extra = {"server.py": {"starlette"}, "receive.py": {"starlette"}, "cli.py": {"uvicorn"},
             "batchcheck.py": {"onnx"}, "jsondata.py": {"orjson"}}
    for path in RUNTIME.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                ok = (top in sys.stdlib_module_names or name in allowed or top in allowed
                      or top in extra.get(path.name, set()))
                assert ok, f"{path.name} imports {name}"
