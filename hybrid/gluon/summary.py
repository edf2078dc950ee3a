"""``Block.summary``: a table of layers, output shapes and parameter counts, in MXNet's layout."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["print_summary"]

_RULE = 80
_ROW = "{:>20}  {:>42} {:>15}"


def _shapes(value: Any) -> Any:
    """Shapes of the arrays in a (nested) output, keeping its list structure."""
    if isinstance(value, (list, tuple)):
        return [_shapes(v) for v in value]
    return getattr(value, "shape", value)


def _shape_text(value: Any) -> str:
    shapes = _shapes(value)
    if isinstance(shapes, list):
        return ", ".join(str(s) for s in shapes)
    return str(shapes)


def _is_container(block: Any) -> bool:
    from .nn.containers import HybridSequential, Sequential

    return isinstance(block, (Sequential, HybridSequential))


def _collect_rows(block: Any, inputs: tuple) -> list[dict]:
    """Run ``block`` on ``inputs`` with a forward hook on every non-container descendant."""
    rows = [{"name": "Input", "shape": _shape_text(list(inputs)), "n": 0, "train": 0, "shared": 0}]
    seen: set[int] = set()

    def on_forward(layer: Any, _: Any, outputs: Any) -> None:
        row = {
            "name": f"{type(layer).__name__}-{len(rows)}",
            "shape": _shape_text(outputs),
            "n": 0,
            "train": 0,
            "shared": 0,
        }
        for _, param in layer._own_params():
            size = int(np.prod(param.shape))
            row["n"] += size
            row["train"] += 0 if param.grad_req == "null" else size
            row["shared"] += size if id(param) in seen else 0
            seen.add(id(param))
        rows.append(row)

    handles = []

    def attach(layer: Any) -> None:
        # As MXNet's: a hybridized block runs its cached graph and would skip its children's
        # hooks, so it is refused (an AssertionError, MXNet's type).
        if getattr(layer, "_active", False):
            raise AssertionError(f'"{layer.name}" must not be hybridized to print summary.')
        if not _is_container(layer):
            handles.append(layer.register_forward_hook(on_forward))

    try:
        block.apply(attach)
        block(*inputs)
    finally:
        for handle in handles:
            handle.detach()
    return rows


def print_summary(block: Any, inputs: tuple) -> None:
    """Print the summary table of ``block`` run on ``inputs`` (see ``Block.summary``)."""
    rows = _collect_rows(block, inputs)
    print("-" * _RULE)
    print(_ROW.format("Layer (type)", "Output Shape", "Param #"))
    print("=" * _RULE)
    for row in rows:
        print(_ROW.format(row["name"], row["shape"], row["n"]))
    total = sum(r["n"] for r in rows)
    trainable = sum(r["train"] for r in rows)
    shared = sum(r["shared"] for r in rows)
    print("=" * _RULE)
    print("Parameters in forward computation graph, duplicate included")
    print(f"   Total params: {total}")
    print(f"   Trainable params: {trainable}")
    print(f"   Non-trainable params: {total - trainable}")
    print(f"Shared params in forward computation graph: {shared}")
    print(f"Unique parameters in model: {total - shared}")
    print("-" * _RULE)
