"""Load the MXNet-format files hybrid wrote (write_hybrid_models.py) with MXNet 1.9.1 itself and
compare MXNet's outputs with hybrid's. Exits 1, listing every mismatch, if any check fails.

Run with a Python that has ``mxnet==1.9.1``::

    python tools/mxnet_fixtures/check_hybrid_written.py OUT_DIR
"""

from __future__ import annotations

import json
import pathlib
import sys
import warnings

import mxnet as mx
import numpy as np
from mxnet.gluon import nn

RTOL, ATOL = 1e-4, 1e-5


def conv_net() -> nn.HybridSequential:
    """The ConvNet of write_hybrid_models.py, layer for layer, in MXNet's Gluon."""
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, 3, activation="relu"), nn.BatchNorm(), nn.MaxPool2D(2),
            nn.Flatten(), nn.Dense(5, activation="tanh"), nn.Dropout(0.2), nn.Dense(3))
    return net


NETS = {"ConvNet": conv_net}


def _compare(what: str, got: list, io: np.lib.npyio.NpzFile) -> list[str]:
    expected = [io[f"out_{i}"] for i in range(sum(k.startswith("out_") for k in io.files))]
    if len(got) != len(expected):
        return [f"{what}: MXNet gives {len(got)} outputs, hybrid {len(expected)}"]
    errors = []
    for i, (g, e) in enumerate(zip(got, expected)):
        g = g.asnumpy() if hasattr(g, "asnumpy") else np.asarray(g)
        if g.shape != e.shape or not np.allclose(g, e, rtol=RTOL, atol=ATOL):
            diff = np.abs(g - e).max() if g.shape == e.shape else f"shape {g.shape} vs {e.shape}"
            errors.append(f"{what}: output {i} differs (max abs diff {diff})")
    return errors


def _outputs(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def check(folder: pathlib.Path, entry: dict) -> list[str]:
    kind = entry["kind"]
    io = np.load(folder / entry["io"])
    what = f"{kind} {entry['params']}"
    if kind == "imports":
        block = mx.gluon.SymbolBlock.imports(
            str(folder / entry["symbol"]), entry["inputs"], str(folder / entry["params"]))
        args = [mx.nd.array(io[f"in_{n}"]) for n in entry["inputs"]]
        return _compare(what, _outputs(block(*args)), io)
    if kind == "gluon_params":
        net = NETS[entry["net"]]()
        net.load_parameters(str(folder / entry["params"]))
        return _compare(what, _outputs(net(mx.nd.array(io["in_data"]))), io)
    if kind == "checkpoint":
        mod = mx.mod.Module.load(str(folder / entry["prefix"]), entry["epoch"],
                                 data_names=entry["inputs"])
        data = [mx.nd.array(io[f"in_{n}"]) for n in entry["inputs"]]
        mod.bind([(n, d.shape) for n, d in zip(entry["inputs"], data)], for_training=False)
        mod.forward(mx.io.DataBatch(data), is_train=False)
        return _compare(what, mod.get_outputs(), io)
    loaded = mx.nd.load(str(folder / entry["params"]))
    if kind == "nd_list":
        loaded = dict(zip(io.files, loaded))
    errors = []
    for name in io.files:
        got = loaded.get(name)
        if got is None or got.dtype != io[name].dtype or not np.array_equal(got.asnumpy(),
                                                                             io[name]):
            errors.append(f"{what}: array {name} differs or is missing")
    return errors


def main(argv: list[str]) -> int:
    folder = pathlib.Path(argv[0])
    manifest = json.loads((folder / "manifest.json").read_text())
    errors = []
    warnings.simplefilter("ignore")  # MXNet warns that imported data inputs have no dtype
    for entry in manifest:
        try:
            found = check(folder, entry)
        except Exception as e:  # noqa: BLE001 - every failure is reported, then the run fails
            found = [f"{entry['kind']} {entry['params']}: MXNet failed: {e}"]
        errors += found
        print(("FAIL " if found else "ok   ") + f"{entry['kind']:13s} {entry['params']}")
    for e in errors:
        print(e, file=sys.stderr)
    print(f"{len(manifest) - len({e.split(':')[0] for e in errors})} of {len(manifest)} "
          f"files written by hybrid load in MXNet {mx.__version__} with equal outputs")
    return 1 if errors or not manifest else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
