"""``verify``: an exported model run in ONNX Runtime against the eager block."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx

import hybrid
from hybrid import autograd
from hybrid.base import HybridError

__all__ = ["verify", "run_onnx"]


def run_onnx(model: onnx.ModelProto | str, inputs: Sequence[Any]) -> list[np.ndarray]:
    """Run ``model`` in ONNX Runtime on ``inputs`` (in graph-input order)."""
    import onnxruntime as ort

    source = model if isinstance(model, str) else model.SerializeToString()
    session = ort.InferenceSession(source, providers=["CPUExecutionProvider"])
    feed = {
        i.name: np.asarray(getattr(x, "_data", x)) for i, x in zip(session.get_inputs(), inputs)
    }
    return session.run(None, feed)


def verify(
    block: Any,
    model: onnx.ModelProto | str,
    inputs: Sequence[Any],
    rtol: float = 1e-4,
    atol: float = 1e-5,
) -> dict[str, float]:
    """Compare ``model`` in ONNX Runtime with ``block`` run eagerly in inference mode.

    Returns the worst absolute element error per output (``{'output': 3e-7, ...}``) and raises a
    HybridError naming the output, the worst element and the tolerance when one is exceeded.
    """
    arrays = [
        x if isinstance(x, hybrid.nd.NDArray) else hybrid.nd.array(x, dtype=np.asarray(x).dtype)
        for x in inputs
    ]
    with autograd.pause(train_mode=False):
        expected = block(*arrays)
    expected = expected if isinstance(expected, (list, tuple)) else [expected]
    got = run_onnx(model, arrays)
    names = [o.name for o in (onnx.load(model) if isinstance(model, str) else model).graph.output]
    report = {}
    for name, e, g in zip(names, expected, got):
        e = e.asnumpy()
        if e.shape != g.shape:
            raise HybridError(
                f"verify: output {name} has shape {g.shape} in ONNX Runtime, {e.shape} eagerly"
            )
        err = np.abs(g.astype(np.float64) - e)
        report[name] = float(err.max()) if err.size else 0.0
        bad = err > atol + rtol * np.abs(e)
        if bad.any():
            i = np.unravel_index(np.argmax(np.where(bad, err, -1)), err.shape)
            raise HybridError(
                f"verify: output {name} differs at {i}: ONNX Runtime {g[i]}, eager "
                f"{e[i]} (rtol={rtol}, atol={atol}; worst error {report[name]:.3g})"
            )
    return report
