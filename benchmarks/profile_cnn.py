"""Where one CNN training step spends its time and memory, and the GEMM rates that bound it.

Run: ``python benchmarks/profile_cnn.py [--workload resnet20|resnet18|dcgan] [--steps 10]
[--torch-python /path/to/torch-venv/bin/python]``. One BLAS/OpenMP thread, as in ``suite.py``.

It prints, for the workload of ``suite.py`` of the same name (ResNet-20 CIFAR b32, ResNet-18
ImageNet-shape b8, DCGAN 64x64 b16; hybridized with ``static_alloc``):

1. the step time split into passes (forward, backward, optimizer), median of ``--steps`` steps
   without the profiler;
2. the top ops by total time per step, from ``hybrid.profiler`` (``_backward_<op>`` are the
   VJPs of hybridized graph steps), each with its pass and share of the step;
3. per convolution shape: its time in the network and the rate it reaches there (GFLOP/s, 2
   flops per multiply-add), beside isolated rates on the same shape: ONNX Runtime's Conv and
   ConvTranspose and the numpy im2col+GEMM route for the forward and the data gradient, the
   weight gradient (im2col + one GEMM) and that GEMM alone, numpy's best sgemm on square
   matrices, and, with ``--torch-python``, PyTorch's (oneDNN) forward and gradients on the same
   shape: the rate a faster kernel reaches here;
4. memory per pass (``tracemalloc``, which sees every numpy allocation; ONNX Runtime's own
   arena is outside it, so RSS is shown too): live at the pass's start, peak during it, live at
   its end, and the allocation sites that hold the most at the end of the forward pass (what is
   saved for backward).
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import profile_rates  # noqa: E402
import suite_gluon  # noqa: E402

import hybrid as mx  # noqa: E402
from hybrid import autograd, gluon, profiler  # noqa: E402

Pass = tuple[str, Callable[[], None]]
# A workload: its passes in order, the batch size, its blocks and the shapes of its input data.
Workload = tuple[list[Pass], int, list, list[tuple]]


def _classifier(net, shape: tuple, classes: int) -> Workload:
    rng = np.random.default_rng(0)
    net.initialize(mx.init.Xavier())
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    net.hybridize(static_alloc=True)
    loss.hybridize(static_alloc=True)
    x = mx.nd.array(rng.normal(size=shape).astype(np.float32))
    y = mx.nd.array(rng.integers(0, classes, shape[:1]).astype(np.float32))
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.01, "momentum": 0.9})
    state = {}

    def forward() -> None:
        with autograd.record():
            state["loss"] = loss(net(x), y)

    return [("forward", forward), ("backward", lambda: state.pop("loss").backward()),
            ("optimizer", lambda: trainer.step(shape[0]))], shape[0], [net], [shape]


def _dcgan() -> Workload:
    gen, disc, loss, noise, real, labels, (tg, td) = suite_gluon.dcgan_parts()
    batch, state = real.shape[0], {}

    def d_forward() -> None:
        fake = gen(noise)
        with autograd.record():
            state["d"] = (loss(disc(real).reshape((-1,)), labels[1])
                          + loss(disc(fake.detach()).reshape((-1,)), labels[0]))

    def g_forward() -> None:
        with autograd.record():
            state["g"] = loss(disc(gen(noise)).reshape((-1,)), labels[1])

    return [("D forward", d_forward), ("D backward", lambda: state.pop("d").backward()),
            ("D optimizer", lambda: td.step(batch)), ("G forward", g_forward),
            ("G backward", lambda: state.pop("g").backward()),
            ("G optimizer", lambda: tg.step(batch))], batch, [gen, disc], [noise.shape, real.shape]


WORKLOADS = {
    "resnet20": lambda: _classifier(suite_gluon.resnet20(), (32, 3, 32, 32), 10),
    "resnet18": lambda: _classifier(
        gluon.model_zoo.vision.resnet18_v1(classes=1000), (8, 3, 224, 224), 1000),
    "dcgan": _dcgan,
}


def _time_passes(passes: list[Pass], steps: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU ms per pass over ``steps`` steps."""
    times = defaultdict(list)
    for _ in range(steps):
        for name, run in passes:
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            times[name].append(((time.perf_counter() - wall) * 1e3,
                                (time.process_time() - cpu) * 1e3))
    return {name: tuple(statistics.median(c) for c in zip(*t)) for name, t in times.items()}


def _profile(passes: list[Pass], steps: int) -> tuple[list[dict], dict[str, float]]:
    """Every op event of ``steps`` profiled steps, each tagged with its pass and step, and the
    median ms of each pass while profiled.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "trace.json")
        profiler.set_config(profile_all=True, filename=path)
        domain = profiler.Domain("pass")
        profiler.set_state("run")
        for i in range(steps):
            for name, run in passes:
                task = domain.new_task(f"{i} {name}")
                task.start()
                run()
                task.stop()
        profiler.dump()  # stops the profiler too
        with open(path) as f:
            events = [e for e in json.load(f)["traceEvents"] if e.get("ph") == "X"]
    ranges = [e for e in events if e["cat"] == "pass:task"]
    ops = [e for e in events if e["cat"] in ("operator", "symbolic")]
    for e in ops:
        r = next((r for r in ranges
                  if r["ts"] <= e["ts"] and e["ts"] + e["dur"] <= r["ts"] + r["dur"]), None)
        e["step"], e["pass"] = (-1, "?") if r is None else r["name"].split(" ", 1)
    times = defaultdict(list)
    for r in ranges:
        times[r["name"].split(" ", 1)[1]].append(r["dur"] / 1e3)
    return ops, {name: statistics.median(t) for name, t in times.items()}


def _print_passes(times: dict[str, tuple[float, float]], batch: int) -> None:
    wall, cpu = (sum(t[i] for t in times.values()) for i in (0, 1))
    print(f"\n1. Step time by pass (median of steps, profiler off): {wall:.1f} ms wall, "
          f"{cpu:.1f} ms CPU per step ({batch / cpu * 1e3:.1f} samples per CPU second)")
    print(f"   {'pass':14s}{'wall ms':>9s}{'CPU ms':>9s}{'% CPU':>7s}")
    for name, (w, c) in times.items():
        print(f"   {name:14s}{w:9.2f}{c:9.2f}{100 * c / cpu:6.1f}%")


def _print_top_ops(ops: list[dict], steps: int, pass_ms: dict[str, float], top: int) -> None:
    per_step = defaultdict(lambda: [[0, 0.0] for _ in range(steps)])
    for e in ops:
        if e["step"] == -1:
            continue
        cell = per_step[(e["pass"], e["name"])][int(e["step"])]
        cell[0] += 1
        cell[1] += e["dur"] / 1e3
    rows = {key: (cells[0][0], statistics.median(c[1] for c in cells))
            for key, cells in per_step.items()}
    step_ms = sum(pass_ms.values())
    timed = sum(ms for _, ms in rows.values())
    print(f"\n2. Top ops by time per step (hybrid.profiler, median over steps). Profiled step: "
          f"{step_ms:.1f} ms (" + ", ".join(f"{k} {v:.1f}" for k, v in pass_ms.items())
          + f"); ops cover {timed:.1f} ms, the rest is Python between the ops and the "
          "profiler's own cost")
    print(f"   {'pass':14s}{'op':34s}{'calls':>6s}{'ms/step':>9s}{'% step':>8s}")
    for (pas, name), (count, ms) in sorted(rows.items(), key=lambda kv: -kv[1][1])[:top]:
        print(f"   {pas:14s}{name[:33]:34s}{count:6d}{ms:9.2f}{100 * ms / step_ms:7.1f}%")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="resnet20")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--torch-python", default=os.environ.get("HYBRID_BENCH_TORCH"))
    parser.add_argument("--memory", action="store_true",
                        help="only section 4, traced from the start (the script runs itself so)")
    args = parser.parse_args(argv)
    mx.random.seed(0)
    if args.memory:
        tracemalloc.start(1)  # before the build: parameters and kept buffers count as live
    passes, batch, blocks, inputs = WORKLOADS[args.workload]()
    _time_passes(passes, 2)  # warm-up: traces, sessions, arenas
    if args.memory:
        _print_memory(passes)
        return
    print(f"{args.workload} training step, batch {batch}, one thread; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times stretch with it)")
    _print_passes(_time_passes(passes, args.steps), batch)
    ops, pass_ms = _profile(passes, args.steps)
    _print_top_ops(ops, args.steps, pass_ms, args.top)
    profile_rates.print_conv_rates(blocks, ops, args.steps, inputs, args.torch_python)
    sys.stdout.flush()
    subprocess.run([sys.executable, __file__, "--workload", args.workload, "--memory"],
                   check=False)


def _print_memory(passes: list[Pass]) -> None:
    print("\n4. Memory by pass, MB (tracemalloc from the start: every numpy allocation; ONNX "
          "Runtime's own buffers are outside it, RSS from /proc includes them)")
    print(f"   {'pass':14s}{'live at start':>14s}{'peak during':>13s}{'live at end':>13s}"
          f"{'RSS at end':>12s}")
    held = None
    for name, run in passes:
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        run()
        live, peak = tracemalloc.get_traced_memory()
        print(f"   {name:14s}{start / 2**20:14.1f}{peak / 2**20:13.1f}{live / 2**20:13.1f}"
              f"{_rss_mb():12.1f}")
        if held is None:
            held = tracemalloc.take_snapshot()
    print(f"   peak RSS of the process: {_rss_mb('VmHWM'):.1f} MB")
    print(f"   largest holders at the end of '{passes[0][0]}' (parameters, saved for backward, "
          "kept buffers):")
    for stat in held.statistics("lineno")[:8]:
        frame = stat.traceback[0]
        where = os.path.relpath(frame.filename, os.path.dirname(mx.__file__))
        print(f"     {stat.size / 2**20:7.1f} MB in {stat.count:5d} blocks  {where}:{frame.lineno}")


def _rss_mb(key: str = "VmRSS") -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    sys.exit(main())
