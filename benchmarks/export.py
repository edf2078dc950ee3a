"""ONNX export time of ResNet-50 and ONNX Runtime latency of exported LeNet and ResNet-18.

Export: wall time of ``hybrid.export.to_onnx`` on model-zoo ``resnet50_v1`` at 1x3x224x224 (trace,
graph passes, lowering, ``onnx.checker`` full check and shape inference), best of ``--rounds``
after one untimed call that also finishes the deferred parameter initialization.

Latency: the exported models in one ONNX Runtime session each (CPU, default threads), the seed
example's LeNet (1x32x32 images) and ``resnet18_v1`` (3x224x224), at batch 1 and 32 through the
dynamic batch axis. Each round times ``--runs`` calls per case, the cases alternating round by
round so a load change on a shared machine hits them alike; the number is the median (p50) of the
best round. Run: ``python benchmarks/export.py [--rounds 3 --runs 10]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import onnxruntime as ort
from hybrid.export import to_onnx
from train_lenet import Net as LeNet

import hybrid as mx
from hybrid.gluon.model_zoo import vision


def export_seconds(net, shape: tuple, rounds: int) -> float:
    """Best-of-``rounds`` time of ``to_onnx(net)`` at input ``shape``."""
    to_onnx(net, input_shapes=[shape])  # finishes deferred initialization
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        to_onnx(net, input_shapes=[shape])
        times.append(time.perf_counter() - start)
    return min(times)


def _session(net, sample_shape: tuple) -> ort.InferenceSession:
    model = to_onnx(net, input_shapes=[(1, *sample_shape)])
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def latencies_ms(cases: dict, rounds: int, runs: int) -> dict[str, float]:
    """p50 latency in ms per case ``name -> (session, input)``, from each case's best round."""
    for session, x in cases.values():
        session.run(None, {"data": x})  # warm-up: ONNX Runtime plans memory on the first run
    best = {name: float("inf") for name in cases}
    for _ in range(rounds):
        for name, (session, x) in cases.items():
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                session.run(None, {"data": x})
                times.append(time.perf_counter() - start)
            best[name] = min(best[name], float(np.median(times)) * 1e3)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    resnet50 = vision.resnet50_v1()
    resnet50.initialize(mx.init.Xavier())
    seconds = export_seconds(resnet50, (1, 3, 224, 224), args.rounds)
    print(f"to_onnx(resnet50_v1, 1x3x224x224): {seconds:.2f} s (best of {args.rounds})\n")

    models = {"LeNet": (LeNet(), (1, 32, 32)), "resnet18_v1": (vision.resnet18_v1(), (3, 224, 224))}
    cases = {}
    for label, (net, sample_shape) in models.items():
        net.initialize(mx.init.Xavier())
        session = _session(net, sample_shape)
        for batch in (1, 32):
            x = rng.normal(size=(batch, *sample_shape)).astype(np.float32)
            cases[(label, batch)] = (session, x)
    p50 = latencies_ms(cases, args.rounds, args.runs)
    print(f"ONNX Runtime {ort.__version__}, p50 ms (best of {args.rounds} rounds x {args.runs})")
    print(f"{'model':14s} {'batch':>5s} {'p50 ms':>9s} {'ms/sample':>10s}")
    for (label, batch), ms in p50.items():
        print(f"{label:14s} {batch:5d} {ms:9.3f} {ms / batch:10.3f}")


if __name__ == "__main__":
    main()
