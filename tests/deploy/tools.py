"""Helpers shared by the deploy tests: locating the JavaScript samples, requiring system tools with
an install hint, and installing a sample's locked npm dependencies.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
NODE_DIR = SAMPLES / "deploy_node"
WEB_DIR = SAMPLES / "deploy_web"


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
