"""The serving walk-through, shortened: train briefly, export, serve, query with tritonclient."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_serve_digits_walk_through(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "samples" / "serve_digits.py"), "--epochs", "1",
         "--limit", "200", "--request-size", "8", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "repo" / "digits" / "1" / "model.onnx").stat().st_size > 0
    assert '"dynamic_batching"' in (tmp_path / "repo" / "digits" / "config.json").read_text()
    found = re.search(r"server accuracy ([0-9.]+), in-process Predictor accuracy ([0-9.]+) "
                      r"\(200 test images\)", result.stdout)
    assert found, result.stdout
    assert found.group(1) == found.group(2)
    assert "model digits versions ['1']: input data FP32 [-1, 1, 8, 8]" in result.stdout
    assert "25 requests of up to 8 images ran as" in result.stdout
    assert "server stopped (exit status 0)" in result.stdout
    # The server's log: the model line at start and an access line per request, request ids
    # included.
    assert re.search(r"model 'digits' versions \[1\] READY; inputs: data FP32 \(batch, 1, 8, 8\)",
                     result.stderr), result.stderr
    assert len(re.findall(r'"POST /v2/models/digits/infer" 200 .* id=digits-\d+',
                          result.stderr)) == 25
