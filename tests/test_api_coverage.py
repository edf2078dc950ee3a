"""hybrid's nd and sym namespaces against MXNet 1.9.1's public names.

Every name MXNet 1.9.1 shows under ``nd``, ``nd.contrib``, ``nd.linalg`` and ``nd.random``
(``tests/fixtures/mxnet_1.9.1_api_names.json``, recorded from MXNet) must exist in hybrid's ``nd``
and, unless MXNet's own ``sym`` lacks it, in ``sym``; or be excluded with a reason in
``hybrid.api_coverage``.
"""

from __future__ import annotations

import json
import pathlib

import pytest

import hybrid
from hybrid.api_coverage import EXCLUDED, ND_ONLY

NAMES = json.loads(
    (pathlib.Path(__file__).parent / "fixtures" / "mxnet_1.9.1_api_names.json").read_text()
)
NAMESPACES = ("nd", "nd.contrib", "nd.linalg", "nd.random")

def _module(root: object, namespace: str) -> object:
    for part in namespace.split(".")[1:]:
        root = getattr(root, part)
    return root


def _cases() -> list:
    cases = []
    for namespace in NAMESPACES:
        for name in NAMES[namespace]:
            if name in EXCLUDED[namespace]:
                continue
            cases.append(pytest.param(namespace, name, id=f"{namespace}.{name}"))
    return cases


@pytest.mark.parametrize("namespace,name", _cases())
def test_mxnet_name_is_present(namespace, name):
    assert callable(getattr(_module(hybrid.nd, namespace), name, None)), f"{namespace}.{name}"
    if name not in ND_ONLY[namespace]:
        sym_namespace = "sym" + namespace[2:]
        assert callable(getattr(_module(hybrid.sym, namespace), name, None)), (
            f"{sym_namespace}.{name}"
        )


@pytest.mark.parametrize("table", [EXCLUDED, ND_ONLY], ids=["EXCLUDED", "ND_ONLY"])
def test_listed_names_are_mxnet_names_with_reasons(table):
    for namespace in NAMESPACES:
        for name, reason in table[namespace].items():
            assert name in NAMES[namespace], f"{namespace}.{name} is not an MXNet 1.9.1 name"
            assert len(reason) > 20, f"{namespace}.{name}: the reason says too little"

