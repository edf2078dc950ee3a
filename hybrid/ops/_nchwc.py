"""2-D convolutions on ONNX Runtime's blocked-channel (NCHWc) kernels.

Note [NCHWc convolutions]
ONNX Runtime's optimizer rewrites a Conv whose weight is a constant into its NCHWc form: the
input reordered into blocks of B channels (B is 16 with AVX-512, 8 with AVX2), a direct
convolution over the blocks (``Conv`` of the ``com.microsoft.nchwc`` domain), the output
reordered back. Its kernels run about 1.5x the rate of the plain Conv on small layers. A
training step's weights change every step, so the optimizer cannot rewrite its convolutions;
the engine builds the rewritten graph itself, with the weight as an input that numpy reorders
on every call (a small copy) into the layout the optimizer writes: ``(F/B, C/B, kh, kw, c, f)``
blocks. The block size is found once per process by checking the route against a plain
correlation on a probe for each candidate B; where none agrees (another CPU or build of ONNX
Runtime) the route is off and convolutions take the plain Conv.

Measured at one thread, forward GFLOP/s against the plain Conv (weight reorder included):
ResNet-20's 3x3 layers at batch 32 83 against 47 (16 channels, 32x32), 97 against 69 (32),
117 against 77 (64, 8x8); ResNet-18's at batch 8 about 1.1x, but 0.9x at 512 channels on 7x7
images, so images under ``MIN_PIXELS`` are left to the other routes.
"""

from __future__ import annotations

from functools import lru_cache
from math import prod
from typing import Any

import numpy as np

from ._im2col import Window

__all__ = ["ENABLED", "applies", "block_size", "conv"]

ENABLED = True
MIN_PIXELS = 64
_CANDIDATE_BLOCKS = (16, 8)
_DOMAIN = "com.microsoft.nchwc"


def applies(x: np.ndarray, w: np.ndarray, win: Window, groups: int) -> bool:
    """Whether :func:`conv` takes the correlation of ``x`` with ``w``: float32, 2-D, one group,
    input and output channels in whole blocks (LeNet's data gradient into 6 channels, padded to
    16, ran slower than the plain route) and images of ``MIN_PIXELS`` or more.
    """
    if not ENABLED or len(win.kernel) != 2 or groups != 1:
        return False
    if x.dtype != np.float32 or w.dtype != np.float32:
        return False
    channels = (x.shape[1], w.shape[0])
    if prod(x.shape[2:]) < MIN_PIXELS or any(c % min(_CANDIDATE_BLOCKS) for c in channels):
        return False  # before the probe: a process with no such convolution never runs it
    block = block_size()
    return block is not None and not any(c % block for c in channels)


def conv(x: np.ndarray, w: np.ndarray, win: Window) -> np.ndarray:
    """The correlation ``(N, C, H, W)`` * ``(F, C, kh, kw)`` -> ``(N, F, *out)``, padded by
    ``win.pad`` on both sides (see :func:`applies` for when it may be called).
    """
    block = block_size()
    session = _session(x.shape, w.shape, win, block)
    return session.run(None, {"x": np.ascontiguousarray(x), "w": _blocked(w, block)})[0]


def _blocked(w: np.ndarray, block: int) -> np.ndarray:
    """``w`` ``(F, C, kh, kw)`` in the optimizer's layout (F and C in whole blocks)."""
    f, c, kh, kw = w.shape
    blocks = w.reshape(f // block, block, c // block, block, kh, kw)
    return np.ascontiguousarray(blocks.transpose(0, 2, 4, 5, 3, 1)).reshape(w.shape)


@lru_cache(maxsize=256)
def _session(x_shape: tuple, w_shape: tuple, win: Window, block: int) -> Any:
    import onnxruntime as ort
    from onnx import TensorProto, helper

    nodes = [
        helper.make_node("ReorderInput", ["x"], ["xb"], domain=_DOMAIN),
        helper.make_node(
            "Conv", ["xb", "w"], ["yb"], domain=_DOMAIN, kernel_shape=list(win.kernel),
            strides=list(win.stride), dilations=list(win.dilate), pads=list(win.pad) * 2,
        ),
        helper.make_node("ReorderOutput", ["yb"], ["y"], domain=_DOMAIN, channels=w_shape[0]),
    ]
    inputs = [
        helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))
        for name, shape in (("x", x_shape), ("w", w_shape))
    ]
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid(_DOMAIN, 1)]
    model = helper.make_model(helper.make_graph(nodes, "nchwc_conv", inputs, [y]),
                              opset_imports=opsets)
    model.ir_version = 8
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    opts.enable_cpu_mem_arena = False  # see _ort_conv._session
    opts.log_severity_level = 4  # failures raise; the probe expects some
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


@lru_cache(maxsize=1)
def block_size() -> int | None:
    """The block size for which the route agrees with a plain correlation on a probe, or None
    when no candidate does (Note [NCHWc convolutions]).
    """
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 32, 9, 9)).astype(np.float32)
    w = rng.normal(size=(48, 32, 3, 3)).astype(np.float32)
    win = Window((3, 3), (2, 1), (1, 2), (1, 2))
    want = _reference(x, w, win)
    for block in _CANDIDATE_BLOCKS:
        try:
            session = _session(x.shape, w.shape, win, block)
            got = session.run(None, {"x": x, "w": _blocked(w, block)})
        except Exception:  # noqa: BLE001 - another block size, or a build without the kernels
            continue
        if got[0].shape == want.shape and np.allclose(got[0], want, rtol=1e-4, atol=1e-3):
            return block
    return None


def _reference(x: np.ndarray, w: np.ndarray, win: Window) -> np.ndarray:
    """A plain float64 correlation, for the probe."""
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0)) + tuple((p, p) for p in win.pad))
    (kh, kw), (sh, sw), (dh, dw) = win.kernel, win.stride, win.dilate
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i * dh : i * dh + sh * (oh - 1) + 1 : sh,
                       j * dw : j * dw + sw * (ow - 1) + 1 : sw]
            y += np.einsum("nchw,fc->nfhw", patch, w[:, :, i, j])
    return y
