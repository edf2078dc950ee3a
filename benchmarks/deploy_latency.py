"""Batch-1 latency of exported models in ONNX Runtime from C++, Java, Scala, Node.js and Python.

The models: the digits CNN of samples/train_digits.py (1x1x8x8) and model-zoo ``resnet18_v1``
(1x3x224x224), both built and exported by hybrid here (random weights: latency does not depend on
them). Each runtime times ``session.run`` on the same constant input with its default session
options (CPU, default threads): the deploy samples' ``--bench N`` mode (C++, Java, Scala, Node.js)
and the same loop in Python. Warm-up runs (a tenth of N, at least 5) are not timed; the number is
the median of N calls. ``--rounds`` repeats every runtime in turn, so that a load change on a
shared machine hits them alike, and keeps each one's best round.

Run from the project root (builds the samples that are not built yet, as the README's Deploy
section does)::

    python benchmarks/deploy_latency.py [--runs 1000 --resnet-runs 100 --rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
from hybrid.export import to_onnx

import hybrid as mx
from hybrid.gluon.model_zoo import vision

ROOT = pathlib.Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
sys.path.insert(0, str(SAMPLES))
from train_digits import build_net  # noqa: E402 - the samples folder is no package

CPP = SAMPLES / "deploy_cpp"
JVM = SAMPLES / "deploy_jvm"
NODE = SAMPLES / "deploy_node"
JAR = JVM / "target" / "hybrid-deploy-jvm.jar"


def build_samples() -> dict[str, list[str]]:
    """Builds the deploy samples (C++ always, a no-op when up to date; the jar and the npm
    packages when missing); each runtime's command before its ``--bench N MODEL`` arguments.
    """
    steps = [
        (None, CPP, ["cmake", "-S", ".", "-B", "build"]),
        (None, CPP, ["cmake", "--build", "build"]),
        (JAR, JVM, ["mvn", "-B", "-q", "package"]),
        (NODE / "node_modules", NODE, ["npm", "ci", "--no-audit", "--no-fund"]),
    ]
    env = {**os.environ, "ONNXRUNTIME_NODE_INSTALL": "skip"}  # the CPU runtime is in the package
    for built, folder, command in steps:
        if built is None or not built.exists():
            print("+", " ".join(command), f"(in {folder.relative_to(ROOT)})", file=sys.stderr)
            subprocess.run(command, cwd=folder, env=env, check=True, stdout=sys.stderr)
    return {
        "C++": [str(CPP / "build" / "predict")],
        "Java": ["java", "-jar", str(JAR)],
        "Scala": ["java", "-cp", str(JAR), "hybrid.deploy.ScalaPredict"],
        "Node.js": ["node", str(NODE / "predict.mjs")],
    }


def export_models(folder: pathlib.Path) -> dict[str, pathlib.Path]:
    """The digits CNN and resnet18_v1, exported by hybrid at batch 1 into ``folder``."""
    models = {
        "digits": (build_net(), (1, 1, 8, 8)),
        "resnet18_v1": (vision.resnet18_v1(), (1, 3, 224, 224)),
    }
    paths = {}
    for name, (net, shape) in models.items():
        net.initialize(mx.init.Xavier())
        paths[name] = folder / f"{name}.onnx"
        paths[name].write_bytes(to_onnx(net, input_shapes=[shape]).SerializeToString())
    return paths


def python_bench(model: pathlib.Path, runs: int) -> dict:
    """The samples' ``--bench`` loop in Python's ONNX Runtime."""
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    (spec,) = session.get_inputs()
    shape = [dim if isinstance(dim, int) and dim > 0 else 1 for dim in spec.shape]
    feeds = {spec.name: np.full(shape, 0.5, np.float32)}
    warmup = max(5, runs // 10)
    times = []
    for i in range(warmup + runs):
        start = time.perf_counter_ns()
        session.run(None, feeds)
        if i >= warmup:
            times.append((time.perf_counter_ns() - start) / 1e6)
    return {"runtime": "Python", "version": ort.__version__, "median_ms": float(np.median(times))}


def sample_bench(command: list[str], model: pathlib.Path, runs: int) -> dict:
    result = subprocess.run(
        [*command, "--bench", str(runs), str(model)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} --bench failed:\n{result.stderr}")
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000, help="timed calls of the digits CNN")
    parser.add_argument("--resnet-runs", type=int, default=100, help="timed calls of ResNet-18")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    commands = build_samples()
    runtimes = [*commands, "Python"]
    with tempfile.TemporaryDirectory() as tmp:
        models = export_models(pathlib.Path(tmp))
        runs = {"digits": args.runs, "resnet18_v1": args.resnet_runs}
        best: dict[tuple[str, str], float] = {}
        versions: dict[str, str] = {}
        for _ in range(args.rounds):
            for model, path in models.items():
                for runtime in runtimes:
                    if runtime == "Python":
                        timing = python_bench(path, runs[model])
                    else:
                        timing = sample_bench(commands[runtime], path, runs[model])
                    versions[runtime] = timing["version"]
                    key = (runtime, model)
                    best[key] = min(best.get(key, float("inf")), timing["median_ms"])
    print(
        f"batch-1 latency, median ms (best of {args.rounds} rounds; digits x{args.runs}, "
        f"resnet18_v1 x{args.resnet_runs}; {os.cpu_count()} CPUs)"
    )
    print(f"| {'runtime':8s} | {'ONNX Runtime':12s} | {'digits':>9s} | {'resnet18_v1':>11s} |")
    print(f"|{'-' * 10}|{'-' * 14}|{'-' * 10}:|{'-' * 12}:|")
    for runtime in runtimes:
        digits, resnet = best[(runtime, "digits")], best[(runtime, "resnet18_v1")]
        print(f"| {runtime:8s} | {versions[runtime]:12s} | {digits:9.4f} | {resnet:11.3f} |")


if __name__ == "__main__":
    main()
