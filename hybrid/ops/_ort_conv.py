"""Convolutions on ONNX Runtime's kernels: the forward and the data gradient.

Note [Convolutions on ONNX Runtime]
ONNX Runtime (a core dependency) runs convolutions through its own im2col/direct kernels and
GEMM (MLAS), which on the thin products of CNN layers (16 to 64 filters) reach about twice the
rate of numpy's OpenBLAS products on the same im2col layout. So a float32 convolution runs its
forward as an ONNX ``Conv`` and its data gradient as the matching ``ConvTranspose`` (the adjoint
of a correlation, with ``output_padding`` recovering the input size that striding rounds away),
each in a tiny single-node session cached per (attributes, shapes), with one intra-op thread like
the rest of the engine. The weight gradient stays a numpy GEMM over im2col columns: as an ONNX
convolution (batch and channels swapped) it measured slower than the GEMM, whose reduction runs
over the whole batch at once. Measured on ResNet-20's 3x3 layers at batch 32, one thread: forward
1.4-2.5x and data gradient 2-3.5x faster than the numpy route; results agree to float32 rounding.
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

from ._im2col import Window

__all__ = ["ENABLED", "applies", "conv_forward", "conv_data_grad"]

ENABLED = True
MIN_MACS = 1_000_000
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


@lru_cache(maxsize=256)
def _session(op: str, x_shape: tuple, w_shape: tuple, win: Window, groups: int, adj: tuple) -> Any:
    """A one-node ``op`` session over inputs ``x`` and ``w`` of fixed shapes; ``adj`` is
    ConvTranspose's ``output_padding``.
    """
    import onnxruntime as ort
    from onnx import TensorProto, helper

    attrs = {
        "kernel_shape": list(win.kernel),
        "strides": list(win.stride),
        "dilations": list(win.dilate),
        "pads": list(win.pad) * 2,
        "group": groups,
    }
    if op == "ConvTranspose":
        attrs["output_padding"] = list(adj)
    inputs = [
        helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))
        for name, shape in (("x", x_shape), ("w", w_shape))
    ]
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph([helper.make_node(op, ["x", "w"], ["y"], **attrs)], op, inputs, [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)])
    model.ir_version = 8
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def _run(op: str, x: np.ndarray, w: np.ndarray, win: Window, groups: int, adj: tuple = ()):
    sess = _session(op, x.shape, w.shape, win, groups, adj)
    return sess.run(None, {"x": np.ascontiguousarray(x), "w": np.ascontiguousarray(w)})[0]


def conv_forward(x: np.ndarray, w: np.ndarray, win: Window, groups: int) -> np.ndarray:
    """The correlation ``(N, C, *sp)`` * ``(F, C/G, *k)`` -> ``(N, F, *out)``, no bias."""
    return _run("Conv", x, w, win, groups)


def conv_data_grad(
    gy: np.ndarray, w: np.ndarray, win: Window, groups: int, size: tuple
) -> np.ndarray:
    """The adjoint of :func:`conv_forward` in ``x`` (spatial ``size``): ``(N, F, *out)`` ->
    ``(N, C, *size)``.
    """
    # The sizes ConvTranspose yields without output_padding; striding rounded the rest away.
    base = (s * (o - 1) + d * (k - 1) + 1 - 2 * p for o, k, s, d, p in zip(gy.shape[2:], *win))
    adj = tuple(n - b for n, b in zip(size, base))
    return _run("ConvTranspose", gy, w, win, groups, adj)
