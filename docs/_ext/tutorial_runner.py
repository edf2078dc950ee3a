"""Runs a tutorial page's code blocks in order, as the test suite and the docs build do.

A page is MyST Markdown. Its fenced ``python`` blocks run in one namespace, in the page's order, in
a working folder of the caller's choosing; ``console`` blocks run their ``$ `` lines with bash
there. A fenced ``text`` block right after a code block is that block's expected output, compared
with doctest's rules (``...`` matches anything), so a page cannot show output its code does not
print.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import os
import re
import subprocess
from dataclasses import dataclass

_FENCE = re.compile(r"^```([\w{}-]*)[^\n]*\n(.*?)^```\s*$", re.M | re.S)


@dataclass
class Block:
    """One fenced block: its language, its source and the line it starts on."""

    lang: str
    source: str
    line: int
    expected: str | None = None


def blocks(text: str) -> list[Block]:
    """The page's ``python`` and ``console`` blocks, each with the ``text`` block after it."""
    found: list[Block] = []
    previous_end = None
    for match in _FENCE.finditer(text):
        lang, source = match.group(1), match.group(2)
        line = text.count("\n", 0, match.start()) + 1
        between = text[previous_end : match.start()] if previous_end is not None else None
        if lang == "text" and found and between is not None and not between.strip():
            found[-1].expected = source
        elif lang in ("python", "console"):
            found.append(Block(lang, source, line))
        previous_end = match.end()
    return found


class OutputMismatch(AssertionError):
    """A block printed something other than the output its page shows."""


def _check(page: str, block: Block, got: str) -> None:
    if block.expected is None:
        return
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    if not checker.check_output(block.expected, got, flags):
        raise OutputMismatch(
            f"{page}, block at line {block.line}: the page shows\n{block.expected}\n"
            f"but the code printed\n{got}"
        )


def _run_console(block: Block, cwd: str, env: dict) -> str:
    out = []
    for line in block.source.splitlines():
        if not line.startswith("$ "):
            continue
        done = subprocess.run(
            ["bash", "-c", line[2:]], cwd=cwd, env=env, capture_output=True, text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"`{line[2:]}` failed ({done.returncode}):\n{done.stderr}")
        out.append(done.stdout)
    return "".join(out)


def run_page(path: str, cwd: str, env: dict | None = None) -> dict:
    """Run every block of the page at ``path`` with ``cwd`` as the working folder; returns the
    namespace the python blocks shared."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    env = dict(os.environ if env is None else env)
    namespace: dict = {"__name__": "__tutorial__"}
    here = os.getcwd()
    os.chdir(cwd)
    try:
        for block in blocks(text):
            if block.lang == "console":
                got = _run_console(block, cwd, env)
            else:
                buffer = io.StringIO()
                with contextlib.redirect_stdout(buffer):
                    code = compile(block.source, f"{path}:{block.line}", "exec")
                    exec(code, namespace)  # noqa: S102 - the page's own code is what is tested
                got = buffer.getvalue()
            _check(os.path.basename(path), block, got)
    finally:
        os.chdir(here)
    return namespace
