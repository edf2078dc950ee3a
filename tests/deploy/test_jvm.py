"""samples/deploy_jvm: packaged by Maven on ONNX Runtime's Java API, its Java and Scala programs run
the exported digits model and agree with Python's ONNX Runtime; a model without metadata and a
missing file fail clearly; once its dependencies are fetched, the build also runs offline.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from .tools import assert_matches_python, maven_package, require_tool

# How each program starts from the packaged jar (its manifest names the Java one and the
# dependencies).
PROGRAMS = {
    "Java": ["-jar", "{jar}"],
    "Scala": ["-cp", "{jar}", "hybrid.deploy.ScalaPredict"],
}


@pytest.fixture(params=sorted(PROGRAMS))
def program(request, jvm_jar) -> tuple[str, list[str]]:
    """(name, command) of one JVM program."""
    java = require_tool("java", "apt-get install default-jdk-headless")
    return request.param, [java, *(a.format(jar=jvm_jar) for a in PROGRAMS[request.param])]


def run_predict(command, *args) -> subprocess.CompletedProcess:
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True, timeout=120)


def test_jvm_predictions_match_python(program, digits_model, python_predictions):
    images = digits_model / "digits_test.json"
    result = run_predict(program[1], digits_model / "digits.onnx", images)
    assert result.returncode == 0, result.stderr
    assert_matches_python(result.stdout, images, python_predictions)


def test_jvm_refuses_a_model_without_preprocessing(program, bare_model, digits_model):
    result = run_predict(program[1], bare_model, digits_model / "digits_test.json")
    assert result.returncode == 1
    assert 'error: ONNX model: metadata_props lacks "input_layout"' in result.stderr


def test_jvm_reports_missing_files(program, digits_model, tmp_path):
    images = digits_model / "digits_test.json"
    result = run_predict(program[1], tmp_path / "absent.onnx", images)
    assert result.returncode == 1
    assert f"error: model file not found: {tmp_path / 'absent.onnx'}" in result.stderr
    result = run_predict(program[1], digits_model / "digits.onnx", tmp_path / "absent.json")
    assert result.returncode == 1
    assert f"error: images file not found: {tmp_path / 'absent.json'}" in result.stderr


def test_jvm_usage_and_latency_mode(program, digits_model):
    name, command = program
    result = run_predict(command)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: java ")
    result = run_predict(command, "--bench", 20, digits_model / "digits.onnx")
    assert result.returncode == 0, result.stderr
    timing = json.loads(result.stdout)
    assert timing["runtime"] == name and timing["runs"] == 20
    assert timing["median_ms"] > 0


def test_jvm_build_runs_offline(jvm_jar):
    """After the session's first (online) build, Maven builds again with ``-o``."""
    jvm_jar.unlink()
    assert maven_package("-o") == jvm_jar
    assert jvm_jar.is_file()
