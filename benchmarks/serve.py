"""Serving benchmark: hybrid-serve over loopback HTTP next to in-process ONNX Runtime.

Builds a LeNet-shaped ONNX model (Conv 6@5x5, relu, MaxPool 2, Conv 16@5x5, relu, MaxPool 2,
Flatten, Gemm 120, 84, 10; random weights; input (N, 1, 28, 28)), starts ``python -m
hybrid.runtime`` on a free 127.0.0.1 port, and drives it with a small asyncio HTTP/1.1 client
(keep-alive connections, binary tensor data) at concurrency 1 and 64, with and without dynamic
batching. Every phase stops after a fixed number of requests or a time cap, whichever comes
first, and the server is always stopped.

Run::

    python benchmarks/serve.py [--requests 2000] [--time-cap 15]

Targets: at concurrency 1 the server's p50 is within 1.5 ms of in-process ONNX Runtime; at
concurrency 64 dynamic batching gives at least 4x the throughput of no batching.

With ``--peers`` it instead runs hybrid-serve next to KServe's and MLServer's Python servers and
Triton (through PyTriton) on LeNet and ResNet-18 exported by hybrid, at concurrency 1, 16 and
64 (see ``serve_peers.py`` for the set-up of each peer and how to create their venvs)::

    python benchmarks/serve.py --peers [--peer-venvs /work/peer-venvs] [--time-cap 15]

Target: hybrid-serve at least 1.5x the better Python peer's throughput at concurrency 64 with a
p99 no worse, and at concurrency 1 a p50 no worse.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from hybrid.runtime import Predictor
from onnx import TensorProto, helper, numpy_helper

HOST = "127.0.0.1"


def lenet_onnx(seed: int = 0) -> bytes:
    """A LeNet-shaped classifier with random weights and a dynamic batch dimension."""
    rng = np.random.default_rng(seed)

    def weight(name: str, *shape: int) -> onnx.TensorProto:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        values = rng.standard_normal(shape) / np.sqrt(fan_in)
        return numpy_helper.from_array(values.astype(np.float32), name)

    inits = [weight("c1_w", 6, 1, 5, 5), weight("c1_b", 6), weight("c2_w", 16, 6, 5, 5),
             weight("c2_b", 16), weight("f1_w", 120, 256), weight("f1_b", 120),
             weight("f2_w", 84, 120), weight("f2_b", 84), weight("f3_w", 10, 84),
             weight("f3_b", 10)]
    node = helper.make_node
    nodes = [
        node("Conv", ["data", "c1_w", "c1_b"], ["c1"], kernel_shape=[5, 5]),  # (N, 6, 24, 24)
        node("Relu", ["c1"], ["r1"]),
        node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),  # (N, 6, 12, 12)
        node("Conv", ["p1", "c2_w", "c2_b"], ["c2"], kernel_shape=[5, 5]),  # (N, 16, 8, 8)
        node("Relu", ["c2"], ["r2"]),
        node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),  # (N, 16, 4, 4)
        node("Flatten", ["p2"], ["flat"], axis=1),  # (N, 256)
        node("Gemm", ["flat", "f1_w", "f1_b"], ["f1"], transB=1),
        node("Relu", ["f1"], ["h1"]),
        node("Gemm", ["h1", "f2_w", "f2_b"], ["f2"], transB=1),
        node("Relu", ["f2"], ["h2"]),
        node("Gemm", ["h2", "f3_w", "f3_b"], ["scores"], transB=1),
    ]
    graph = helper.make_graph(
        nodes, "lenet",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, ["batch", 1, 28, 28])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString()


@dataclass
class Result:
    name: str
    concurrency: int
    latencies: list[float]
    seconds: float
    cpu_seconds: float = 0.0  # the load generator's CPU time (0 in process)
    errors: int = 0

    def row(self) -> str:
        ms = np.asarray(self.latencies) * 1e3
        cpu = f"{self.cpu_seconds / len(ms) * 1e6:.0f}" if self.cpu_seconds else "-"
        return (f"{self.name:<28} {self.concurrency:>4} {len(ms):>7} "
                f"{np.percentile(ms, 50):>8.3f} {np.percentile(ms, 99):>8.3f} "
                f"{len(ms) / self.seconds:>10.0f} {cpu:>8} {self.errors:>6}")

    @property
    def p50_ms(self) -> float:
        return float(np.percentile(self.latencies, 50) * 1e3)

    @property
    def p99_ms(self) -> float:
        return float(np.percentile(self.latencies, 99) * 1e3)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds


def in_process(model: bytes, requests: int, time_cap: float, threads: int) -> list[Result]:
    """ONNX Runtime called directly: the baselines, one sample per call and 64 per call.

    The batch-64 row counts samples, not calls: it is the most that batching can gain from
    ONNX Runtime alone, before any HTTP cost.
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # 0 is ONNX Runtime's default
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    predictor = Predictor(model, intra_op_threads=threads or None)
    rng = np.random.default_rng(1)
    one = rng.standard_normal((1, 1, 28, 28)).astype(np.float32)
    many = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    cases = [("in-process onnxruntime", lambda: session.run(None, {"data": one}), 1),
             ("in-process Predictor", lambda: predictor.predict(one), 1),
             ("in-process, 64 per call", lambda: session.run(None, {"data": many}), 64)]
    results = []
    for label, call, rows in cases:
        for _ in range(20):
            call()
        latencies, start = [], time.perf_counter()
        while len(latencies) < requests // rows and time.perf_counter() - start < time_cap:
            t = time.perf_counter()
            call()
            latencies.append(time.perf_counter() - t)
        seconds = time.perf_counter() - start
        results.append(Result(label, 1, latencies, seconds / rows))
    return results


def _request_bytes(model: str, port: int, x: np.ndarray) -> bytes:
    header = json.dumps({"inputs": [{"name": "data", "shape": list(x.shape), "datatype": "FP32",
                                     "parameters": {"binary_data_size": x.nbytes}}],
                         "parameters": {"binary_data_output": True}}).encode()
    body = header + x.tobytes()
    head = (f"POST /v2/models/{model}/infer HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            f"Content-Type: application/octet-stream\r\n"
            f"Inference-Header-Content-Length: {len(header)}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bytes]:
    """One response: ``(status, raw header block, body)``; headers are searched, not parsed."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    at = head.lower().index(b"\r\ncontent-length:") + 17
    length = int(head[at:head.index(b"\r\n", at)])
    return status, head, await reader.readexactly(length)


def _scores(head: bytes, body: bytes) -> np.ndarray:
    at = head.lower().index(b"\r\ninference-header-content-length:") + 34
    size = int(head[at:head.index(b"\r\n", at)])
    shape = json.loads(body[:size])["outputs"][0]["shape"]
    return np.frombuffer(body[size:], np.float32).reshape(shape)


@dataclass
class Phase:
    """What one run of the load generator measured."""

    latencies: list[float]
    seconds: float
    cpu_seconds: float  # the generator's own CPU time
    errors: int
    scores: np.ndarray | None


async def _drive(port: int, request: bytes, concurrency: int, requests: int,
                 time_cap: float, parse=None) -> Phase:
    latencies: list[float] = []
    budget, errors, last = [requests], [0], []
    deadline = time.perf_counter() + time_cap

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while budget[0] > 0 and time.perf_counter() < deadline:
                budget[0] -= 1
                start = time.perf_counter()
                writer.write(request)
                status, head, body = await _read_response(reader)
                latencies.append(time.perf_counter() - start)
                if status != 200:
                    errors[0] += 1
                elif not last:
                    last.append((parse or _scores)(head, body))
        finally:
            writer.close()

    start, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Phase(latencies, time.perf_counter() - start, time.process_time() - cpu, errors[0],
                 last[0] if last else None)


def _run(coroutine):
    """Run the generator on uvloop when it is installed: the generator shares the CPUs with the
    server, so the cheaper it is the more of them the server gets (the same for every phase)."""
    if importlib.util.find_spec("uvloop"):
        import uvloop

        return uvloop.run(coroutine)
    return asyncio.run(coroutine)


def over_http(port: int, model: str, concurrency: int, requests: int, time_cap: float,
              x: np.ndarray, expected: np.ndarray) -> Phase:
    """Warm up, then drive ``model``; checks one answer so that real work was done."""
    request = _request_bytes(model, port, x)
    _run(_drive(port, request, concurrency, max(200, concurrency * 4), time_cap))
    phase = _run(_drive(port, request, concurrency, requests, time_cap))
    np.testing.assert_allclose(phase.scores, expected, rtol=1e-4, atol=1e-5)
    return phase


def alternating(port: int, concurrency: int, requests: int, time_cap: float, rounds: int,
                x: np.ndarray, expected: np.ndarray) -> list[Result]:
    """Both models at one concurrency, in alternating rounds: machine load drifts (other
    processes share the cores), and alternating spreads the drift over both phases."""
    labels = {"lenet": "server, no batching", "lenet_batched": "server, dynamic batching"}
    results = {name: Result(label, concurrency, [], 0.0) for name, label in labels.items()}
    for _ in range(rounds):
        for name, result in results.items():
            phase = over_http(port, name, concurrency, requests // rounds, time_cap / rounds,
                              x, expected)
            result.latencies += phase.latencies
            result.seconds += phase.seconds
            result.cpu_seconds += phase.cpu_seconds
            result.errors += phase.errors
    return list(results.values())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(repo: Path, log_path: Path, options: list[str], timeout: float = 60.0):
    """Run hybrid-serve on ``repo`` with ``options``; yields the port and always stops it."""
    port = _free_port()
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "hybrid.runtime", "--model-repository", str(repo),
             "--host", HOST, "--port", str(port), *options],
            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + log_path.read_text())
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.2):
                break
            time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def write_repository(repo: Path, model: bytes, threads: int, delay_us: int) -> None:
    """Two copies of the model, identical except that the second one batches dynamically."""
    threads_config = {"intra_op_threads": threads} if threads else {}
    configs = {
        "lenet": {"max_batch_size": 64, **threads_config},
        "lenet_batched": {"max_batch_size": 64, **threads_config,
                          "dynamic_batching": {"max_queue_delay_microseconds": delay_us}},
    }
    for name, config in configs.items():
        (repo / name / "1").mkdir(parents=True)
        (repo / name / "1" / "model.onnx").write_bytes(model)
        (repo / name / "config.json").write_text(json.dumps(config))


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per phase")
    parser.add_argument("--time-cap", type=float, default=15.0, help="seconds per phase, at most")
    parser.add_argument("--rounds", type=int, default=4,
                        help="the server phases of one concurrency alternate in this many rounds")
    parser.add_argument("--threads", type=int, default=1,
                        help="ONNX Runtime intra-op threads, in process and in the server "
                             "(0: ONNX Runtime's default)")
    parser.add_argument("--delay-us", type=int, default=2000,
                        help="max_queue_delay_microseconds of the batched model")
    parser.add_argument("--http", default="auto", choices=["auto", "h11", "httptools"],
                        help="the server's HTTP parser (hybrid-serve --http)")
    parser.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"],
                        help="the server's event loop (hybrid-serve --loop)")
    parser.add_argument("--no-access-log", action="store_true",
                        help="run the server without its access log (it logs by default)")
    parser.add_argument("--peers", action="store_true",
                        help="compare with KServe, MLServer and PyTriton instead (serve_peers.py)")
    parser.add_argument("--peer-venvs", default=None, metavar="DIR",
                        help="folder of the peers' venvs (default: $HYBRID_PEER_VENVS, else "
                             "/work/peer-venvs)")
    parser.add_argument("--servers", default="",
                        help="with --peers, a comma-separated subset of hybrid-serve, kserve, "
                             "mlserver, pytriton")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    if args.peers:
        import serve_peers

        print(f"{'model server':<28} {'conc':>4} {'reqs':>7} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'req/s':>10} {'gen us/r':>8} {'errors':>6}")
        serve_peers.report(serve_peers.compare(args, _drive, _run, Result))
        return 0
    model = lenet_onnx()
    x = np.random.default_rng(1).standard_normal((1, 1, 28, 28)).astype(np.float32)
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    expected = session.run(None, {"data": x})[0]
    results = in_process(model, args.requests, args.time_cap, args.threads)
    options = ["--http", args.http, "--loop", args.loop, "--log-level", "info"]
    options += ["--no-access-log"] if args.no_access_log else []
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        write_repository(repo, model, args.threads, args.delay_us)
        with serving(repo, Path(tmp) / "server.log", options) as port:
            for concurrency in (1, 64):
                results += alternating(port, concurrency, args.requests, args.time_cap,
                                       args.rounds, x, expected)
    print(f"LeNet (1, 1, 28, 28) FP32, binary tensors; server: hybrid-serve {' '.join(options)} "
          f"(uvicorn parser {args.http}, loop {args.loop}); {os.cpu_count()} CPUs shared by "
          f"server and generator; intra-op threads {args.threads or 'default'}\n")
    print(f"{'mode':<28} {'conc':>4} {'reqs':>7} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'samples/s':>10} {'gen us/r':>8} {'errors':>6}")
    for result in results:
        print(result.row())
    base, _, many, plain1, _, plain64, batched64 = results
    print(f"\nconcurrency 1, p50 over in-process: {plain1.p50_ms - base.p50_ms:.3f} ms "
          f"(target <= 1.5 ms)")
    print(f"concurrency 64, dynamic batching / no batching throughput: "
          f"{batched64.throughput / plain64.throughput:.2f}x (target >= 4x)")
    # From medians: the in-process throughputs swing with the load other processes put on the
    # machine, their medians hardly.
    print(f"ONNX Runtime alone, per-sample speed-up of 64 samples per call over 1 per call "
          f"(p50s): {64 * base.p50_ms / many.p50_ms:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
