"""Every tutorial page runs: its code blocks in order, each shown output checked (see
docs/_ext/tutorial_runner.py)."""

from __future__ import annotations

import os
import sys

import pytest

from .conftest import DOCS, ROOT

sys.path.insert(0, str(DOCS / "_ext"))
import tutorial_runner  # noqa: E402

PAGES = sorted((DOCS / "tutorials").glob("*.md"))


def test_the_runner_checks_shown_output(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```python\nprint(6 * 7)\n```\n\n```text\n41\n```\n")
    with pytest.raises(tutorial_runner.OutputMismatch, match="41"):
        tutorial_runner.run_page(str(page), str(tmp_path))


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_tutorial_runs(page, tmp_path):
    # Pages refer to the project's samples and fixtures as a user in the project root would.
    for folder in ("samples", "tests"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    namespace = tutorial_runner.run_page(str(page), str(tmp_path), env)
    assert namespace  # the page had python blocks or ran its commands without error
