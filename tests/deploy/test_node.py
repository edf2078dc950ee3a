"""samples/deploy_node: installed with ``npm ci``, it runs the exported digits model in
onnxruntime-node and agrees with Python's ONNX Runtime.
"""

from __future__ import annotations

import json
import subprocess

import onnx
import pytest

from .tools import NODE_DIR, assert_matches_python, npm_ci, require_tool


@pytest.fixture(scope="module")
def node() -> str:
    npm_ci(NODE_DIR)
    return require_tool("node", "apt-get install nodejs npm")


def run_predict(node: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [node, "predict.mjs", *map(str, args)],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_node_predictions_match_python(node, digits_model, python_predictions):
    images = digits_model / "digits_test.json"
    result = run_predict(node, digits_model / "digits.onnx", images)
    assert result.returncode == 0, result.stderr
    assert_matches_python(result.stdout, images, python_predictions)


def test_node_refuses_a_model_without_preprocessing(node, digits_model, tmp_path):
    model = onnx.load(str(digits_model / "digits.onnx"))
    del model.metadata_props[:]
    bare = tmp_path / "bare.onnx"
    onnx.save(model, str(bare))
    result = run_predict(node, bare, digits_model / "digits_test.json")
    assert result.returncode != 0
    assert 'metadata_props lacks "input_layout"' in result.stderr


def test_node_prints_usage_without_arguments(node):
    result = run_predict(node)
    assert result.returncode == 2
    assert "usage: node predict.mjs MODEL.onnx IMAGES.json" in result.stderr


def test_node_latency_mode(node, digits_model):
    result = run_predict(node, "--bench", 20, digits_model / "digits.onnx")
    assert result.returncode == 0, result.stderr
    timing = json.loads(result.stdout)
    assert timing["runtime"] == "Node.js" and timing["runs"] == 20
    assert timing["median_ms"] > 0
