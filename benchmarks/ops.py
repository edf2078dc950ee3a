"""Forward and forward+backward time of the dense, convolution, pooling and BatchNorm ops, and of
the vision ops GluonCV models call: BilinearResize2D, ROIAlign, box_nms, LRN and
DeformableConvolution.

Shapes are LeNet's from the seed example (batch 64, 1x32x32), a ResNet block (batch 32,
64 channels, 56x56, 3x3 pad 1), and GluonCV's: FCN/PSPNet's upsampling of 21-class scores to
480x480 (batch 4), Faster R-CNN's ROIAlign of 128 ROIs per image on a 1/16 map (batch 2, 256
channels, 38x50, 14x14 bins), SSD-512's box_nms (batch 8, 6132 candidates of 6 values, topk
400), AlexNet's LRN (batch 32, 96x55x55), and a Deformable ConvNets layer on a Faster R-CNN
feature map (batch 2, 256 -> 256 channels, 38x50, 3x3 pad 1). GEMM-bound ops are reported in
GFLOP/s next to numpy's own float32 GEMM rate measured in the same run, so the ratio is
meaningful on any machine (the deformable layer counts its GEMMs only); the others in output
values per second (Mout/s).

Run from the project root: ``python benchmarks/ops.py`` (``--repeat N`` for more samples).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

import hybrid
from hybrid import autograd

GEMM_N = 2048


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """Best wall time in seconds over ``repeat`` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def gemm_rate(repeat: int) -> float:
    """numpy's float32 matmul rate in GFLOP/s on ``GEMM_N``-cubed matrices."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((GEMM_N, GEMM_N), dtype=np.float32)
    b = rng.standard_normal((GEMM_N, GEMM_N), dtype=np.float32)
    return 2 * GEMM_N**3 / best_time(lambda: a @ b, repeat) / 1e9


def _arrays(rng: np.random.Generator, shapes: list) -> list:
    return [hybrid.nd.array(rng.standard_normal(s, dtype=np.float32)) for s in shapes]


def _runners(fn: Callable, arrays: list) -> tuple[Callable, Callable]:
    """(forward only, forward + backward through every input) for ``fn(*arrays)``."""
    for a in arrays:
        a.attach_grad()

    def forward() -> object:
        return fn(*arrays)

    def forward_backward() -> object:
        with autograd.record():
            y = fn(*arrays)
        y.backward()
        return y

    return forward, forward_backward


def conv_case(x: tuple, f: int, k: int, pad: int = 0) -> tuple:
    """(callable, input shapes, fwd+bwd FLOPs) of a stride-1 square convolution."""
    n, c, h, w = x
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1

    def fn(xa, wa, ba):
        return hybrid.nd.Convolution(xa, wa, ba, kernel=(k, k), pad=(pad, pad), num_filter=f)

    return fn, [x, (f, c, k, k), (f,)], 3 * 2 * n * f * c * k * k * oh * ow


def fc_case(n: int, units: int, hidden: int) -> tuple:
    def fn(xa, wa, ba):
        return hybrid.nd.FullyConnected(xa, wa, ba, num_hidden=hidden)

    return fn, [(n, units), (hidden, units), (hidden,)], 3 * 2 * n * units * hidden


def pool_case(x: tuple, k: int, s: int, pad: int = 0) -> tuple:
    def fn(xa):
        return hybrid.nd.Pooling(xa, kernel=(k, k), stride=(s, s), pad=(pad, pad), pool_type="max")

    return fn, [x], None


def batchnorm_case(x: tuple) -> tuple | None:
    """None while no op named BatchNorm is registered (it lives in hybrid/ops/norm.py)."""
    if not hasattr(hybrid.nd, "BatchNorm"):
        return None
    c = x[1]

    def fn(xa, gamma, beta):
        mean = hybrid.nd.array(np.zeros(c, np.float32))
        var = hybrid.nd.array(np.ones(c, np.float32))
        return hybrid.nd.BatchNorm(xa, gamma, beta, mean, var, fix_gamma=False)

    return fn, [x, (c,), (c,)], None


def _vision(name: str, fn: Callable, shapes: list, arrays: list | None = None) -> tuple | None:
    """None while op ``name`` is not registered (it lives in hybrid/ops/); ``arrays`` are
    prepared inputs (boxes, ROIs) used instead of random ones of ``shapes``.
    """
    if name not in hybrid.ops.REGISTRY:
        return None
    return fn, shapes, None, arrays


def resize_case(x: tuple, size: int) -> tuple | None:
    def fn(xa):
        return hybrid.nd.contrib.BilinearResize2D(xa, height=size, width=size)

    return _vision("_contrib_BilinearResize2D", fn, [x])


def roi_align_case(x: tuple, rois_per_image: int, pooled: int) -> tuple | None:
    n, _, h, w = x
    rng = np.random.default_rng(1)
    corner = rng.uniform(0, 16 * min(h, w) * 0.7, (n * rois_per_image, 2))
    size = rng.uniform(32, 16 * min(h, w) * 0.3, (n * rois_per_image, 2))
    batch = np.repeat(np.arange(n), rois_per_image)[:, None]
    rois = hybrid.nd.array(np.concatenate([batch, corner, corner + size], 1).astype(np.float32))

    def fn(xa, r):
        return hybrid.nd.contrib.ROIAlign(xa, r, pooled_size=(pooled, pooled),
                                          spatial_scale=1 / 16, sample_ratio=2)

    data = hybrid.nd.array(rng.standard_normal(x, dtype=np.float32))
    return _vision("_contrib_ROIAlign", fn, [x], [data, rois])


def box_nms_case(batch: int, boxes: int, topk: int) -> tuple | None:
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 1, (batch, boxes, 2))
    wh = rng.uniform(0.02, 0.3, (batch, boxes, 2))
    ids = rng.integers(0, 20, (batch, boxes, 1))
    score = rng.uniform(0, 1, (batch, boxes, 1))
    data = hybrid.nd.array(np.concatenate([ids, score, xy, xy + wh], -1).astype(np.float32))

    def fn(d):
        return hybrid.nd.contrib.box_nms(d, overlap_thresh=0.45, valid_thresh=0.01, topk=topk,
                                         id_index=0, score_index=1, coord_start=2)

    return _vision("_contrib_box_nms", fn, [], [data])


def deformable_conv_case(x: tuple, f: int, k: int, pad: int) -> tuple | None:
    """A Deformable ConvNets v1 layer: offsets of a few pixels; FLOPs of the GEMMs only."""
    n, c, h, w = x
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    rng = np.random.default_rng(3)
    arrays = [hybrid.nd.array(a.astype(np.float32)) for a in (
        rng.standard_normal(x), rng.uniform(-2, 2, (n, 2 * k * k, oh, ow)),
        rng.standard_normal((f, c, k, k)) * 0.05, rng.standard_normal(f))]

    def fn(xa, off, wa, ba):
        return hybrid.nd.contrib.DeformableConvolution(xa, off, wa, ba, kernel=(k, k),
                                                       pad=(pad, pad), num_filter=f)

    case = _vision("_contrib_DeformableConvolution", fn, [], arrays)
    return case and (fn, [], 3 * 2 * n * f * c * k * k * oh * ow, arrays)


def lrn_case(x: tuple) -> tuple | None:
    def fn(xa):
        return hybrid.nd.LRN(xa, nsize=5, alpha=1e-4, beta=0.75, knorm=2.0)

    return _vision("LRN", fn, [x])


CASES = [
    ("lenet conv1 1->6 5x5", lambda: conv_case((64, 1, 32, 32), 6, 5)),
    ("lenet pool1 2x2", lambda: pool_case((64, 6, 28, 28), 2, 2)),
    ("lenet conv2 6->16 5x5", lambda: conv_case((64, 6, 14, 14), 16, 5)),
    ("lenet pool2 2x2", lambda: pool_case((64, 16, 10, 10), 2, 2)),
    ("lenet fc1 400->120", lambda: fc_case(64, 400, 120)),
    ("lenet fc2 120->84", lambda: fc_case(64, 120, 84)),
    ("lenet fc3 84->10", lambda: fc_case(64, 84, 10)),
    ("lenet batchnorm 6x28x28", lambda: batchnorm_case((64, 6, 28, 28))),
    ("resnet conv 64->64 3x3", lambda: conv_case((32, 64, 56, 56), 64, 3, pad=1)),
    ("resnet batchnorm 64x56x56", lambda: batchnorm_case((32, 64, 56, 56))),
    ("resnet pool 3x3 s2", lambda: pool_case((32, 64, 56, 56), 3, 2, pad=1)),
    ("resnet fc 512->1000", lambda: fc_case(32, 512, 1000)),
    ("fcn resize 21x60x60->480", lambda: resize_case((4, 21, 60, 60), 480)),
    ("frcnn roialign 2x128 14x14", lambda: roi_align_case((2, 256, 38, 50), 128, 14)),
    ("ssd box_nms 8x6132 top400", lambda: box_nms_case(8, 6132, 400)),
    ("alexnet lrn 96x55x55", lambda: lrn_case((32, 96, 55, 55))),
    ("dcn conv 256->256 3x3", lambda: deformable_conv_case((2, 256, 38, 50), 256, 3, 1)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case (best kept)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    # The GEMM rate is taken before and after the cases and the better one kept, so a machine
    # that is busy for part of the run does not flatter the ratios.
    gemm_before = gemm_rate(args.repeat)
    rows = []
    for label, make in CASES:
        case = make()
        if case is None:
            rows.append((label, None, None, None, None))
            continue
        fn, shapes, flops = case[:3]
        arrays = case[3] if len(case) > 3 and case[3] is not None else _arrays(rng, shapes)
        forward, forward_backward = _runners(fn, arrays)
        rows.append(
            (
                label,
                best_time(forward, args.repeat),
                best_time(forward_backward, args.repeat),
                flops,
                forward().size,
            )
        )
    gemm = max(gemm_before, gemm_rate(args.repeat))
    print(f"numpy float32 GEMM {GEMM_N}^3: {gemm:.1f} GFLOP/s")
    # Ops without a FLOP count show their forward rate in output values per second instead.
    print(f"{'case':28s} {'fwd ms':>9s} {'fwd+bwd ms':>11s} {'GFLOP/s':>8s} {'of GEMM':>8s}"
          f" {'Mout/s':>8s}")
    for label, t_fwd, t_all, flops, size in rows:
        if t_fwd is None:
            print(f"{label:28s} not registered yet")
            continue
        rate = (
            f"{'':8s} {'':8s} {size / t_fwd / 1e6:8.1f}" if flops is None
            else f"{flops / t_all / 1e9:8.1f} {flops / t_all / 1e9 / gemm:8.0%}"
        )
        print(f"{label:28s} {t_fwd * 1e3:9.2f} {t_all * 1e3:11.2f} {rate}")


if __name__ == "__main__":
    main()
