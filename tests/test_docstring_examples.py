"""Every ``Examples`` block in a public docstring runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import hybrid.export
import hybrid.runtime
import pytest

import hybrid

_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _docstring_tests() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = {}
    for pkg in (hybrid, hybrid.export, hybrid.runtime):
        names = [pkg.__name__] + [
            info.name for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
        ]
        for name in names:
            if name.endswith(".__main__"):  # running it would start the program
                continue
            for test in finder.find(importlib.import_module(name)):
                if test.examples:
                    found.setdefault(test.name, test)
    return sorted(found.values(), key=lambda t: t.name)


TESTS = _docstring_tests()


def test_examples_exist():
    assert len(TESTS) >= 20, [t.name for t in TESTS]


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_docstring_example_runs(test):
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    report: list[str] = []
    result = runner.run(test, out=report.append)
    assert result.failed == 0, "".join(report)
