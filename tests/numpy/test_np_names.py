"""Every ``np``, ``np.random`` and ``np.linalg`` name of MXNet 1.9.1 is in ``hybrid.np`` or
excluded with a reason in ``hybrid.api_coverage.NP_EXCLUDED``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hybrid
from hybrid.api_coverage import NP_EXCLUDED

_NAMES = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "mxnet_1.9.1_api_names.json").read_text()
)
NAMESPACES = ("np", "np.random", "np.linalg")


def _module(namespace: str) -> object:
    module = hybrid.np
    for part in namespace.split(".")[1:]:
        module = getattr(module, part)
    return module


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_reference_name_is_present_or_excluded(namespace):
    module = _module(namespace)
    missing = [n for n in _NAMES[namespace]
               if not hasattr(module, n) and n not in NP_EXCLUDED[namespace]]
    assert not missing, f"{namespace}: missing {missing}"


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_exclusions_are_reference_names_and_absent(namespace):
    module = _module(namespace)
    for name, reason in NP_EXCLUDED[namespace].items():
        assert name in _NAMES[namespace], f"{namespace}.{name} is not an MXNet 1.9.1 name"
        assert not hasattr(module, name), f"{namespace}.{name} exists but is excluded"
        assert reason.strip()


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_exported_names_are_callable_or_values(namespace):
    module = _module(namespace)
    for name in getattr(module, "__all__", ()):
        assert hasattr(module, name), f"{namespace}.__all__ lists {name}, which is not defined"
