"""Project-wide checks: lint, module sizes, and the package list in pyproject.toml."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]
HARD_LIMIT = 800
SOURCE_DIRS = ("hybrid", "export", "runtime", "samples", "benchmarks")


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_over_hard_limit():
    offenders = []
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if "node_modules" in path.parts:
                continue
            lines = path.read_text().count("\n")
            if lines > HARD_LIMIT:
                offenders.append(f"{path.relative_to(ROOT)} ({lines} lines)")
    assert not offenders, "modules over 800 lines: " + ", ".join(offenders)


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    mapping = {"hybrid": "hybrid", "export": "hybrid.export", "runtime": "hybrid.runtime"}
    found = set()
    for top, name in mapping.items():
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top).parts
            found.add(".".join((name, *rel)))
    assert found == listed, f"unlisted: {sorted(found - listed)}, stale: {sorted(listed - found)}"
