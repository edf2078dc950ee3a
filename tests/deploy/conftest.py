"""One short run of samples/train_digits.py shared by the deploy tests, Python's ONNX Runtime
predictions on the test images it writes (the oracle the other runtimes must match), the same model
without its metadata, and the C++ and JVM samples built once per test session.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from .tools import ROOT, build_cpp, maven_package


@pytest.fixture(scope="session")
def digits_model(tmp_path_factory) -> pathlib.Path:
    """A folder holding ``digits.onnx`` and ``digits_test.json`` from a quick training run."""
    out = tmp_path_factory.mktemp("digits")
    command = ["samples/train_digits.py", "--epochs", "1", "--limit", "200", "--out", str(out)]
    result = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="session")
def python_predictions(digits_model) -> dict[str, np.ndarray]:
    """Classes and float64 softmax probabilities of the test images by Python's ONNX Runtime,
    preprocessed as the model's metadata says.
    """
    model = onnx.load(str(digits_model / "digits.onnx"))
    props = {p.key: p.value for p in model.metadata_props}
    assert props["input_layout"] == "NCHW"
    raw = np.array(json.loads((digits_model / "digits_test.json").read_text())["images"])
    x = ((raw - float(props["input_mean"])) * float(props["input_scale"])).astype(
        props["input_dtype"]
    )[:, None]  # (N, 1, 8, 8)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (scores,) = session.run(None, {session.get_inputs()[0].name: x})
    scores = scores.astype(np.float64)
    exps = np.exp(scores - scores.max(axis=1, keepdims=True))
    probabilities = exps / exps.sum(axis=1, keepdims=True)
    return {"predicted": probabilities.argmax(axis=1), "probabilities": probabilities}


@pytest.fixture(scope="session")
def bare_model(digits_model, tmp_path_factory) -> pathlib.Path:
    """The exported digits model with its metadata_props (the preprocessing) removed."""
    model = onnx.load(str(digits_model / "digits.onnx"))
    del model.metadata_props[:]
    path = tmp_path_factory.mktemp("bare") / "bare.onnx"
    onnx.save(model, str(path))
    return path


@pytest.fixture(scope="session")
def cpp_predict() -> pathlib.Path:
    """samples/deploy_cpp's program, configured (fetching ONNX Runtime once) and built."""
    return build_cpp()


@pytest.fixture(scope="session")
def jvm_jar() -> pathlib.Path:
    """samples/deploy_jvm's jar (Java and Scala programs), packaged by Maven."""
    return maven_package()
