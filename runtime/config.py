"""A model's ``config.json``: batching, queue, instances, threads and version policy.

Every key is optional; unknown keys are refused so a typo cannot silently change nothing::

    {
      "max_batch_size": 64,
      "dynamic_batching": {"preferred_batch_size": [32, 64], "max_queue_delay_microseconds": 500},
      "max_queue_size": 256,
      "instance_count": 1,
      "intra_op_threads": 1,
      "inter_op_threads": 1,
      "version_policy": {"latest": {"num_versions": 1}}
    }

``max_batch_size`` 0 (the default) means the server neither checks nor merges batches. Above 0,
the first dimension of every input and output is the batch dimension, requests may hold at most
that many rows, and ``dynamic_batching`` (when present) merges concurrent requests up to it.
Batching needs every input and output to declare the same symbolic first dimension (checked at
load); a model that does not is served unbatched and the log says why.
``version_policy`` is one of ``{"latest": {"num_versions": n}}``, ``{"all": {}}`` or
``{"specific": {"versions": [1, 3]}}``; the default serves the newest version only.

Note [Config bounds]
    Every number has bounds (:data:`BOUNDS`, inclusive), so that no configuration, from a file or
    from a load request, can start thousands of threads or wait for ages:

    ============================  =====  ===========
    key                           min    max
    ============================  =====  ===========
    max_batch_size                0      65536
    preferred_batch_size (each)   1      max_batch_size (at most 16 sizes)
    max_queue_delay_microseconds  0      10000000 (10 s)
    max_queue_size                1      1000000
    instance_count                1      16
    intra_op_threads              1      64
    inter_op_threads              1      64
    num_versions, versions        1      1000 (at most 100 versions listed)
    ============================  =====  ===========

    A file ``config.json`` above 1 MiB, or nested beyond ``json``'s recursion limit, is refused.
"""
from __future__ import annotations

import reprlib
from dataclasses import dataclass, field
from typing import Any

from .errors import ModelLoadError

__all__ = ["ModelConfig", "DEFAULT_MAX_QUEUE_SIZE", "BOUNDS"]

DEFAULT_MAX_QUEUE_SIZE = 1024
#: Inclusive ``(min, max)`` of every numeric key; see Note [Config bounds].
BOUNDS = {
    "max_batch_size": (0, 65536),
    "preferred_batch_size": (1, 65536),
    "max_queue_delay_microseconds": (0, 10_000_000),
    "max_queue_size": (1, 1_000_000),
    "instance_count": (1, 16),
    "intra_op_threads": (1, 64),
    "inter_op_threads": (1, 64),
    "num_versions": (1, 1000),
    "versions": (1, 1000),
}
_MAX_PREFERRED = 16
_MAX_LISTED_VERSIONS = 100
_KEYS = ("max_batch_size", "dynamic_batching", "max_queue_size", "instance_count",
         "intra_op_threads", "inter_op_threads", "version_policy")
_BATCHING_KEYS = ("preferred_batch_size", "max_queue_delay_microseconds")


@dataclass(frozen=True)
class ModelConfig:
    """The parsed ``config.json`` of one model (see the module docstring for the format)."""

    max_batch_size: int = 0
    dynamic_batching: bool = False
    preferred_batch_size: tuple[int, ...] = ()
    max_queue_delay_microseconds: int = 0
    max_queue_size: int = DEFAULT_MAX_QUEUE_SIZE
    instance_count: int = 1
    intra_op_threads: int | None = None
    inter_op_threads: int | None = None
    version_policy: dict[str, Any] = field(default_factory=lambda: {"latest": {"num_versions": 1}})

    @classmethod
    def from_dict(cls, doc: Any, model: str,
                  max_queue_size: int = DEFAULT_MAX_QUEUE_SIZE) -> ModelConfig:
        """Validate a decoded ``config.json``; errors name the model and the key."""
        where = f"model '{model}' config.json"
        if not isinstance(doc, dict):
            raise ModelLoadError(f"{where} must be a JSON object")
        _no_unknown(where, doc, _KEYS)
        batching = doc.get("dynamic_batching")
        if batching is not None:
            if not isinstance(batching, dict):
                raise ModelLoadError(f"{where}: 'dynamic_batching' must be an object")
            _no_unknown(f"{where} dynamic_batching", batching, _BATCHING_KEYS)
        batching = batching or {}
        max_batch = _int(where, doc, "max_batch_size", 0)
        preferred = batching.get("preferred_batch_size", [])
        if (not isinstance(preferred, list) or len(preferred) > _MAX_PREFERRED
                or not all(_is_int(p, "preferred_batch_size") for p in preferred)):
            raise ModelLoadError(f"{where}: 'preferred_batch_size' must be a list of at most "
                                 f"{_MAX_PREFERRED} positive integers, got "
                                 f"{reprlib.repr(preferred)}")
        if doc.get("dynamic_batching") is not None and max_batch < 1:
            raise ModelLoadError(f"{where}: dynamic_batching needs max_batch_size >= 1")
        if any(p > max_batch for p in preferred):
            raise ModelLoadError(f"{where}: preferred_batch_size {preferred} exceeds "
                                 f"max_batch_size {max_batch}")
        return cls(
            max_batch_size=max_batch,
            dynamic_batching=doc.get("dynamic_batching") is not None,
            preferred_batch_size=tuple(preferred),
            max_queue_delay_microseconds=_int(where, batching, "max_queue_delay_microseconds",
                                              0),
            max_queue_size=_int(where, doc, "max_queue_size", max_queue_size),
            instance_count=_int(where, doc, "instance_count", 1),
            intra_op_threads=_int(where, doc, "intra_op_threads", None),
            inter_op_threads=_int(where, doc, "inter_op_threads", None),
            version_policy=_policy(where, doc.get("version_policy",
                                                  {"latest": {"num_versions": 1}})),
        )

    def to_dict(self) -> dict[str, Any]:
        """The configuration in ``config.json`` form: ``from_dict(c.to_dict()) == c``."""
        doc: dict[str, Any] = {"max_batch_size": self.max_batch_size,
                               "max_queue_size": self.max_queue_size,
                               "instance_count": self.instance_count,
                               "version_policy": self.version_policy}
        if self.dynamic_batching:
            doc["dynamic_batching"] = {
                "preferred_batch_size": list(self.preferred_batch_size),
                "max_queue_delay_microseconds": self.max_queue_delay_microseconds}
        for key in ("intra_op_threads", "inter_op_threads"):
            if getattr(self, key) is not None:
                doc[key] = getattr(self, key)
        return doc

    def select_versions(self, available: list[int]) -> list[int]:
        """The versions the policy serves out of ``available``, newest first."""
        newest = sorted(available, reverse=True)
        kind, args = next(iter(self.version_policy.items()))
        if kind == "all":
            return newest
        if kind == "latest":
            return newest[:args.get("num_versions", 1)]
        return [v for v in newest if v in args["versions"]]


def _policy(where: str, policy: Any) -> dict[str, Any]:
    bad = ModelLoadError(f"{where}: 'version_policy' must be {{\"latest\": {{\"num_versions\": "
                         f"n}}}}, {{\"all\": {{}}}} or {{\"specific\": {{\"versions\": [...]}}}}, "
                         f"with numbers in {list(BOUNDS['versions'])}, got {reprlib.repr(policy)}")
    if not isinstance(policy, dict) or len(policy) != 1:
        raise bad
    kind, args = next(iter(policy.items()))
    if not isinstance(args, dict):
        raise bad
    if kind == "all" and not args:
        return policy
    if kind == "latest" and set(args) <= {"num_versions"}:
        if _is_int(args.get("num_versions", 1), "num_versions"):
            return policy
    if kind == "specific" and set(args) == {"versions"}:
        versions = args["versions"]
        if (isinstance(versions, list) and 0 < len(versions) <= _MAX_LISTED_VERSIONS
                and all(_is_int(v, "versions") for v in versions)):
            return policy
    raise bad


def _no_unknown(where: str, doc: dict, known: tuple[str, ...]) -> None:
    unknown = sorted(set(doc) - set(known))
    if unknown:
        raise ModelLoadError(f"{where}: unknown keys {unknown}; known keys are {list(known)}")


def _int(where: str, doc: dict, key: str, default: int | None) -> int | None:
    value = doc.get(key, default)
    if value is None and default is None:
        return None
    if not _is_int(value, key):
        low, high = BOUNDS[key]
        raise ModelLoadError(f"{where}: '{key}' must be an integer from {low} to {high}, "
                             f"got {reprlib.repr(value)}")
    return value


def _is_int(value: Any, key: str) -> bool:
    low, high = BOUNDS[key]
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
