"""Fixtures for the runtime tests: one shared server over a repository of small models."""
from __future__ import annotations

import httpx
import pytest

from .serving import build_repository, running_server

MAX_REQUEST_BYTES = 65536


@pytest.fixture(scope="session")
def repository(tmp_path_factory):
    return build_repository(tmp_path_factory.mktemp("repository"))


@pytest.fixture(scope="session")
def server(repository, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with running_server(repository, log_path,
                        "--max-request-bytes", str(MAX_REQUEST_BYTES)) as running:
        yield running


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.url, timeout=10.0) as client:
        yield client
