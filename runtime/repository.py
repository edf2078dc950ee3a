"""The model repository: ``DIR/<model>/<version>/model.onnx`` plus an optional ``config.json``.

Loading a model reads its configuration, picks the versions its policy serves, and builds one
:class:`~hybrid.runtime.batching.Scheduler` per version. A model or version that fails to load is
kept with the reason, so the index and errors can say why, while the other models keep serving.
Reloading builds the new versions first and swaps them in, then drains the old ones.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .batching import Scheduler
from .config import DEFAULT_MAX_QUEUE_SIZE, ModelConfig
from .errors import (
    InferenceError,
    InvalidInputError,
    ModelLoadError,
    ModelNotFoundError,
    ModelUnavailableError,
)
from .metrics import ModelStats
from .predictor import Predictor
from .spec import Signature

__all__ = ["ModelRepository", "ModelVersion", "Model"]

# Names become directory names: no separators, no leading dot, so no way out of the repository.
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}")
_VERSION = re.compile(r"[0-9]{1,18}")


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
        return text

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
        self._max_queue = max_queue_size
        self._providers = providers
        self._models: dict[str, Model] = {}
        self._stats: dict[tuple[str, str], ModelStats] = {}
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()

    def names_on_disk(self) -> list[str]:
        """Model directory names, sorted."""
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _NAME.fullmatch(p.name))

    def load_all(self) -> list[Model]:
        """Load every model on disk; failures are recorded on the models, not raised."""
        models = []
        for name in self.names_on_disk():
            try:
                models.append(self.load(name))
            except InferenceError:
                models.append(self._models[name])
        return models

    def load(self, name: str, config: dict[str, Any] | None = None) -> Model:
        """Load or reload a model, optionally with a configuration given instead of config.json.

        Raises :class:`ModelLoadError` when no version could be loaded; the model then stays
        listed as unavailable with the reason.
        """
        directory = self._directory(name)
        with self._load_lock:
            model = self._build(name, directory, config)
            with self._lock:
                old = self._models.get(name)
                self._models[name] = model
            if old is not None:
                _close(old)
        if not model.versions:
            raise ModelLoadError(f"failed to load model '{name}': {model.unavailable_reason()}")
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
            return model.versions[max(model.versions)]
        number = int(version) if _VERSION.fullmatch(version) else None
        if number in model.versions:
            return model.versions[number]
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
            for v in sorted(model.versions):
                rows.append({"name": name, "version": str(v), "state": "READY", "reason": ""})
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

    def close(self) -> None:
        """Unload everything, finishing queued requests."""
        with self._lock:
            models, self._models = list(self._models.values()), {}
        for model in models:
            _close(model)

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
            raise ModelNotFoundError(f"unknown model '{name}': no directory '{directory}'")
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
                model.versions[version] = self._build_version(name, version, directory, config)
            except ModelLoadError as err:
                model.failed[version] = str(err)
        return model

    def _build_version(self, name: str, version: int, directory: Path,
                       config: ModelConfig) -> ModelVersion:
        path = directory / str(version) / "model.onnx"
        if not path.is_file():
            raise ModelLoadError(f"missing file '{path}'")
        predictors = [Predictor(path, self._providers, config.intra_op_threads,
                                config.inter_op_threads) for _ in range(config.instance_count)]
        first = predictors[0]
        sig = Signature(name, str(version), first.inputs, first.outputs, config.max_batch_size)
        if config.max_batch_size:
            fixed = [s.name for s in (*sig.inputs, *sig.outputs)
                     if not s.shape or isinstance(s.shape[0], int)]
            if fixed:
                raise ModelLoadError(f"max_batch_size {config.max_batch_size} needs a dynamic "
                                     f"first dimension, but {fixed} have none")
        stats = self._stats.setdefault((name, str(version)), ModelStats(name, str(version)))
        scheduler = Scheduler(predictors, stats, sig.label, max_batch_size=config.max_batch_size,
                              dynamic_batching=config.dynamic_batching,
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
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise ModelLoadError(f"model '{name}': cannot read {path}: {err}") from err


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name) or ".." in name:
        raise InvalidInputError(f"invalid model name {name!r}: use letters, digits, '_', '-' "
                                "and '.', starting with a letter, digit or '_'")


def _close(model: Model) -> None:
    for version in model.versions.values():
        version.scheduler.close()
