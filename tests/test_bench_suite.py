"""Smoke test of ``benchmarks/suite.py``: the hybrid column of two workloads with ``--quick``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SUITE = Path(__file__).resolve().parents[1] / "benchmarks" / "suite.py"


def _suite():
    spec = importlib.util.spec_from_file_location("bench_suite", SUITE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_hybrid_column_measures_and_other_columns_say_why(capsys):
    rows = _suite().main(["--quick", "--hybrid-only",
                          "--only", "lenet_train_hybrid,lenet_infer_hybrid"])
    out = capsys.readouterr().out
    assert [r["workload"] for r in rows] == ["lenet_train_hybrid", "lenet_infer_hybrid"]
    for row in rows:
        assert float(row["hybrid"]) > 0
        assert float(row["rss"]["hybrid"]) > 0
        assert row["mxnet"] == "n/a" and row["vs_torch"] == "n/a"
    assert "n/a mxnet/lenet_train_hybrid: not installed" in out
