"""The model repository and config.json, without a server."""
from __future__ import annotations

import pytest
from hybrid.runtime import (
    InvalidInputError,
    ModelConfig,
    ModelLoadError,
    ModelNotFoundError,
    ModelRepository,
    ModelUnavailableError,
)

from . import models
from .serving import build_repository, put_model


@pytest.fixture
def repo(tmp_path):
    repository = ModelRepository(build_repository(tmp_path / "repo"))
    try:
        yield repository
    finally:
        repository.close()


def test_load_all_serves_good_models_and_explains_bad_ones(repo):
    loaded = {m.name: m for m in repo.load_all()}
    assert sorted(loaded["classifier"].versions) == [1, 2]
    assert "INVALID_PROTOBUF" in loaded["broken"].failed[1]
    assert "unknown keys ['max_batch_sizes']" in loaded["badconfig"].error
    assert "model 'classifier' versions [1, 2] READY; inputs: x FP32 (batch, 4)" in \
        loaded["classifier"].describe()
    assert loaded["broken"].describe().startswith("model 'broken' UNAVAILABLE: version 1:")
    with pytest.raises(ModelUnavailableError, match="model 'broken' is unavailable"):
        repo.get("broken")
    with pytest.raises(ModelUnavailableError, match="version 1 is unavailable"):
        repo.get("broken", "1")


def test_get_resolves_versions_and_refuses_unknown_names(repo):
    repo.load("classifier")
    assert repo.get("classifier").signature.version == "2"
    assert repo.get("classifier", "1").signature.version == "1"
    assert repo.get("classifier").signature.max_batch_size == 8
    with pytest.raises(ModelNotFoundError, match=r"no version '7'; ready versions are \['1', '2"):
        repo.get("classifier", "7")
    with pytest.raises(ModelNotFoundError, match="unknown model 'nothing'"):
        repo.get("nothing")
    with pytest.raises(ModelUnavailableError, match="model 'elementwise' is not loaded"):
        repo.get("elementwise")


@pytest.mark.parametrize("name", ["..", "../classifier", "a/b", ".hidden", "x" * 200, ""])
def test_names_that_could_leave_the_repository_are_refused(repo, name):
    with pytest.raises(InvalidInputError, match="invalid model name"):
        repo.load(name)
    with pytest.raises(InvalidInputError, match="invalid model name"):
        repo.get(name)


def test_version_policies(tmp_path):
    for v in (1, 2, 3):
        put_model(tmp_path, "m", v, models.classifier(v))
    repository = ModelRepository(tmp_path)
    try:
        assert sorted(repository.load("m").versions) == [3]
        policy = {"specific": {"versions": [1, 3]}}
        assert sorted(repository.load("m", {"version_policy": policy}).versions) == [1, 3]
        latest = {"latest": {"num_versions": 2}}
        assert sorted(repository.load("m", {"version_policy": latest}).versions) == [2, 3]
    finally:
        repository.close()


def test_unload_then_reload_keeps_statistics(repo):
    first = repo.load("elementwise").versions[1]
    first.stats.record_request(True, 1000)
    repo.unload("elementwise")
    with pytest.raises(ModelUnavailableError, match="not loaded"):
        repo.get("elementwise")
    assert {"name": "elementwise", "state": "UNAVAILABLE", "reason": "unloaded"} in repo.index()
    second = repo.load("elementwise").versions[1]
    assert second.stats is first.stats and second.scheduler is not first.scheduler
    assert second.stats.to_kserve()["inference_stats"]["success"]["count"] == 1
    with pytest.raises(ModelNotFoundError):
        repo.unload("nothing")


def test_index_lists_states_and_filters_ready(repo):
    repo.load_all()
    rows = repo.index()
    assert {"name": "classifier", "version": "2", "state": "READY", "reason": ""} in rows
    assert any(r["name"] == "broken" and r["state"] == "UNAVAILABLE" for r in rows)
    assert all(r["state"] == "READY" for r in repo.index(ready_only=True))


def test_batching_needs_a_dynamic_first_dim_and_version_files(tmp_path):
    put_model(tmp_path, "fixed", 1, models.fixed_batch(), {"max_batch_size": 4})
    (tmp_path / "empty" / "1").mkdir(parents=True)
    repository = ModelRepository(tmp_path)
    try:
        fixed = repository.load("fixed")
        assert fixed.versions[1].signature.max_batch_size == 0
        assert "served unbatched" in fixed.describe()
        assert "input 'x' has no dynamic first dimension" in fixed.describe()
        with pytest.raises(ModelLoadError, match="missing file"):
            repository.load("empty")
    finally:
        repository.close()
    with pytest.raises(ModelLoadError, match="is not a directory"):
        ModelRepository(tmp_path / "nowhere")


@pytest.mark.parametrize("doc, message", [
    ([], "must be a JSON object"),
    ({"max_batch_size": -1}, "'max_batch_size' must be an integer from 0 to 65536"),
    ({"max_batch_size": True}, "'max_batch_size' must be an integer"),
    ({"dynamic_batching": {}}, "dynamic_batching needs max_batch_size >= 1"),
    ({"max_batch_size": 4, "dynamic_batching": {"preferred_batch_size": [8]}}, "exceeds"),
    ({"max_batch_size": 4, "dynamic_batching": {"delay": 1}}, "unknown keys \\['delay'\\]"),
    ({"instance_count": 0}, "'instance_count' must be an integer from 1 to 16"),
    ({"version_policy": {"newest": {}}}, "'version_policy' must be"),
    ({"version_policy": {"specific": {"versions": []}}}, "'version_policy' must be"),
])
def test_config_errors_name_the_model_and_key(doc, message):
    with pytest.raises(ModelLoadError, match=message) as info:
        ModelConfig.from_dict(doc, "m")
    assert "model 'm' config.json" in str(info.value)


def test_config_round_trips_through_to_dict():
    doc = {"max_batch_size": 16, "max_queue_size": 7, "instance_count": 2,
           "dynamic_batching": {"preferred_batch_size": [4, 16],
                                "max_queue_delay_microseconds": 250},
           "intra_op_threads": 1, "version_policy": {"all": {}}}
    config = ModelConfig.from_dict(doc, "m")
    assert config.dynamic_batching and config.preferred_batch_size == (4, 16)
    assert ModelConfig.from_dict(config.to_dict(), "m") == config
    assert ModelConfig.from_dict({}, "m", max_queue_size=3).max_queue_size == 3
