"""Convolutions on ONNX Runtime's kernels: forward, data gradient and the weight gradient's GEMM.

Note [Convolutions on ONNX Runtime]
ONNX Runtime (a core dependency) runs convolutions through its own im2col/direct kernels and
GEMM (MLAS), which on the thin products of CNN layers (16 to 64 filters) reach about twice the
rate of numpy's OpenBLAS products on the same im2col layout. So a float32 convolution runs its
forward as an ONNX ``Conv`` and its data gradient as the matching ``ConvTranspose`` (the adjoint
of a correlation, with ``output_padding`` recovering the input size that striding rounds away),
each in a tiny single-node session cached per (attributes, shapes), with one intra-op thread like
the rest of the engine. The weight gradient is a GEMM over im2col columns run by ONNX Runtime's
GEMM (:func:`product_nt`), summed over chunks of images (:func:`weight_grad`); as an ONNX
convolution (batch and channels swapped) it measured slower. Measured on ResNet-20's 3x3 layers
at batch 32, one thread: forward 1.4-2.5x and data gradient 2-3.5x faster than the numpy route;
results agree to float32 rounding. Deconvolution, the adjoint, takes the same kernels the other
way round: its forward as a ``ConvTranspose``, its data gradient as a ``Conv``
(:func:`applies_transposed`).

``ENABLED`` switches the route off (tests compare it with the numpy route). Convolutions under
``MIN_MACS`` multiply-adds stay on the numpy route: there the session call's fixed cost (a few
microseconds) outweighs the faster kernel; LeNet's batch-1 layers (0.1-0.4M) ran 0.66x on ONNX
Runtime, ResNet-20's (2.4M and more) gain.
"""

from __future__ import annotations

from functools import lru_cache
from math import prod
from typing import Any

import numpy as np

from . import _nchwc
from ._buffers import loop_scratch
from ._im2col import Window, channel_major, gemm, im2col, pad_spatial

__all__ = [
    "ENABLED",
    "applies",
    "applies_conv",
    "applies_transposed",
    "conv_forward",
    "conv_data_grad",
    "conv_grads",
    "images_per_chunk",
    "product_nt",
    "weight_grad",
]

ENABLED = True
MIN_MACS = 1_000_000
MIN_OUT_PIXELS = 64
_OPSET = 17


def applies(x: np.ndarray, w: np.ndarray, win: Window) -> bool:
    """Whether a convolution of ``x`` with ``w`` runs on ONNX Runtime: float32 operands with
    1 to 3 spatial dims (ONNX Runtime's CPU Conv and ConvTranspose kernels are float-only) and
    about ``MIN_MACS`` multiply-adds or more.
    """
    return (
        ENABLED
        and x.dtype == np.float32
        and w.dtype == np.float32
        and 1 <= len(win.kernel) <= 3
        and x.shape[0] * w.size * prod(x.shape[2:]) >= MIN_MACS * prod(win.stride)
        and x.size > 0
    )


def applies_conv(x: np.ndarray, w: np.ndarray, win: Window, out: tuple) -> bool:
    """Whether a Convolution of ``x`` with ``w`` into spatial ``out`` runs on ONNX Runtime: as
    :func:`applies`, with ``MIN_OUT_PIXELS`` output pixels per image or more and a kernel wider
    than 1x1.
    """
    # NOTE: on outputs of few pixels and on 1x1 kernels the numpy route's one product over the
    # batch beats ONNX Runtime's per-image kernels: ResNet-18's 512-channel 7x7 layers ran
    # forward 79 against 68 GFLOP/s, data gradient 69 against 47, its 1x1 projections 54-76
    # against 48-65. In one process, alternating: ResNet-18 steps 1393 against 1525 ms, DCGAN's
    # discriminator (4x4 outputs) included 845 against 941, ResNet-20 even. Deconvolution has
    # its own rule (:func:`applies_transposed`).
    return prod(out) >= MIN_OUT_PIXELS and any(k > 1 for k in win.kernel) and applies(x, w, win)


def applies_transposed(x: np.ndarray, w: np.ndarray, win: Window, out: tuple) -> bool:
    """Whether a Deconvolution of ``x`` with ``w`` (window ``win`` padded by ``win.pad`` on
    both sides) into spatial ``out`` runs on ONNX Runtime: as :func:`applies`, with the extra
    rows at the end below the stride (ConvTranspose's ``output_padding``), and a single input
    pixel or at least 64 per image.
    """
    # NOTE: measured on DCGAN's generator at batch 16: from 8x8 inputs on ConvTranspose ran
    # 1.3-3x faster than the numpy route and 10x on 1x1 inputs, but 0.5x on 4x4 inputs, where
    # the numpy route's one product over the whole batch wins.
    pixels = prod(x.shape[2:])
    return (
        (pixels == 1 or pixels >= 64)
        and applies(x, w, win._replace(stride=(1,) * len(win.stride)))
        and all(0 <= a < s for a, s in zip(_output_padding(x.shape[2:], win, out), win.stride))
    )


def _output_padding(size: tuple, win: Window, out: tuple) -> tuple:
    """What ConvTranspose must add to reach ``out`` from input spatial ``size``: the sizes it
    yields without output_padding fall short of ``out`` by what striding rounded away.
    """
    base = (s * (n - 1) + d * (k - 1) + 1 - 2 * p for n, k, s, d, p in zip(size, *win))
    return tuple(o - b for o, b in zip(out, base))


@lru_cache(maxsize=256)
def _session(op: str, x_shape: tuple, w_shape: tuple, attrs: tuple) -> Any:
    """A one-node ``op`` session over float inputs ``x`` and ``w`` of fixed shapes, with the
    node attributes ``attrs`` as (name, value) pairs.
    """
    import onnxruntime as ort
    from onnx import TensorProto, helper

    inputs = [
        helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))
        for name, shape in (("x", x_shape), ("w", w_shape))
    ]
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    node = helper.make_node(op, ["x", "w"], ["y"], **dict(attrs))
    graph = helper.make_graph([node], op, inputs, [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)])
    model.ir_version = 8
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # NOTE: without the arena each session's workspace is freed after its run, not kept per
    # session: ResNet-18's peak RSS fell from 907 to 817 MB, at an unchanged step time (in one
    # process, alternating: ResNet-20 202.6 against 203.6 ms, LeNet 10.1 against 9.1 ms).
    opts.enable_cpu_mem_arena = False
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def _run(op: str, x: np.ndarray, w: np.ndarray, attrs: tuple) -> np.ndarray:
    sess = _session(op, x.shape, w.shape, attrs)
    return sess.run(None, {"x": np.ascontiguousarray(x), "w": np.ascontiguousarray(w)})[0]


def _conv_attrs(win: Window, groups: int, after: tuple | None = None, adj: tuple = ()) -> tuple:
    """A Conv's or ConvTranspose's attributes: padded by ``win.pad`` before and ``after``
    (default: the same) after; ``adj`` is ConvTranspose's ``output_padding``.
    """
    pads = win.pad + (win.pad if after is None else tuple(after))
    attrs = (("kernel_shape", win.kernel), ("strides", win.stride), ("dilations", win.dilate),
             ("pads", pads), ("group", groups))
    return attrs + ((("output_padding", adj),) if adj else ())


def conv_forward(
    x: np.ndarray, w: np.ndarray, win: Window, groups: int, after: tuple | None = None
) -> np.ndarray:
    """The correlation ``(N, C, *sp)`` * ``(F, C/G, *k)`` -> ``(N, F, *out)``, no bias; padded
    by ``win.pad`` before and ``after`` (default: the same) after.
    """
    if after is None and _nchwc.applies(x, w, win, groups):
        return _nchwc.conv(x, w, win)
    return _run("Conv", x, w, _conv_attrs(win, groups, after))


def conv_data_grad(
    gy: np.ndarray, w: np.ndarray, win: Window, groups: int, size: tuple
) -> np.ndarray:
    """The adjoint of :func:`conv_forward` in ``x`` (spatial ``size``): ``(N, F, *out)`` ->
    ``(N, C, *size)``.
    """
    adj = _output_padding(gy.shape[2:], win, size)
    if groups == 1 and not any(adj) and all(s == 1 for s in win.stride):
        # Unstrided, the adjoint is a correlation too: with the kernel flipped, its in and out
        # channels swapped and the padding that restores the input size; on NCHWc kernels.
        pad = tuple(d * (k - 1) - p for k, d, p in zip(win.kernel, win.dilate, win.pad))
        flipped = w[(slice(None), slice(None)) + (slice(None, None, -1),) * (w.ndim - 2)]
        adjoint, adj_win = flipped.swapaxes(0, 1), win._replace(pad=pad)
        if min(pad) >= 0 and _nchwc.applies(gy, adjoint, adj_win, 1):
            return _nchwc.conv(gy, adjoint, adj_win)
    return _run("ConvTranspose", gy, w, _conv_attrs(win, groups, adj=adj))


def product_nt(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b.T`` for float32 matrices ``(R, K)`` and ``(S, K)``, by ONNX Runtime's GEMM."""
    # NOTE: on the weight gradients' products (a long K: batch times pixels; few rows in b)
    # ONNX Runtime's GEMM ran 70 GFLOP/s where numpy's reached 41 (ResNet-20's 16-channel
    # layers at batch 32), 88 against 64 at 32 channels and even at 64.
    return _run("Gemm", a, b, (("transB", 1),))


def conv_grads(
    x: np.ndarray | None,
    size: tuple,
    w: np.ndarray,
    gy: np.ndarray,
    win: Window,
    groups: int,
    need: tuple,
    no_bias: bool,
    buf: Any,
) -> tuple:
    """The VJP of :func:`conv_forward` of ``x`` (kept only when the weight gradient is
    needed) with spatial ``size``, from its output gradient ``gy``: the data gradient by
    :func:`conv_data_grad`, the weight gradient by :func:`weight_grad`, per ``need`` (None
    where not needed); the bias gradient too unless ``no_bias``.
    """
    gx = conv_data_grad(gy, w, win, groups, size) if need[0] else None
    gw = weight_grad(x, gy, win, groups, buf).reshape(w.shape) if need[1] else None
    if no_bias:
        return gx, gw
    return gx, gw, (gy.sum(axis=(0, *range(2, gy.ndim))) if need[2] else None)


# NOTE: the columns of a whole batch are large (59 MB for ResNet-18's first layer at batch 8):
# chunks of about 2.5 MB of columns, with 2,048 product columns or more (shorter products ran
# slower), hold the columns and the channel-major gradient to 7 and 3 MB there. Step times in
# one process, alternating chunked and whole: ResNet-20 204.8 against 206.8 ms, ResNet-18 1445
# against 1522, DCGAN 869 against 861, eager LeNet 11.0 against 11.4 (eager calls keep their
# chunks' buffers from call to call, see ``loop_scratch``).
_CHUNK_BYTES = 2_500_000
_MIN_COLUMNS = 2048


def images_per_chunk(n: int, pixels: int, image_bytes: int) -> int:
    """How many of ``n`` images :func:`weight_grad` takes per product, for ``pixels`` output
    pixels and ``image_bytes`` of columns per image.
    """
    return min(n, max(-(-_MIN_COLUMNS // pixels), _CHUNK_BYTES // image_bytes, 1))


def weight_grad(x: np.ndarray, gy: np.ndarray, win: Window, groups: int, buf: Any) -> np.ndarray:
    """The weight gradient ``(G, F/G, C/G * K)`` of a correlation of ``x`` ``(N, C, *sp)``
    with output gradient ``gy`` ``(N, F, *out)``: a product of ``gy`` with ``x``'s im2col
    columns, summed over chunks of images.
    """
    n, f, pixels = gy.shape[0], gy.shape[1], prod(gy.shape[2:])
    step = images_per_chunk(n, pixels, x.shape[1] * prod(win.kernel) * pixels * x.itemsize)
    total = None
    with loop_scratch(buf) as tmp:
        for i in range(0, n, step):
            xp = pad_spatial(x[i : i + step], win.pad, win.pad, buf=tmp)
            cols = im2col(xp, win.kernel, win.stride, win.dilate, gy.shape[2:], tmp)
            cols = cols.reshape(groups, -1, xp.shape[0] * pixels)  # (G, C/G * K, chunk * P)
            gy3 = channel_major(gy[i : i + step], tmp, scratch=True)
            gy3 = gy3.reshape(groups, f // groups, -1)  # (G, F/G, chunk * P)
            # NOTE: the product with the columns on the left runs about 1.5x faster than
            # ``gy3 @ cols.T`` (a long inner dimension, few rows); its transpose is small.
            if groups == 1:
                part = product_nt(cols[0], gy3[0])[None]  # (1, C * K, F)
            else:
                part = gemm(cols, gy3.transpose(0, 2, 1))  # (G, C/G * K, F/G)
            total = part if total is None else np.add(total, part, out=total)
            tmp.next_pass()
    return total.transpose(0, 2, 1).copy()  # fresh: it leaves the graph
