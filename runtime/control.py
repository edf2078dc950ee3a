"""Model control: who may load and unload models, and the repository poller.

Note [Model control modes]
    As in Triton, ``--model-control-mode`` decides how the set of served models may change once
    the server runs. Every mode loads every model in the repository at start.

    - ``none`` (the default): never; ``POST /v2/repository/models/{m}/load`` and ``.../unload``
      answer 403.
    - ``explicit``: through those two endpoints. When the server was given a control token (the
      ``HYBRID_SERVE_CONTROL_TOKEN`` environment variable or ``--control-token-file``), they
      need the header ``Authorization: Bearer <token>`` and answer 401 without it.
    - ``poll``: the server rescans the repository every ``--repository-poll-secs`` seconds,
      loads new models, reloads changed ones (a file's size or modification time changed) and
      unloads removed ones; the endpoints answer 403.

    A reload that fails keeps the previous versions serving, in every mode.
"""
from __future__ import annotations

import hmac
import logging
import os
import threading
from pathlib import Path

from .errors import ForbiddenError, InferenceError, UnauthorizedError
from .repository import ModelRepository

__all__ = ["MODES", "Control", "Poller", "read_token"]

MODES = ("none", "explicit", "poll")
TOKEN_ENV = "HYBRID_SERVE_CONTROL_TOKEN"
log = logging.getLogger("hybrid.runtime.control")


def read_token(token_file: str | None) -> str | None:
    """The control token: the file's first line when given, else the environment variable."""
    if token_file:
        token = Path(token_file).read_text().strip()
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
    return token or None


class Control:
    """Checks a load or unload request against the mode and the token."""

    def __init__(self, mode: str = "none", token: str | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"model control mode must be one of {MODES}, got {mode!r}")
        self.mode, self._token = mode, token

    def check(self, authorization: str | None) -> None:
        """Raise 403 unless the mode is explicit, and 401 without the right bearer token."""
        if self.mode != "explicit":
            raise ForbiddenError(f"loading and unloading models is disabled: the server runs "
                                 f"with --model-control-mode {self.mode} (use explicit)")
        if self._token is None:
            return
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(),
                                                                 self._token.encode()):
            raise UnauthorizedError("model control needs the header 'Authorization: Bearer "
                                    "<token>' with the server's control token")


class Poller:
    """Polls the repository (``poll`` mode): loads, reloads and unloads models as files change."""

    def __init__(self, repository: ModelRepository, interval: float) -> None:
        self.repo, self.interval = repository, interval
        self._stop = threading.Event()
        self._seen = {name: _fingerprint(repository.root / name)
                      for name in repository.names_on_disk()}
        self._thread = threading.Thread(target=self._run, name="repository poll", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def poll_once(self) -> None:
        """One scan: load what is new or changed, unload what is gone."""
        now = {name: _fingerprint(self.repo.root / name) for name in self.repo.names_on_disk()}
        for name in sorted(set(self._seen) - set(now)):
            self._apply("unloaded", self.repo.unload, name)
        for name, print_ in sorted(now.items()):
            if self._seen.get(name) != print_:
                self._apply("loaded", self.repo.load, name)
        self._seen = now

    def _apply(self, what: str, action, name: str) -> None:
        try:
            action(name)
            log.info("repository poll: %s model '%s'", what, name)
        except InferenceError as err:
            log.warning("repository poll: %s", err)
        except Exception:  # the poller must keep polling whatever one model does
            log.exception("repository poll: unexpected error on model '%s'", name)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll_once()


def _fingerprint(directory: Path) -> tuple:
    """Names, sizes and modification times of a model folder's files (two levels deep)."""
    entries = []
    try:
        for path in sorted(directory.glob("*")) + sorted(directory.glob("*/*")):
            info = path.stat()
            entries.append((str(path.relative_to(directory)), info.st_size, info.st_mtime_ns))
    except OSError:
        return ("unreadable",)
    return tuple(entries)
