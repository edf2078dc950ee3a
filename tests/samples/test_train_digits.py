"""Smoke test of samples/train_digits.py at a tiny size: it trains, prints an accuracy, writes the
training curve PNG and the parameters, exports ONNX and predicts with ONNX Runtime.
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_train_digits_quick_run(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "samples" / "train_digits.py"),
            "--epochs",
            "1",
            "--limit",
            "200",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"test accuracy: ([0-9.]+)", result.stdout)
    assert match, result.stdout
    assert 0.0 <= float(match.group(1)) <= 1.0
    png = tmp_path / "digits_curve.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "digits.params").stat().st_size > 0
    exported = re.search(r"ONNX Runtime accuracy ([0-9.]+) \(eager ([0-9.]+)\)", result.stdout)
    assert exported, result.stdout
    assert exported.group(1) == exported.group(2)
    import onnx

    model = onnx.load(str(tmp_path / "digits.onnx"))
    props = {p.key: p.value for p in model.metadata_props}
    assert props["input_scale"] == "0.0625" and props["input_layout"] == "NCHW"
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
