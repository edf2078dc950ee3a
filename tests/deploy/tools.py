"""Helpers shared by the deploy tests: locating the samples, requiring system tools with an install
hint, installing a sample's locked npm dependencies, building the C++ and JVM samples, and
comparing a sample's printed predictions with Python's ONNX Runtime.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
NODE_DIR = SAMPLES / "deploy_node"
WEB_DIR = SAMPLES / "deploy_web"
CPP_DIR = SAMPLES / "deploy_cpp"
JVM_DIR = SAMPLES / "deploy_jvm"
# The builds stay in the samples' own (git-ignored) build folders, as a user's would: ONNX Runtime,
# the Maven artifacts and the compiled programs are fetched and built once, not per test session.
CPP_BUILD = CPP_DIR / "build"
JVM_JAR = JVM_DIR / "target" / "hybrid-deploy-jvm.jar"
BUILD_TIMEOUT = 900


def require_tool(name: str, install: str) -> str:
    """The path of the program ``name``; fails the test with how to install it when missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; install it with: {install}")
    return path


def npm_ci(folder: pathlib.Path) -> None:
    """``npm ci`` in ``folder`` from its lockfile. onnxruntime-node's install script would fetch
    optional CUDA binaries on linux x64; the samples' .npmrc turns that off and so does the
    environment here, since the CPU runtime ships inside the npm package.
    """
    require_tool("node", "apt-get install nodejs npm")
    npm = require_tool("npm", "apt-get install nodejs npm")
    env = {**os.environ, "ONNXRUNTIME_NODE_INSTALL": "skip"}
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"npm ci in {folder} failed:\n{result.stdout}{result.stderr}"


def run_checked(command: list[str], folder: pathlib.Path, what: str) -> None:
    """Runs ``command`` in ``folder``; fails the test with its output when it fails."""
    result = subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=BUILD_TIMEOUT
    )
    assert result.returncode == 0, f"{what} failed:\n{result.stdout}{result.stderr}"


def build_cpp() -> pathlib.Path:
    """Configures (fetching ONNX Runtime) and builds samples/deploy_cpp; the program's path."""
    cmake = require_tool("cmake", "apt-get install cmake g++ nlohmann-json3-dev")
    run_checked([cmake, "-S", ".", "-B", str(CPP_BUILD)], CPP_DIR, "cmake configure")
    run_checked([cmake, "--build", str(CPP_BUILD)], CPP_DIR, "cmake --build")
    return CPP_BUILD / "predict"


def maven_package(*options: str) -> pathlib.Path:
    """``mvn package`` of samples/deploy_jvm with ``options`` (``-o``: offline); the jar's path."""
    require_tool("java", "apt-get install default-jdk-headless maven")
    mvn = require_tool("mvn", "apt-get install default-jdk-headless maven")
    run_checked([mvn, "-B", "-q", *options, "package"], JVM_DIR, f"mvn {' '.join(options)} package")
    return JVM_JAR


def assert_matches_python(stdout: str, images: pathlib.Path, python_predictions: dict) -> None:
    """The JSON lines a sample printed for ``images`` (index, label, predicted, probabilities)
    against Python's ONNX Runtime: equal classes, probabilities within 1e-5.
    """
    rows = [json.loads(line) for line in stdout.splitlines()]
    labels = json.loads(images.read_text())["labels"]
    assert [row["index"] for row in rows] == list(range(len(labels)))
    assert [row["label"] for row in rows] == labels
    np.testing.assert_array_equal(
        [row["predicted"] for row in rows], python_predictions["predicted"]
    )
    np.testing.assert_allclose(
        [row["probabilities"] for row in rows],
        python_predictions["probabilities"],
        rtol=0,
        atol=1e-5,
    )
