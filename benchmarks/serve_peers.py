"""hybrid-serve next to other KServe v2 servers: same models, same load generator, same machine.

The models are LeNet and ResNet-18 (``model_zoo.vision.resnet18_v1``), built and exported to
ONNX with hybrid (random weights, dynamic batch). Each server runs alone, in turn, on a free
127.0.0.1 port, and answers the same V2 JSON request (one sample, FP32 ``data`` rounded to 4
decimals) at concurrency 1, 16 and 64 from the asyncio keep-alive client of ``serve.py``; one
answer per phase is checked against ONNX Runtime in process. The peers, each calling ONNX
Runtime (default session options, as hybrid-serve's) from its own model class:

- KServe's Python model server (``kserve``), V2 protocol, an ``async predict`` running the
  session on the default executor (``peers/kserve_server.py``);
- MLServer with a custom runtime doing the same (``peers/mlserver_runtime.py``), default
  settings (one parallel inference worker);
- Triton's C++ HTTP front end through PyTriton with its dynamic batcher
  (``peers/pytriton_server.py``).

hybrid-serve runs with its defaults plus ``max_batch_size`` 64 and dynamic batching with no
queue delay (a worker takes whatever is queued when it becomes free).

The peers pin conflicting dependencies, so each lives in its own venv, never the project's
(MLServer 1.7 needs a uvloop older than 0.22)::

    cd /work/peer-venvs
    python3 -m venv kserve && kserve/bin/pip install kserve onnxruntime
    python3 -m venv mlserver && mlserver/bin/pip install mlserver onnxruntime "uvloop<0.22"
    python3 -m venv pytriton && pytriton/bin/pip install nvidia-pytriton onnxruntime

and ``--peer-venvs DIR`` (or ``$HYBRID_PEER_VENVS``) names their parent folder; a peer whose
venv is missing is skipped with a note.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import onnxruntime as ort
from hybrid.export import to_onnx

import hybrid as mx
from hybrid.gluon import nn
from hybrid.gluon.model_zoo import vision

HOST = "127.0.0.1"
PEERS = Path(__file__).resolve().parent / "peers"
SERVERS = ("hybrid-serve", "kserve", "mlserver", "pytriton")


def export_models(folder: Path) -> dict[str, tuple[Path, tuple[int, ...]]]:
    """LeNet and ResNet-18 as ONNX files: name -> (path, one sample's input shape)."""
    lenet = nn.HybridSequential()
    lenet.add(nn.Conv2D(6, 5, activation="relu"), nn.MaxPool2D(2),
              nn.Conv2D(16, 5, activation="relu"), nn.MaxPool2D(2), nn.Flatten(),
              nn.Dense(120, activation="relu"), nn.Dense(84, activation="relu"), nn.Dense(10))
    nets = {"lenet": (lenet, (1, 1, 28, 28)), "resnet18": (vision.resnet18_v1(),
                                                          (1, 3, 224, 224))}
    out = {}
    for name, (net, shape) in nets.items():
        mx.random.seed(0)
        net.initialize(mx.init.Xavier())
        net.hybridize()
        net(mx.nd.ones(shape))
        path = folder / f"{name}.onnx"
        to_onnx(net, str(path), input_shapes=[shape], input_names=["data"],
                output_names=["scores"])
        out[name] = (path, shape)
    return out


def request_body(shape: tuple[int, ...]) -> tuple[bytes, np.ndarray]:
    """The request (values with 4 decimals, so about 8 bytes each) and its FP32 input."""
    x = np.round(np.random.default_rng(1).standard_normal(shape), 4)
    body = json.dumps({"inputs": [{"name": "data", "shape": list(shape), "datatype": "FP32",
                                   "data": x.reshape(-1).tolist()}]}).encode()
    return body, x.astype(np.float32)


def raw_request(model: str, port: int, body: bytes) -> bytes:
    head = (f"POST /v2/models/{model}/infer HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def json_scores(head: bytes, body: bytes) -> np.ndarray:
    out = json.loads(body)["outputs"][0]
    return np.asarray(out["data"], np.float32).reshape(out["shape"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _command(server: str, model: str, path: Path, port: int, work: Path,
             venvs: Path) -> list[str] | None:
    if server == "hybrid-serve":
        repo = work / "repo"
        (repo / model / "1").mkdir(parents=True)
        shutil.copy(path, repo / model / "1" / "model.onnx")
        config = {"max_batch_size": 64, "dynamic_batching": {"max_queue_delay_microseconds": 0}}
        (repo / model / "config.json").write_text(json.dumps(config))
        return [sys.executable, "-m", "hybrid.runtime", "--model-repository", str(repo),
                "--host", HOST, "--port", str(port)]
    python = venvs / server / "bin" / "python"
    if not python.exists():
        return None
    if server == "mlserver":
        folder = work / "mlserver"
        folder.mkdir()
        shutil.copy(PEERS / "mlserver_runtime.py", folder)
        (folder / "settings.json").write_text(json.dumps({
            "host": HOST, "http_port": port, "grpc_port": port + 1, "metrics_port": port + 2}))
        (folder / "model-settings.json").write_text(json.dumps({
            "name": model, "implementation": "mlserver_runtime.OnnxRuntime",
            "parameters": {"uri": str(path)}}))
        return [str(venvs / server / "bin" / "mlserver"), "start", str(folder)]
    script = PEERS / f"{server}_server.py"
    return [str(python), str(script), model, str(path), str(port)]


@contextlib.contextmanager
def running(server: str, model: str, path: Path, work: Path, venvs: Path,
            timeout: float = 120.0) -> Iterator[int | None]:
    """Start ``server`` serving ``model``; yields its port (None when its venv is missing)."""
    port = _free_port()
    command = _command(server, model, path, port, work, venvs)
    if command is None:
        yield None
        return
    log = open(work / f"{server}.log", "wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=work,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{server} did not start:\n"
                                   + (work / f"{server}.log").read_text()[-3000:])
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://{HOST}:{port}/v2/models/{model}/ready",
                             timeout=1.0).status_code == 200:
                    break
            time.sleep(0.2)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        log.close()


def compare(args, drive, run, result_type) -> list:
    """Every server x model x concurrency; returns ``result_type`` rows (see ``serve.py``).

    All servers of one model run at once (idle but one), and each concurrency is measured in
    ``args.rounds`` rounds that visit the servers in turn: other processes' load on the machine
    drifts, and alternating spreads the drift over every server alike.
    """
    import tempfile

    venvs = Path(args.peer_venvs or os.environ.get("HYBRID_PEER_VENVS", "/work/peer-venvs"))
    wanted = [s for s in SERVERS if not args.servers or s in args.servers.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model, (path, shape) in export_models(Path(tmp)).items():
            body, x = request_body(shape)
            session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            expected = session.run(None, {"data": x})[0]
            del session
            with contextlib.ExitStack() as stack:
                ports = {}
                for server in wanted:
                    work = Path(tmp) / f"{server}-{model}"
                    work.mkdir()
                    try:
                        port = stack.enter_context(running(server, model, path, work, venvs))
                    except RuntimeError as err:  # a peer that cannot start here
                        print(f"note: {server} skipped: {str(err)[-600:]}")
                        continue
                    if port is None:
                        print(f"note: {server} skipped: no venv at {venvs / server}")
                        continue
                    ports[server] = port
                rows += _measure(model, ports, body, expected, args, drive, run, result_type)
    return rows


def _measure(model, ports, body, expected, args, drive, run, result_type) -> list:
    rows = []
    for concurrency in (1, 16, 64):
        results = {s: result_type(f"{model} {s}", concurrency, [], 0.0) for s in ports}
        for port in ports.values():  # warm up
            run(drive(port, raw_request(model, port, body), concurrency, concurrency * 4, 30.0,
                      json_scores))
        for _ in range(args.rounds):
            for server, port in ports.items():
                phase = run(drive(port, raw_request(model, port, body), concurrency,
                                  args.requests // args.rounds, args.time_cap / args.rounds,
                                  json_scores))
                np.testing.assert_allclose(phase.scores, expected, rtol=1e-3, atol=1e-4)
                result = results[server]
                result.latencies += phase.latencies
                result.seconds += phase.seconds
                result.cpu_seconds += phase.cpu_seconds
                result.errors += phase.errors
        for result in results.values():
            print(result.row(), flush=True)
        rows += results.values()
    return rows


def report(rows: list) -> None:
    """The table's verdict: hybrid-serve against the better Python peer, per model."""
    by = {(r.name, r.concurrency): r for r in rows}
    for model in ("lenet", "resnet18"):
        ours64, ours1 = by.get((f"{model} hybrid-serve", 64)), by.get((f"{model} hybrid-serve", 1))
        peers = [p for p in ("kserve", "mlserver") if (f"{model} {p}", 64) in by]
        if not (ours64 and ours1 and peers):
            continue
        best = max(peers, key=lambda p: by[(f"{model} {p}", 64)].throughput)
        theirs64, theirs1 = by[(f"{model} {best}", 64)], by[(f"{model} {best}", 1)]
        print(f"{model}: concurrency 64 throughput {ours64.throughput / theirs64.throughput:.2f}x "
              f"{best} (target >= 1.5x), p99 {ours64.p99_ms:.1f} vs {theirs64.p99_ms:.1f} ms; "
              f"concurrency 1 p50 {ours1.p50_ms:.2f} vs {theirs1.p50_ms:.2f} ms")
