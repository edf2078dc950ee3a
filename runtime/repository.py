"""The model repository: ``DIR/<model>/<version>/model.onnx`` plus an optional ``config.json``.

Loading a model reads its configuration, picks the versions its policy serves, and builds one
:class:`~hybrid.runtime.batching.Scheduler` per version. A model or version that fails to load is
kept with the reason, so the index and errors can say why, while the other models keep serving.
Reloading builds the new versions first and swaps them in, then drains the old ones; a reload
that fails (any version or the configuration) keeps the old versions serving.

Error messages name files relative to the repository (``model/1/model.onnx``), never by their
absolute path, since they are sent to clients.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .batchcheck import batch_problem, read_model, unknown_rank
from .batching import Scheduler
from .config import DEFAULT_MAX_QUEUE_SIZE, ModelConfig
from .errors import (
    InferenceError,
    InvalidInputError,
    ModelLoadError,
    ModelNotFoundError,
    ModelUnavailableError,
)
from .jsondata import loads
from .metrics import ModelStats
from .predictor import Predictor
from .spec import Signature

__all__ = ["ModelRepository", "ModelVersion", "Model"]

# Names become directory names: no separators, no leading dot, so no way out of the repository.
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}")
_VERSION = re.compile(r"[0-9]{1,18}")
_MAX_CONFIG_BYTES = 1 << 20
log = logging.getLogger("hybrid.runtime.repository")


@dataclass
class ModelVersion:
    """One loaded, ready model version."""

    signature: Signature
    scheduler: Scheduler
    stats: ModelStats


@dataclass
class Model:
    """A model as loaded: its ready versions, and the reason for each version that failed."""

    name: str
    config: ModelConfig | None
    versions: dict[int, ModelVersion] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    error: str | None = None  # a model-level failure (configuration, no versions)
    notes: list[str] = field(default_factory=list)  # e.g. why batching was turned off

    def describe(self) -> str:
        """One log line: versions, their state, inputs and outputs."""
        if not self.versions:
            return f"model '{self.name}' UNAVAILABLE: {self.unavailable_reason()}"
        newest = self.versions[max(self.versions)].signature
        text = (f"model '{self.name}' versions {sorted(self.versions)} READY; "
                f"inputs: {', '.join(s.describe() for s in newest.inputs)}; "
                f"outputs: {', '.join(s.describe() for s in newest.outputs)}")
        if self.failed:
            text += f"; failed versions: {self.failed}"
        return "; ".join([text, *self.notes])

    def unavailable_reason(self) -> str:
        if self.error:
            return self.error
        return "; ".join(f"version {v}: {why}" for v, why in sorted(self.failed.items()))


class ModelRepository:
    """Load, serve and unload the models of one repository directory.

    Parameters
    ----------
    root : str or Path
        The repository directory.
    max_queue_size : int
        The queue length for models whose ``config.json`` does not set ``max_queue_size``.
    providers : list of str, optional
        ONNX Runtime execution providers for every model.
    """

    def __init__(self, root: str | Path, max_queue_size: int = DEFAULT_MAX_QUEUE_SIZE,
                 providers: list[str] | None = None) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise ModelLoadError(f"model repository '{self.root}' is not a directory")
        self._roots = sorted({str(self.root), str(self.root.resolve()),
                              str(self.root.absolute())}, key=len, reverse=True)
        self._max_queue = max_queue_size
        self._providers = providers
        self._models: dict[str, Model] = {}
        self._stats: dict[tuple[str, str], ModelStats] = {}
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()

    def scrub(self, message: str) -> str:
        """``message`` without the repository's absolute path (it is sent to clients)."""
        for root in self._roots:
            message = message.replace(root + "/", "").replace(root, "<repository>")
        return message

    def names_on_disk(self) -> list[str]:
        """Model directory names (every folder not starting with '.'), sorted."""
        return sorted(p.name for p in self.root.iterdir()
                      if p.is_dir() and not p.name.startswith("."))

    def load_all(self) -> list[Model]:
        """Load every model on disk; failures are recorded on the models, not raised.

        Whatever goes wrong with one folder (a bad name, an unreadable or absurd config.json, a
        broken file) makes that model unavailable with the reason and never stops the others.
        """
        models = []
        for name in self.names_on_disk():
            try:
                models.append(self.load(name))
            except Exception as err:  # one model's failure, whatever it is, is that model's
                if not isinstance(err, InferenceError):
                    log.exception("unexpected error loading model %r", name)
                with self._lock:
                    model = self._models.setdefault(name, Model(name, None, error=str(err)))
                models.append(model)
        return models

    def load(self, name: str, config: dict[str, Any] | None = None) -> Model:
        """Load or reload a model, optionally with a configuration given instead of config.json.

        Raises :class:`ModelLoadError` when the model or any version fails to load. A model that
        was serving keeps its old versions then; a new one stays listed as unavailable with the
        reason.
        """
        directory = self._directory(name)
        with self._load_lock:
            model = self._build(name, directory, config)
            with self._lock:
                old = self._models.get(name)
                failed = model.error is not None or bool(model.failed) or not model.versions
                keep_old = failed and old is not None and bool(old.versions)
                if not keep_old:
                    self._models[name] = model
            _close(model if keep_old else old)
        if failed:
            kept = "; the previous versions keep serving" if keep_old else ""
            raise ModelLoadError(f"failed to load model '{name}': "
                                 f"{model.unavailable_reason()}{kept}")
        return model

    def unload(self, name: str) -> None:
        """Stop serving a model; requests already queued for it are finished first."""
        _check_name(name)
        with self._load_lock:
            with self._lock:
                model = self._models.pop(name, None)
            if model is None and not (self.root / name).is_dir():
                raise ModelNotFoundError(f"unknown model '{name}'")
            if model is not None:
                _close(model)

    def get(self, name: str, version: str | None = None) -> ModelVersion:
        """The ready model version a request addresses (the newest one when ``version`` is None)."""
        model = self._model(name)
        if version in (None, ""):
            if not model.versions:
                raise ModelUnavailableError(f"model '{name}' is unavailable: "
                                            f"{model.unavailable_reason()}")
            return _alive(model.versions[max(model.versions)])
        number = int(version) if _VERSION.fullmatch(version) else None
        if number in model.versions:
            return _alive(model.versions[number])
        if number in model.failed:
            raise ModelUnavailableError(f"model '{name}' version {version} is unavailable: "
                                        f"{model.failed[number]}")
        raise ModelNotFoundError(f"model '{name}' has no version {version!r}; ready versions are "
                                 f"{[str(v) for v in sorted(model.versions)]}")

    def model(self, name: str) -> Model:
        """The loaded model called ``name`` (ready or not)."""
        return self._model(name)

    def index(self, ready_only: bool = False) -> list[dict[str, str]]:
        """The repository extension's index: every model on disk or loaded, per version."""
        with self._lock:
            loaded = dict(self._models)
        rows = []
        for name in sorted(set(self.names_on_disk()) | set(loaded)):
            model = loaded.get(name)
            if model is None:
                rows.append({"name": name, "state": "UNAVAILABLE", "reason": "unloaded"})
                continue
            for v, loaded_version in sorted(model.versions.items()):
                dead = loaded_version.scheduler.failure
                rows.append({"name": name, "version": str(v),
                             "state": "UNAVAILABLE" if dead else "READY", "reason": dead or ""})
            for v, why in sorted(model.failed.items()):
                rows.append({"name": name, "version": str(v), "state": "UNAVAILABLE",
                             "reason": why})
            if model.error:
                rows.append({"name": name, "state": "UNAVAILABLE", "reason": model.error})
        return [r for r in rows if r["state"] == "READY"] if ready_only else rows

    def ready_versions(self) -> list[ModelVersion]:
        """Every ready version of every loaded model."""
        with self._lock:
            return [v for m in self._models.values() for _, v in sorted(m.versions.items())]

    def all_stats(self) -> list[ModelStats]:
        """Statistics of every version ever loaded (counters survive reloads)."""
        with self._lock:
            return [self._stats[k] for k in sorted(self._stats)]

    def close(self, timeout: float | None = None) -> None:
        """Unload everything, finishing queued requests (waiting ``timeout`` s per model)."""
        with self._lock:
            models, self._models = list(self._models.values()), {}
        for model in models:
            _close(model, timeout)

    def _model(self, name: str) -> Model:
        _check_name(name)
        with self._lock:
            model = self._models.get(name)
        if model is not None:
            return model
        if (self.root / name).is_dir():
            raise ModelUnavailableError(f"model '{name}' is not loaded")
        raise ModelNotFoundError(f"unknown model '{name}'")

    def _directory(self, name: str) -> Path:
        _check_name(name)
        directory = self.root / name
        if not directory.is_dir():
            raise ModelNotFoundError(f"unknown model '{name}': the repository has no folder "
                                     f"'{name}'")
        return directory

    def _build(self, name: str, directory: Path, override: dict[str, Any] | None) -> Model:
        try:
            config = ModelConfig.from_dict(_read_config(directory, name, override), name,
                                           self._max_queue)
            on_disk = [int(p.name) for p in directory.iterdir()
                       if p.is_dir() and _VERSION.fullmatch(p.name) and int(p.name) > 0]
            chosen = config.select_versions(on_disk)
            if not chosen:
                raise ModelLoadError(f"no version directories matching the version policy "
                                     f"{config.version_policy} (found {sorted(on_disk)})")
        except ModelLoadError as err:
            return Model(name, None, error=str(err))
        model = Model(name, config)
        for version in chosen:
            try:
                model.versions[version] = self._build_version(model, version, directory)
            except ModelLoadError as err:
                model.failed[version] = str(err)
        return model

    def _build_version(self, model: Model, version: int, directory: Path) -> ModelVersion:
        name, config = model.name, model.config
        relative = f"{name}/{version}/model.onnx"
        path = directory / str(version) / "model.onnx"
        if not path.is_file():
            raise ModelLoadError(f"missing file '{relative}'")
        try:
            predictors = [Predictor(path, self._providers, config.intra_op_threads,
                                    config.inter_op_threads) for _ in range(config.instance_count)]
        except ModelLoadError as err:
            raise ModelLoadError(str(err).replace(str(path), relative)) from None
        first = predictors[0]
        graph = read_model(path)
        unknown = unknown_rank(graph)
        inputs, outputs = ([replace(s, shape=None) if s.name in unknown else s
                            for s in specs] for specs in (first.inputs, first.outputs))
        unsupported = [s.describe() for s in (*inputs, *outputs) if s.dtype is None]
        if unsupported:
            raise ModelLoadError(f"'{relative}' has inputs or outputs of types hybrid.runtime "
                                 f"cannot carry: {', '.join(unsupported)}")
        max_batch = config.max_batch_size
        if max_batch:
            problem = batch_problem(graph, inputs, outputs)
            if problem:
                max_batch = 0
                model.notes.append(f"version {version} served unbatched (max_batch_size "
                                   f"{config.max_batch_size} ignored): {problem}")
        sig = Signature(name, str(version), tuple(inputs), tuple(outputs), max_batch)
        stats = self._stats.setdefault((name, str(version)), ModelStats(name, str(version)))
        scheduler = Scheduler(predictors, stats, sig.label, max_batch_size=max_batch,
                              dynamic_batching=config.dynamic_batching and max_batch > 0,
                              preferred_batch_size=config.preferred_batch_size,
                              max_queue_delay_us=config.max_queue_delay_microseconds,
                              max_queue_size=config.max_queue_size)
        return ModelVersion(sig, scheduler, stats)


def _read_config(directory: Path, name: str, override: dict[str, Any] | None) -> Any:
    if override is not None:
        return override
    path = directory / "config.json"
    if not path.is_file():
        return {}
    where = f"model '{name}': config.json"
    try:
        with open(path, "rb") as f:
            text = f.read(_MAX_CONFIG_BYTES + 1)
    except OSError as err:
        raise ModelLoadError(f"{where} cannot be read ({err.strerror})") from None
    if len(text) > _MAX_CONFIG_BYTES:
        raise ModelLoadError(f"{where} is larger than {_MAX_CONFIG_BYTES} bytes")
    try:
        return loads(text, where)
    except InvalidInputError as err:
        raise ModelLoadError(str(err)) from None


def _check_name(name: str) -> None:
    # The pattern allows no separator and no leading dot, so a name never leaves the repository.
    if not _NAME.fullmatch(name):
        raise InvalidInputError(f"invalid model name {name!r:.200}: use up to 128 letters, "
                                "digits, '_', '-' and '.', starting with a letter, digit or '_'")


def _alive(version: ModelVersion) -> ModelVersion:
    """``version``, unless its scheduler's workers died (then the model is unavailable)."""
    if version.scheduler.failure:
        raise ModelUnavailableError(f"{version.signature.label} is unavailable: "
                                    f"{version.scheduler.failure}")
    return version


def _close(model: Model | None, timeout: float | None = None) -> None:
    for version in (model.versions.values() if model is not None else ()):
        version.scheduler.close(timeout)
