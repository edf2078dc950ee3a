"""Side-by-side speed suite: the same networks in hybrid, MXNet 1.9.1 and PyTorch, one thread.

Run: ``python benchmarks/suite.py [--rounds 3 --seconds 2] [--only resnet20_train,...]``
(``--quick``: one short round, a smoke test). Each (framework, workload) runs in its own child
process (``suite_gluon.py`` for hybrid and MXNet, ``suite_torch.py`` for PyTorch), all with one
BLAS/OpenMP thread. The children of one workload are alive together and their timed rounds
interleave, so a load change on a shared machine hits every column alike. The table shows the
median rate over rounds (items/s: samples, tokens or batch-1 calls), hybrid's ratio to each
other framework (median of per-round ratios) and each child's peak RSS in MB.

The other frameworks live in their own venvs, found by ``--mxnet-python``/``--torch-python`` or
the environment variables ``HYBRID_BENCH_MXNET``/``HYBRID_BENCH_TORCH`` (paths to a Python):

    python3 -m venv /tmp/mxnet-venv && /tmp/mxnet-venv/bin/pip install mxnet==1.9.1 numpy==1.23.5
    python3 -m venv /tmp/torch-venv && /tmp/torch-venv/bin/pip install torch torchvision

``--baseline DIR`` (an older checkout's source tree, e.g. from ``git archive``) adds a column
"base" run from DIR, so a before/after comparison shares one interleaved run.

A framework that is missing or fails on a workload shows "n/a" and the reason; the suite never
fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKLOADS = ["lenet_train_eager", "lenet_train_hybrid", "resnet20_train", "resnet18_train",
             "dcgan_train", "lstm_lm_train", "transformer_train", "resnet20_infer_eager",
             "resnet20_infer_hybrid", "resnet20_infer_onnxruntime", "lenet_infer_eager",
             "lenet_infer_hybrid", "lenet_infer_onnxruntime", "dataloader"]
THREADS = {k: "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                            "MXNET_CPU_WORKER_NTHREADS")}


class Child:
    """One framework's process for one workload; ``rate`` is None once it has failed."""

    def __init__(self, python: str, script: str, framework: str, workload: str, timeout: float,
                 pythonpath: str | None = None):
        self.error, self.rates, self.rss = None, [], None
        self.timeout = timeout
        env = {**os.environ, **THREADS, "PYTHONWARNINGS": "ignore"}
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        try:
            self.proc = subprocess.Popen(
                [python, str(HERE / script), framework, workload], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
                cwd=HERE)
        except OSError as err:
            self.proc, self.error = None, str(err)
            return
        self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline() if self.proc else ""
        try:
            reply = json.loads(line)
        except ValueError:
            reply = {"error": f"child exited (code {self.proc.poll()})"}
        if "error" in reply:
            self.error = reply["error"]
            self.close()
        return reply

    def round(self, seconds: float) -> None:
        if self.error is None:
            self.proc.stdin.write(f"round {seconds}\n")
            self.proc.stdin.flush()
            rate = self._read().get("rate")
            if rate is not None:
                self.rates.append(rate)

    def close(self) -> None:
        if self.proc is None:
            return
        if self.error is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.rss = self._read().get("rss_mb")
        self.proc.stdin.close()
        self.proc.wait(self.timeout)
        self.proc = None


def run_workload(workload: str, pythons: dict[str, str | None], rounds: int, seconds: float,
                 baseline: str | None = None) -> dict[str, Child | str]:
    """Rates of one workload for every framework, rounds interleaved."""
    children: dict[str, Child | str] = {}
    for name, python in pythons.items():
        if python is None:
            children[name] = "not installed (see --help)"
            continue
        script = "suite_torch.py" if name == "torch" else "suite_gluon.py"
        framework = "hybrid" if name == "base" else name
        children[name] = Child(python, script, framework, workload, timeout=60,
                               pythonpath=baseline if name == "base" else None)
    live = [c for c in children.values() if isinstance(c, Child)]
    for _ in range(rounds):
        for child in live:
            child.round(seconds)
    for child in live:
        child.close()
    return children


def _cell(child: Child | str) -> tuple[str, str]:
    if isinstance(child, str) or child.error or not child.rates:
        reason = child if isinstance(child, str) else child.error or "no rounds"
        return "n/a", reason
    return f"{statistics.median(child.rates):.1f}", f"{child.rss or 0:.0f}"


def _ratio(ours: Child | str, other: Child | str) -> str:
    if not all(isinstance(c, Child) and c.rates for c in (ours, other)):
        return "n/a"
    pairs = [a / b for a, b in zip(ours.rates, other.rates)]
    return f"{statistics.median(pairs):.2f}x"


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=2.0, help="length of a timed round")
    parser.add_argument("--quick", action="store_true", help="one round of 0.2 s (smoke test)")
    parser.add_argument("--only", default="", help="comma-separated workloads")
    parser.add_argument("--mxnet-python", default=os.environ.get("HYBRID_BENCH_MXNET"))
    parser.add_argument("--torch-python", default=os.environ.get("HYBRID_BENCH_TORCH"))
    parser.add_argument("--hybrid-only", action="store_true", help="skip MXNet and PyTorch")
    parser.add_argument("--baseline", help="an older hybrid source tree: adds its column 'base' "
                        "(before/after in one interleaved run)")
    args = parser.parse_args(argv)
    rounds, seconds = (1, 0.2) if args.quick else (args.rounds, args.seconds)
    pythons = {"hybrid": sys.executable,
               "mxnet": None if args.hybrid_only else args.mxnet_python,
               "torch": None if args.hybrid_only else args.torch_python}
    if args.baseline:
        pythons["base"] = sys.executable
    rows, notes = [], {}
    print(f"{'workload (items/s, RSS MB)':28s}" + "".join(f"{n:>16s}" for n in pythons)
          + f"{'vs mxnet':>10s}{'vs torch':>10s}" + ("  vs base" if args.baseline else ""),
          flush=True)
    for workload in [w for w in args.only.split(",") if w] or WORKLOADS:
        res = run_workload(workload, pythons, rounds, seconds, args.baseline)
        cells = {name: _cell(child) for name, child in res.items()}
        row = {"workload": workload, **{n: c[0] for n, c in cells.items()},
               "rss": {n: c[1] for n, c in cells.items() if c[0] != "n/a"},
               "vs_mxnet": _ratio(res["hybrid"], res["mxnet"]),
               "vs_torch": _ratio(res["hybrid"], res["torch"]),
               "vs_base": _ratio(res["hybrid"], res.get("base", "n/a"))}
        rows.append(row)
        shown = [f"{v} ({r})" if v != "n/a" else "n/a" for v, r in cells.values()]
        notes.update({f"{n}/{workload}": r for n, (v, r) in cells.items() if v == "n/a"})
        print(f"{workload:28s}" + "".join(f"{s:>16s}" for s in shown)
              + f"{row['vs_mxnet']:>10s}{row['vs_torch']:>10s}"
              + (f"{row['vs_base']:>10s}" if args.baseline else ""), flush=True)
    for key, reason in notes.items():
        print(f"  n/a {key}: {reason}")
    return rows


if __name__ == "__main__":
    main()
