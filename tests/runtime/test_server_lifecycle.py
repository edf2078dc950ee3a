"""Loading and unloading at run time, SIGTERM draining, and the command line."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import httpx
import numpy as np
import pytest
from hybrid.runtime import cli

from . import models
from .serving import put_model, running_server, slow_batching

PAIR = {"inputs": [{"name": k, "shape": [1, 2], "datatype": "FP32", "data": [1.0, 2.0]}
                   for k in "ab"]}


def test_unload_and_load_again(http):
    assert http.post("/v2/repository/models/spare/unload").status_code == 200
    try:
        response = http.post("/v2/models/spare/infer", json=PAIR)
        assert response.status_code == 400 and "not loaded" in response.json()["error"]
        assert http.get("/v2/models/spare/ready").status_code == 400
        index = http.post("/v2/repository/index", json={}).json()
        assert {"name": "spare", "state": "UNAVAILABLE", "reason": "unloaded"} in index
        ready = http.post("/v2/repository/index", json={"ready": True}).json()
        assert all(r["state"] == "READY" for r in ready)
        assert not any(r["name"] == "spare" for r in ready)
    finally:
        assert http.post("/v2/repository/models/spare/load").status_code == 200
    response = http.post("/v2/models/spare/infer", json=PAIR)
    assert response.json()["outputs"][0]["data"] == [2.0, 4.0]


def test_load_a_model_added_at_run_time_with_a_config(repository, http):
    name = f"late{time.monotonic_ns()}"
    put_model(repository, name, 1, models.classifier(0))
    assert http.get(f"/v2/models/{name}").status_code == 400  # on disk, not loaded yet
    config = json.dumps({"max_batch_size": 2})
    response = http.post(f"/v2/repository/models/{name}/load",
                         json={"parameters": {"config": config}})
    assert response.status_code == 200, response.text
    assert http.get(f"/v2/models/{name}/config").json()["max_batch_size"] == 2
    x = {"name": "x", "shape": [3, 4], "datatype": "FP32", "data": [0.0] * 12}
    response = http.post(f"/v2/models/{name}/infer", json={"inputs": [x]})
    assert response.status_code == 400 and "max_batch_size 2" in response.json()["error"]
    x["shape"], x["data"] = [2, 4], [0.0] * 8
    assert http.post(f"/v2/models/{name}/infer", json={"inputs": [x]}).status_code == 200


def test_failed_loads_explain_and_others_keep_serving(http):
    response = http.post("/v2/repository/models/broken/load")
    assert response.status_code == 400 and "INVALID_PROTOBUF" in response.json()["error"]
    response = http.post("/v2/repository/models/nothing/load")
    assert response.status_code == 404 and "unknown model 'nothing'" in response.json()["error"]
    response = http.post("/v2/repository/models/spare/load",
                         json={"parameters": {"file:1/model.onnx": "AAAA"}})
    assert response.status_code == 400 and "not supported" in response.json()["error"]
    response = http.post("/v2/repository/models/spare/load",
                         json={"parameters": {"config": "{oops"}})
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]
    assert http.post("/v2/models/elementwise/infer", json=PAIR).status_code == 200


def test_sigterm_drains_requests_in_flight(tmp_path):
    repo = tmp_path / "repo"
    put_model(repo, "slow", 1, models.elementwise(), slow_batching(2.0))
    with running_server(repo, tmp_path / "server.log") as server:
        result: dict[str, httpx.Response] = {}

        def send() -> None:
            with httpx.Client(base_url=server.url, timeout=10.0) as client:
                result["response"] = client.post("/v2/models/slow/infer", json=PAIR)

        thread = threading.Thread(target=send)
        thread.start()
        time.sleep(0.8)  # the request is now waiting in the batcher, for 1.2 s more
        server.process.send_signal(signal.SIGTERM)
        thread.join(10)
        assert server.process.wait(timeout=10) == 0
        response = result["response"]
        assert response.status_code == 200, response.text
        assert response.json()["outputs"][0]["data"] == [2.0, 4.0]
        assert '"POST /v2/models/slow/infer" 200' in server.log()


def test_help_documents_every_option():
    done = subprocess.run([sys.executable, "-m", "hybrid.runtime", "--help"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0
    for action in cli.build_parser()._actions:
        assert action.help, action.dest
        for option in action.option_strings:
            assert option in done.stdout
        if action.dest != "help":  # every other option says its default, or that it has none
            assert "(default: " in action.help or "(required)" in action.help, action.dest
    text = " ".join(done.stdout.split())  # argparse wraps lines at the terminal width
    assert "(default: 127.0.0.1, loopback only)" in text and "(default: 8000)" in text


def test_missing_repository_exits_with_a_message(tmp_path):
    done = subprocess.run([sys.executable, "-m", "hybrid.runtime", "--model-repository",
                           str(tmp_path / "nowhere"), "--port", "1"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "is not a directory" in done.stderr


def test_broken_model_at_start_does_not_stop_the_others(http):
    index = http.post("/v2/repository/index").json()
    broken = [r for r in index if r["name"] == "broken"]
    assert broken and broken[0]["state"] == "UNAVAILABLE" and broken[0]["reason"]
    x = np.ones((1, 4), np.float32)
    body = {"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32",
                        "data": x.ravel().tolist()}]}
    assert http.post("/v2/models/classifier/infer", json=body).status_code == 200


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic dGVzdA==", "Bearer"])
def test_control_endpoints_need_the_token(server, http, authorization):
    # The shared server runs with --model-control-mode explicit and a control token.
    headers = {"Authorization": authorization} if authorization else {}
    for action in ("load", "unload"):
        response = httpx.post(f"{server.url}/v2/repository/models/spare/{action}", json={},
                              headers=headers)
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"
        assert "Authorization: Bearer" in response.json()["error"]
    assert http.post("/v2/repository/models/spare/load", json={}).status_code == 200


def test_control_mode_none_refuses_load_and_unload(tmp_path):
    put_model(tmp_path / "repo", "spare", 1, models.classifier(0))
    with running_server(tmp_path / "repo", tmp_path / "none.log") as none:
        for action in ("load", "unload"):
            response = httpx.post(f"{none.url}/v2/repository/models/spare/{action}", json={})
            assert response.status_code == 403
            assert "--model-control-mode none" in response.json()["error"]
        assert httpx.get(f"{none.url}/v2/models/spare/ready").status_code == 200


def test_poll_mode_follows_the_repository(tmp_path):
    repo = tmp_path / "polled"
    put_model(repo, "first", 1, models.classifier(0))
    with running_server(repo, tmp_path / "poll.log", "--model-control-mode", "poll",
                        "--repository-poll-secs", "0.2") as running:
        def ready(name):
            return httpx.get(f"{running.url}/v2/models/{name}/ready").status_code == 200

        def wait_for(check):
            deadline = time.monotonic() + 10
            while not check() and time.monotonic() < deadline:
                time.sleep(0.1)
            return check()

        response = httpx.post(f"{running.url}/v2/repository/models/first/unload", json={})
        assert response.status_code == 403 and "poll" in response.json()["error"]
        put_model(repo, "second", 1, models.classifier(1))
        assert wait_for(lambda: ready("second"))
        put_model(repo, "first", 2, models.classifier(1))
        assert wait_for(lambda: httpx.get(f"{running.url}/v2/models/first").json()
                        ["versions"] == ["2"])
        (repo / "second" / "1" / "model.onnx").write_bytes(models.BROKEN)
        time.sleep(1)  # a failed reload keeps the old version
        assert ready("second")
        for path in sorted((repo / "second").rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        (repo / "second").rmdir()
        assert wait_for(lambda: not ready("second"))
