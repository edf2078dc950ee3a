"""Serve the digits classifier: train, export, run ``hybrid-serve``, query it with Triton's client.

Run from the project root::

    python samples/serve_digits.py --epochs 3 --out out/serve_digits

The walk-through, one step per function below:

1. train the small CNN of ``samples/train_digits.py`` on scikit-learn's 8x8 digits;
2. export it to ONNX and lay out a model repository ``REPO/digits/1/model.onnx`` with a
   ``REPO/digits/config.json`` that turns on dynamic batching;
3. start ``hybrid-serve`` on a free loopback port and wait until ``/v2/health/ready`` answers;
4. query it with the standard Triton HTTP client (``tritonclient.http``): server and model metadata,
   then the test images sent as concurrent binary-tensor requests, which the server merges into
   larger ONNX Runtime calls; the accuracy is printed next to the in-process ``Predictor``'s;
5. stop the server with SIGTERM (it drains requests in flight) and wait for it.

The server's log (one line per model at start, one line per request) goes to stderr. Requires the
``samples``, ``serve`` and ``test`` extras (scikit-learn, uvicorn, tritonclient[http]).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import train_digits  # noqa: E402  (the sibling sample, found through the line above)

import hybrid as mx  # noqa: E402
from hybrid import initializer  # noqa: E402
from hybrid.gluon.data import DataLoader  # noqa: E402

HOST = "127.0.0.1"
MODEL = "digits"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="training epochs (12 for ~98%%)")
    parser.add_argument("--limit", type=int, default=None, help="use at most N samples per set")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--out", default="out/serve_digits",
                        help="folder for digits.onnx and the model repository 'repo'")
    parser.add_argument("--max-batch-size", type=int, default=64,
                        help="the largest batch the server runs at once (config.json)")
    parser.add_argument("--request-size", type=int, default=16,
                        help="test images per inference request")
    parser.add_argument("--port", type=int, default=0, help="server port (0: a free one)")
    return parser.parse_args(argv)


def train_and_export(args: argparse.Namespace) -> tuple[str, np.ndarray, np.ndarray, float]:
    """Steps 1 and 2a: train, export ``digits.onnx``, and score it with the in-process Predictor.

    Returns the ONNX file, the test images and labels, and the Predictor's accuracy.
    """
    mx.random.seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    train_set, test_set = train_digits.load_data(args.limit)
    net = train_digits.build_net()
    net.initialize(initializer.Xavier())
    train_digits.train(net, DataLoader(train_set, batch_size=32, shuffle=True), args.epochs)
    print(f"eager test accuracy: {train_digits.evaluate(net, DataLoader(test_set, 256)):.4f}")
    path, accuracy = train_digits.export_and_predict(net, test_set, args.out)
    images = np.stack([test_set[i][0] for i in range(len(test_set))])
    labels = np.array([test_set[i][1] for i in range(len(test_set))])
    return path, images, labels, accuracy


def write_repository(repo: str, onnx_path: str, max_batch_size: int) -> None:
    """Step 2b: ``repo/digits/1/model.onnx`` and ``repo/digits/config.json``."""
    version = os.path.join(repo, MODEL, "1")
    os.makedirs(version, exist_ok=True)
    shutil.copyfile(onnx_path, os.path.join(version, "model.onnx"))
    config = {"max_batch_size": max_batch_size,
              "dynamic_batching": {"max_queue_delay_microseconds": 2000}}
    with open(os.path.join(repo, MODEL, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    print(f"model repository {repo}: {MODEL}/1/model.onnx, {MODEL}/config.json {config}")


@contextlib.contextmanager
def hybrid_serve(repo: str, port: int, timeout: float = 60.0) -> Iterator[str]:
    """Step 3 and 5: run ``hybrid-serve`` until the block ends; yields ``host:port``.

    ``python -m hybrid.runtime`` is the same program as the ``hybrid-serve`` command.
    """
    port = port or _free_port()
    command = [sys.executable, "-m", "hybrid.runtime", "--model-repository", repo,
               "--host", HOST, "--port", str(port)]
    print("starting:", " ".join(["hybrid-serve", *command[3:]]), flush=True)
    server = subprocess.Popen(command)
    try:
        _wait_ready(server, f"http://{HOST}:{port}/v2/health/ready", timeout)
        yield f"{HOST}:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            code = server.wait()
        print(f"server stopped (exit status {code})")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_ready(server: subprocess.Popen, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"hybrid-serve exited with status {server.returncode}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            with urllib.request.urlopen(url, timeout=1.0) as response:
                if response.status == 200:
                    return
        time.sleep(0.1)
    raise RuntimeError(f"hybrid-serve was not ready after {timeout} s")


def query(address: str, images: np.ndarray, request_size: int) -> np.ndarray:
    """Step 4: metadata, then every image in concurrent binary requests; returns the classes."""
    import tritonclient.http as triton

    client = triton.InferenceServerClient(address, concurrency=8)
    try:
        server = client.get_server_metadata()
        print(f"server: {server['name']} {server['version']}, extensions {server['extensions']}")
        meta = client.get_model_metadata(MODEL)
        data, scores = meta["inputs"][0], meta["outputs"][0]
        print(f"model {meta['name']} versions {meta['versions']}: input {data['name']} "
              f"{data['datatype']} {data['shape']} -> output {scores['name']} "
              f"{scores['datatype']} {scores['shape']}")
        pending = []
        for start in range(0, len(images), request_size):
            batch = images[start:start + request_size]
            tensor = triton.InferInput(data["name"], list(batch.shape), data["datatype"])
            tensor.set_data_from_numpy(batch, binary_data=True)
            wanted = triton.InferRequestedOutput(scores["name"], binary_data=True)
            pending.append(client.async_infer(MODEL, [tensor], outputs=[wanted],
                                              request_id=f"digits-{start}"))
        classes = [p.get_result(timeout=60).as_numpy(scores["name"]).argmax(axis=1)
                   for p in pending]
        stats = client.get_inference_statistics(MODEL)["model_stats"][0]
        print(f"{len(pending)} requests of up to {request_size} images ran as "
              f"{stats['execution_count']} ONNX Runtime calls (dynamic batching)")
        return np.concatenate(classes)
    finally:
        client.close()


def main(argv: list[str] | None = None) -> float:
    """Run the walk-through; returns the accuracy measured through the server."""
    args = parse_args(argv)
    onnx_path, images, labels, local_accuracy = train_and_export(args)
    repo = os.path.join(args.out, "repo")
    write_repository(repo, onnx_path, args.max_batch_size)
    with hybrid_serve(repo, args.port) as address:
        classes = query(address, images, min(args.request_size, args.max_batch_size))
    accuracy = float((classes == labels).mean())
    print(f"server accuracy {accuracy:.4f}, in-process Predictor accuracy {local_accuracy:.4f} "
          f"({len(labels)} test images)")
    return accuracy


if __name__ == "__main__":
    main()
