"""The documentation site, built once per test session with warnings as errors."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> pathlib.Path:
    """``python -m sphinx -W`` into a fresh folder (the README's docs command, elsewhere)."""
    out = tmp_path_factory.mktemp("html")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS),
         str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, f"the docs build failed:\n{result.stdout}{result.stderr}"
    return out
