"""Every file loader, fed damaged bytes, either loads or raises FileFormatError naming the file.

Fuzzed with hypothesis: random bytes, empty files, truncations and byte changes of valid files
for ``nd.load`` (hybrid's ``.npz`` and MXNet's NDArray files), ``sym.load`` (hybrid's and
MXNet's graph JSON) and ``from_onnx``. Also: a compressed member that would inflate past the
cap is refused before it is inflated.
"""
from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import zipfile

import numpy as np
import pytest
from hybrid.export import from_onnx, to_onnx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hybrid as mx
from hybrid.base import FileFormatError
from hybrid.gluon import nn
from hybrid.serialization import MAX_INFLATE_FLOOR, MAX_INFLATE_RATIO

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _mxnet_bytes() -> bytes:
    """An MXNet NDArray-list file with two named arrays (V2 records), written by hand."""
    arrays = {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(3, np.int64)}
    flags = {np.dtype(np.float32): 0, np.dtype(np.int64): 6}
    out = [struct.pack("<QQQ", 0x112, 0, len(arrays))]
    for a in arrays.values():
        out.append(struct.pack("<Iii", 0xF993FAC9, 0, a.ndim))
        out.append(struct.pack(f"<{a.ndim}q", *a.shape))
        out.append(struct.pack("<iii", 1, 0, flags[a.dtype]) + a.tobytes())
    out.append(struct.pack("<Q", len(arrays)))
    for name in arrays:
        out.append(struct.pack("<Q", len(name)) + name.encode())
    return b"".join(out)


def _hybrid_npz(directory: str) -> bytes:
    path = os.path.join(directory, "x.params")
    mx.nd.save(path, {"w": mx.nd.ones((2, 3)), "b": mx.nd.zeros((3,))})
    with open(path, "rb") as f:
        return f.read()


MXNET_JSON = json.dumps({
    "nodes": [{"op": "null", "name": "data", "inputs": []},
              {"op": "Activation", "name": "act", "attrs": {"act_type": "relu"},
               "inputs": [[0, 0, 0]]}],
    "arg_nodes": [0], "node_row_ptr": [0, 1, 2], "heads": [[1, 0, 0]],
    "attrs": {"mxnet_version": ["int", 10901]}}).encode()


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("valid"))
    net = nn.HybridSequential()
    net.add(nn.Dense(4, activation="relu"), nn.Dense(2))
    net.initialize()
    net.hybridize()
    net(mx.nd.ones((1, 3)))
    net.export(os.path.join(folder, "net"))
    onnx_path = os.path.join(folder, "net.onnx")
    to_onnx(net, onnx_path, input_shapes=[(1, 3)])
    read = lambda name: open(os.path.join(folder, name), "rb").read()  # noqa: E731
    return {"npz": _hybrid_npz(folder), "mxnet": _mxnet_bytes(), "mxnet_json": MXNET_JSON,
            "symbol_json": read("net-symbol.json"), "onnx": read("net.onnx")}


@st.composite
def damaged(draw, valid: bytes) -> bytes:
    """Random bytes, or ``valid`` truncated, with bytes changed, or with bytes inserted."""
    kind = draw(st.sampled_from(["random", "truncate", "change", "insert", "empty"]))
    if kind == "random":
        return draw(st.binary(max_size=512))
    if kind == "empty":
        return b""
    at = draw(st.integers(0, len(valid) - 1))
    if kind == "truncate":
        return valid[:at]
    if kind == "insert":
        return valid[:at] + draw(st.binary(min_size=1, max_size=16)) + valid[at:]
    data = bytearray(valid)
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def _check(loader, data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "damaged" + suffix)
        with open(path, "wb") as f:
            f.write(data)
        try:
            loader(path)
        except FileFormatError as err:
            assert "damaged" + suffix in str(err)


LOADERS = {
    "npz": (mx.nd.load, ".params"),
    "mxnet": (mx.nd.load, ".params"),
    "mxnet_json": (mx.sym.load, "-symbol.json"),
    "symbol_json": (mx.sym.load, "-symbol.json"),
    "onnx": (from_onnx, ".onnx"),
}


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_damaged_files_raise_file_format_error(valid_files, kind):
    loader, suffix = LOADERS[kind]
    _check(loader, valid_files[kind], suffix)  # the valid file itself loads

    @FUZZ
    @given(data=damaged(valid_files[kind]))
    def fuzz(data):
        _check(loader, data, suffix)

    fuzz()


@pytest.mark.parametrize("loader, suffix", [(mx.nd.load, ".params"), (mx.sym.load, ".json"),
                                            (from_onnx, ".onnx")])
def test_missing_and_empty_files_name_the_file(tmp_path, loader, suffix):
    empty = tmp_path / ("empty" + suffix)
    empty.write_bytes(b"")
    for path in (empty, tmp_path / ("missing" + suffix)):
        with pytest.raises(FileFormatError, match=path.name):
            loader(str(path))


def test_compressed_members_may_not_inflate_past_the_cap(tmp_path):
    size = max(MAX_INFLATE_FLOOR, 0) + (1 << 20)
    header = b"\x93NUMPY\x01\x00" + b"{'descr': '|u1', 'fortran_order': False, 'shape': (%d,), }" \
        % size
    header = header.ljust(127) + b"\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("w.npy", "w", force_zip64=True) as member:
            member.write(header)
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                member.write(chunk)
    path = tmp_path / "bomb.params"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size * MAX_INFLATE_RATIO < size  # deflated zeros: about 1000:1
    with pytest.raises(FileFormatError, match=r"bomb\.params.*inflate"):
        mx.nd.load(str(path))
