"""samples/deploy_cpp: built by CMake on ONNX Runtime's C++ API, it runs the exported digits model
and agrees with Python's ONNX Runtime; a model without metadata and a missing file fail clearly.
"""

from __future__ import annotations

import json
import subprocess

from .tools import assert_matches_python


def run_predict(program, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(program), *map(str, args)], capture_output=True, text=True, timeout=60
    )


def test_cpp_predictions_match_python(cpp_predict, digits_model, python_predictions):
    images = digits_model / "digits_test.json"
    result = run_predict(cpp_predict, digits_model / "digits.onnx", images)
    assert result.returncode == 0, result.stderr
    assert_matches_python(result.stdout, images, python_predictions)


def test_cpp_refuses_a_model_without_preprocessing(cpp_predict, bare_model, digits_model):
    result = run_predict(cpp_predict, bare_model, digits_model / "digits_test.json")
    assert result.returncode == 1
    assert 'error: ONNX model: metadata_props lacks "input_layout"' in result.stderr


def test_cpp_reports_missing_files(cpp_predict, digits_model, tmp_path):
    images = digits_model / "digits_test.json"
    result = run_predict(cpp_predict, tmp_path / "absent.onnx", images)
    assert result.returncode == 1
    assert f"error: model file not found: {tmp_path / 'absent.onnx'}" in result.stderr
    result = run_predict(cpp_predict, digits_model / "digits.onnx", tmp_path / "absent.json")
    assert result.returncode == 1
    assert f"error: images file not found: {tmp_path / 'absent.json'}" in result.stderr


def test_cpp_usage_and_latency_mode(cpp_predict, digits_model):
    result = run_predict(cpp_predict)
    assert result.returncode == 2
    assert "usage: predict MODEL.onnx IMAGES.json" in result.stderr
    result = run_predict(cpp_predict, "--bench", 20, digits_model / "digits.onnx")
    assert result.returncode == 0, result.stderr
    timing = json.loads(result.stdout)
    assert timing["runtime"] == "C++" and timing["runs"] == 20
    assert timing["median_ms"] > 0
