"""Fixtures for the runtime tests: one shared server over a repository of small models."""
from __future__ import annotations

import httpx
import pytest

from .serving import build_repository, running_server

MAX_REQUEST_BYTES = 65536
CONTROL_TOKEN = "test-control-token"


@pytest.fixture(scope="session")
def repository(tmp_path_factory):
    return build_repository(tmp_path_factory.mktemp("repository"))


@pytest.fixture(scope="session")
def server(repository, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    token_file = log_path.parent / "token"
    token_file.write_text(CONTROL_TOKEN + "\n")
    with running_server(repository, log_path, "--max-request-bytes", str(MAX_REQUEST_BYTES),
                        "--model-control-mode", "explicit",
                        "--control-token-file", str(token_file)) as running:
        yield running


@pytest.fixture
def http(server):
    """A client of the shared server that sends its control token."""
    with httpx.Client(base_url=server.url, timeout=10.0,
                      headers={"Authorization": f"Bearer {CONTROL_TOKEN}"}) as client:
        yield client
