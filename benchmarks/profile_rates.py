"""Convolution rates for ``profile_cnn.py``: in the network, in isolation, and the GEMM ceiling.

Every rate is GFLOP/s at 2 flops per multiply-add. A convolution's multiply-adds are
``N * prod(out) * weight.size`` (a Deconvolution's: ``N * prod(in) * weight.size``); its data
gradient and its weight gradient each cost as many again.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable
from math import prod

import numpy as np

from hybrid.ops import _ort_conv
from hybrid.ops.registry import Ctx, get_op

__all__ = ["conv_layers", "print_conv_rates", "square_sgemm_rate"]

_TORCH_SCRIPT = r"""
import json, sys, time, torch
torch.set_num_threads(1)
res = []
for c in json.loads(sys.stdin.read()):
    x = torch.randn(c["x"], requires_grad=True)
    w = torch.randn(c["w"], requires_grad=True)
    F = torch.nn.functional
    conv = F.conv2d if c["op"] == "Convolution" else F.conv_transpose2d
    kw = dict(stride=c["stride"], padding=c["pad"], dilation=c["dilate"], groups=c["groups"])
    y = conv(x, w, **kw)
    gy = torch.randn_like(y)
    def best(fn):
        fn(); times = []
        for _ in range(5):
            t = time.process_time(); fn(); times.append(time.process_time() - t)
        return min(times)
    fwd = best(lambda: conv(x, w, **kw))
    res.append({"fwd": fwd,
                "data": best(lambda: torch.autograd.grad(conv(x, w, **kw), x, gy)) - fwd,
                "weight": best(lambda: torch.autograd.grad(conv(x, w, **kw), w, gy)) - fwd})
print(json.dumps(res))
"""


def _best(fn: Callable[[], object], repeat: int = 5) -> float:
    """Best CPU time of ``fn`` in seconds (after one warm-up call): one thread, so on a shared
    machine CPU time shows the kernel's speed where wall time would add the waits.
    """
    fn()
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def square_sgemm_rate() -> tuple[int, float]:
    """numpy's best float32 GEMM rate over square sizes: (size, GFLOP/s)."""
    best = (0, 0.0)
    for n in (256, 512, 1024, 2048):
        a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
        rate = 2 * n**3 / _best(lambda a=a: a @ a.T, 3) / 1e9
        best = max(best, (n, rate), key=lambda r: r[1])
    return best


def conv_layers(blocks: list, events: list[dict]) -> dict[tuple, dict]:
    """Convolution layers of ``blocks`` met in ``events``, grouped by configuration: each with
    its attributes, shapes, multiply-adds, the layer count and the events' times (ms) by
    direction ('fwd', 'bwd').
    """
    attrs = {}
    for block in blocks:
        _walk(block, attrs)
    groups: dict[tuple, dict] = {}
    shapes = {e["args"]["node"]: e["args"] for e in events
              if e["args"].get("node") in attrs and not e["name"].startswith("_backward_")}
    for node, args in shapes.items():
        op, kw = attrs[node]
        x, w = (tuple(s) for s in args["inputs"][:2])
        y = tuple(args["outputs"][0])
        key = (op, x, w, tuple(sorted((k, v) for k, v in kw.items() if k != "no_bias")))
        spatial = y[2:] if op == "Convolution" else x[2:]
        g = groups.setdefault(key, {"op": op, "x": x, "w": w, "y": y, "attrs": kw,
                                    "macs": x[0] * prod(spatial) * prod(w), "nodes": set(),
                                    "ms": defaultdict(list)})
        g["nodes"].add(node)
    for e in events:
        node = e["args"].get("node")
        for g in groups.values():
            if node in g["nodes"]:
                direction = "bwd" if e["name"].startswith("_backward_") else "fwd"
                g["ms"][direction].append(e["dur"] / 1e3)
    return groups


def _walk(block, found: dict) -> None:
    kwargs = getattr(block, "_kwargs", None)
    if kwargs and getattr(block, "_op_name", None) in ("Convolution", "Deconvolution"):
        found[block.prefix + "fwd"] = (block._op_name, kwargs)
    for child in block._children.values():
        _walk(child, found)


def _isolated(g: dict, ort: bool) -> dict[str, float]:
    """Seconds of the engine's forward, data gradient and weight gradient for one layer shape,
    on the ONNX Runtime route (``ort``) or the numpy route, and of the weight gradient's GEMM.
    """
    op = get_op(g["op"])
    a = op.parse_attrs({**g["attrs"], "no_bias": True})
    rng = np.random.default_rng(0)
    x, w = (rng.standard_normal(s, dtype=np.float32) for s in (g["x"], g["w"]))
    gy = rng.standard_normal(g["y"], dtype=np.float32)

    def run(needs: tuple | None) -> None:
        ctx = Ctx()
        if needs:
            ctx.needs_grad = needs
        op.forward(ctx, x, w, **a)
        if needs:
            op.vjp(ctx, gy, **a)

    saved, _ort_conv.ENABLED = _ort_conv.ENABLED, ort
    try:
        res = {"fwd": _best(lambda: run(None))}
        res["data"] = _best(lambda: run((True, False))) - res["fwd"]
        res["weight"] = _best(lambda: run((False, True))) - res["fwd"]
    finally:
        _ort_conv.ENABLED = saved
    pixels = g["y"] if g["op"] == "Convolution" else g["x"]  # what the GEMM sums over
    cols = rng.standard_normal((prod(g["w"][1:]), prod(pixels) // pixels[1]), np.float32)
    gy2 = rng.standard_normal((g["w"][0], cols.shape[1]), dtype=np.float32)
    res["gemm"] = _best(lambda: cols @ gy2.T)
    res["ort gemm"] = _best(lambda: _ort_conv.product_nt(cols, gy2))
    return res


def _torch(groups: list[dict], python: str | None) -> list[dict] | None:
    if not python:
        return None
    configs = [{"op": g["op"], "x": g["x"], "w": g["w"], "stride": g["attrs"]["stride"],
                "pad": g["attrs"]["pad"], "dilate": g["attrs"]["dilate"],
                "groups": g["attrs"]["num_group"]} for g in groups]
    try:
        done = subprocess.run([python, "-c", _TORCH_SCRIPT], input=json.dumps(configs),
                              capture_output=True, text=True, timeout=600, check=True)
        return json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def print_conv_rates(blocks: list, events: list[dict], steps: int, inputs: list[tuple],
                     torch_python: str | None) -> None:
    groups = sorted(conv_layers(blocks, events).values(),
                    key=lambda g: -sum(map(sum, g["ms"].values())))
    size, peak = square_sgemm_rate()
    print(f"\n3. Convolutions: GFLOP/s reached (numpy's best sgemm: {peak:.1f} GFLOP/s at "
          f"{size}x{size}x{size}; ORT = ONNX Runtime, np = the numpy im2col+GEMM route)")
    print("   in net: median call in the profiled network, wall clock (bwd = data + weight "
          "gradients, weight only on an input layer);\n   isolated: best CPU time of 5 on the same "
          "shape; wgrad = the weight gradient as the engine runs it (im2col + GEMM), np/ORT GEMM = "
          "that product alone in numpy / ONNX Runtime")
    torch = _torch(groups, torch_python)
    head = ["layers", "ms/step", "in net fwd", "bwd", "ORT fwd", "np fwd", "ORT dgrad",
            "np dgrad", "wgrad", "np GEMM", "ORT GEMM"]
    head += ["torch fwd", "dgrad", "wgrad"] if torch else []
    print("   " + f"{'op: x -> y, weight':50s}" + "".join(f"{h:>11s}" for h in head))
    total_ms = 0.0
    for i, g in enumerate(groups):
        flops, layers = 2 * g["macs"], len(g["nodes"])
        per_layer = {k: statistics.median(v) for k, v in g["ms"].items()}
        ms = sum(per_layer[k] * len(v) / steps for k, v in g["ms"].items())
        total_ms += ms
        products = 1 if g["x"] in inputs else 2
        ort, npy = _isolated(g, True), _isolated(g, False)
        cells = [f"{layers:d}", f"{ms:.2f}", _rate(flops, per_layer.get("fwd", 0) / 1e3),
                 _rate(products * flops, per_layer.get("bwd", 0) / 1e3),
                 _rate(flops, ort["fwd"]), _rate(flops, npy["fwd"]), _rate(flops, ort["data"]),
                 _rate(flops, npy["data"]), _rate(flops, ort["weight"]), _rate(flops, ort["gemm"]),
                 _rate(flops, ort["ort gemm"])]
        if torch:
            cells += [_rate(flops, torch[i][k]) for k in ("fwd", "data", "weight")]
        label = f"{g['op'][:6]}: {_dims(g['x'])} -> {_dims(g['y'])}, {_dims(g['w'])}"
        print("   " + f"{label[:49]:50s}" + "".join(f"{c:>11s}" for c in cells))
    print(f"   all convolutions: {total_ms:.1f} ms per step")


def _rate(flops: float, seconds: float) -> str:
    return f"{flops / seconds / 1e9:.1f}" if seconds > 0 else "-"


def _dims(shape: tuple) -> str:
    return "x".join(map(str, shape))

