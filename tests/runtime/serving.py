"""Start the real server in a subprocess on a free loopback port, and always stop it."""
from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from . import models

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_after(self, marker: str, timeout: float = 5.0) -> str:
        """The log once ``marker`` is in it: the server writes its log in blocks, every 0.1 s."""
        deadline = time.monotonic() + timeout
        while marker not in (text := self.log()) and time.monotonic() < deadline:
            time.sleep(0.05)
        return text

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/v2/health/ready", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@contextlib.contextmanager
def running_server(repo: Path, log_path: Path, *args: str,
                   timeout: float = 30.0) -> Iterator[Server]:
    """Run ``python -m hybrid.runtime`` on ``repo`` until the block exits."""
    port = free_port()
    command = [sys.executable, "-m", "hybrid.runtime", "--model-repository", str(repo),
               "--host", HOST, "--port", str(port), *args]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://{HOST}:{port}", port, process, log_path)
    try:
        server.wait_ready(timeout)
        yield server
    finally:
        server.stop()


def put_model(repo: Path, name: str, version: int, data: bytes,
              config: dict | None = None) -> Path:
    folder = repo / name / str(version)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.onnx").write_bytes(data)
    if config is not None:
        (repo / name / "config.json").write_text(json.dumps(config))
    return folder


def slow_batching(seconds: float, **extra) -> dict:
    """A config whose merges wait ``seconds`` for partners, long enough never to race a test."""
    delay = {"max_queue_delay_microseconds": int(seconds * 1e6)}
    return {"max_batch_size": 8, "dynamic_batching": delay, **extra}


def build_repository(repo: Path) -> Path:
    """The repository the shared test server serves."""
    put_model(repo, "classifier", 1, models.classifier(0))
    put_model(repo, "classifier", 2, models.classifier(1),
              {"max_batch_size": 8, "version_policy": {"all": {}}})
    put_model(repo, "elementwise", 1, models.elementwise())
    put_model(repo, "typed", 1, models.typed())
    put_model(repo, "batched", 1, models.elementwise(), slow_batching(1.0))
    put_model(repo, "queued", 1, models.elementwise(), slow_batching(2.0, max_queue_size=2))
    put_model(repo, "broken", 1, models.BROKEN)
    put_model(repo, "badconfig", 1, models.classifier(0), {"max_batch_sizes": 4})
    put_model(repo, "spare", 1, models.elementwise())
    return repo
