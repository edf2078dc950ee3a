"""hybrid writes MXNet's formats on request: ``nd.save``/``save_parameters`` with
``format='mxnet'`` (the binary NDArray list) and ``export(..., format='mxnet')`` (MXNet's graph
JSON too). hybrid reads them back; MXNet 1.9.1 itself reads them in CI
(tools/mxnet_fixtures/check_hybrid_written.py, on the files write_hybrid_models.py writes).
"""

from __future__ import annotations

import json
import os
import pathlib
import runpy
import struct

import numpy as np
import pytest

import hybrid as mx
from hybrid import mxnet_format, mxnet_graph
from hybrid.base import HybridError
from hybrid.gluon import SymbolBlock, nn, rnn
from hybrid.serialization import ParameterFileError

ROOT = pathlib.Path(__file__).resolve().parents[1]
DTYPES = ["f4", "f8", "f2", "u1", "i4", "i1", "i8", "?"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_nd_save_mxnet_round_trips_every_type(tmp_path, dtype):
    arr = (np.arange(6).reshape(2, 3) % 2 if dtype == "?" else np.arange(6) - 2).astype(dtype)
    path = str(tmp_path / "a.params")
    mx.nd.save(path, {"a": mx.nd.array(arr, dtype=arr.dtype)}, format="mxnet")
    assert mxnet_format.is_mxnet_file(path)
    loaded = mx.nd.load(path)
    assert loaded["a"].dtype == np.dtype(dtype)
    np.testing.assert_array_equal(loaded["a"].asnumpy(), arr)


def test_layout_is_mxnets_v2_list_and_scalars_switch_to_v3(tmp_path):
    path = tmp_path / "l.params"
    mx.nd.save(str(path), [mx.nd.array([1.5, 2.0])], format="mxnet")
    raw = path.read_bytes()
    # magic, reserved, count; V2 magic, dense storage, ndim 1, dim 2; cpu 0, float32
    assert struct.unpack("<QQQIiiqiii", raw[:56]) == (0x112, 0, 1, 0xF993FAC9, 0, 1, 2, 1, 0, 0)
    assert raw[56:64] == np.float32([1.5, 2.0]).tobytes() and raw[64:] == struct.pack("<Q", 0)
    assert isinstance(mx.nd.load(str(path)), list)
    mx.nd.save(str(path), {"s": mx.nd.array(np.float32(3.0)), "v": mx.nd.ones((2,))},
               format="mxnet")
    assert struct.unpack("<I", path.read_bytes()[24:28])[0] == 0xF993FACA
    assert mx.nd.load(str(path))["s"].shape == ()


def test_unsupported_dtype_fails_and_leaves_the_old_file(tmp_path):
    path = tmp_path / "keep.params"
    mx.nd.save(str(path), {"a": mx.nd.ones((2,))}, format="mxnet")
    before = path.read_bytes()
    with pytest.raises(ParameterFileError, match=r"keep\.params.*'c'.*complex64"):
        mxnet_format.write(path, [np.ones(2, np.complex64)], ["c"])
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["keep.params"]
    with pytest.raises(ParameterFileError, match="format 'pickle'"):
        mx.nd.save(str(path), [], format="pickle")


class _LstmSplit(mx.gluon.HybridBlock):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.lstm = rnn.LSTM(5, num_layers=2, input_size=3)
            self.conv = nn.Conv1D(4, 1, layout="NCW")
            self.bn = nn.BatchNorm()

    def hybrid_forward(self, F, x):
        y = self.bn(self.conv(F.transpose(self.lstm(x), axes=(1, 2, 0))))  # (N, 4, T)
        first, second = F.split(y, num_outputs=2, axis=1)
        return F.concat(first, F.relu(second), dim=2), second


def test_export_mxnet_format_reimports_with_equal_outputs(tmp_path):
    net = _LstmSplit(prefix="ls_")
    net.initialize(mx.init.Xavier())
    net.hybridize()
    x = mx.nd.array(np.random.default_rng(0).normal(size=(6, 2, 3)))
    expected = [o.asnumpy() for o in net(x)]
    sym_file, params_file = net.export(str(tmp_path / "m"), 7, format="mxnet")
    assert params_file.endswith("m-0007.params") and mxnet_format.is_mxnet_file(params_file)
    assert not (tmp_path / "m.onnx").exists()
    doc = json.loads(pathlib.Path(sym_file).read_text())
    assert mxnet_graph.is_mxnet_graph(doc) and doc["attrs"]["mxnet_version"] == ["int", 10901]
    ops = {n["op"]: n.get("attrs", {}) for n in doc["nodes"]}
    assert all(isinstance(v, str) for a in ops.values() for v in a.values())
    assert "is_train" not in json.dumps(doc) and ops["Concat"]["num_args"] == "2"
    assert ops["RNN"]["mode"] == "lstm" and ops["SliceChannel"]["num_outputs"] == "2"
    block = SymbolBlock.imports(sym_file, ["data"], params_file)
    for got, want in zip(block(x), expected, strict=True):
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=1e-6)
    wider = block(mx.nd.concat(x, x, dim=1))[0]  # the begin states follow the batch size
    np.testing.assert_allclose(wider.asnumpy()[2:], expected[0], rtol=1e-5, atol=1e-6)


def test_save_parameters_mxnet_format_loads_back(tmp_path):
    net = nn.HybridSequential()
    net.add(nn.Dense(4, activation="relu"), nn.BatchNorm(), nn.Dense(2))
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(np.random.default_rng(0).normal(size=(3, 5)))
    expected = net(x).asnumpy()
    net.save_parameters(str(tmp_path / "p.params"), format="mxnet")
    assert sorted(mx.nd.load(str(tmp_path / "p.params"))) == sorted(
        ["0.weight", "0.bias", "1.gamma", "1.beta", "1.running_mean", "1.running_var",
         "2.weight", "2.bias"])
    copy = nn.HybridSequential()
    copy.add(nn.Dense(4, activation="relu"), nn.BatchNorm(), nn.Dense(2))
    copy.load_parameters(str(tmp_path / "p.params"))
    np.testing.assert_allclose(copy(x).asnumpy(), expected, rtol=1e-6)


def test_symbol_save_mxnet_format_round_trips():
    net = mx.sym.FullyConnected(mx.sym.var("data", lr_mult=0.5), num_hidden=3, name="fc")
    doc = json.loads(net.tojson(format="mxnet"))
    assert [n["name"] for n in doc["nodes"]] == ["data", "fc_weight", "fc_bias", "fc"]
    assert doc["nodes"][0]["attrs"]["__lr_mult__"] == "0.5"
    assert doc["nodes"][3]["attrs"] == {"num_hidden": "3"}  # defaults are left to MXNet
    again = mx.sym.load_json(json.dumps(doc))
    assert again.list_arguments() == net.list_arguments()


def test_write_hybrid_models_script_writes_what_hybrid_reads(tmp_path):
    """The files CI hands to MXNet 1.9.1 (check_hybrid_written.py) re-read in hybrid."""
    script = runpy.run_path(str(ROOT / "tools" / "mxnet_fixtures" / "write_hybrid_models.py"))
    assert script["main"]([str(tmp_path)]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {e["kind"] for e in manifest} == {"imports", "gluon_params", "checkpoint", "nd_dict",
                                              "nd_list"}
    for entry in manifest:
        assert mxnet_format.is_mxnet_file(tmp_path / entry["params"])
        if entry["kind"] != "imports":
            continue
        io = np.load(tmp_path / entry["io"])
        block = SymbolBlock.imports(str(tmp_path / entry["symbol"]), entry["inputs"],
                                    str(tmp_path / entry["params"]))
        outs = block(*[mx.nd.array(io[f"in_{n}"]) for n in entry["inputs"]])
        outs = outs if isinstance(outs, list) else [outs]
        for i, out in enumerate(outs):
            np.testing.assert_allclose(out.asnumpy(), io[f"out_{i}"], rtol=1e-5, atol=1e-6)


class _OpenStates(mx.gluon.HybridBlock):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.lstm = rnn.LSTM(4, num_layers=2, input_size=3)

    def hybrid_forward(self, F, x):
        out, (h, c) = self.lstm(x, self.lstm.begin_state(batch_size=0, func=F.zeros))
        return out, h, c


def test_begin_state_of_batch_size_zero_follows_the_data(tmp_path):
    """MXNet's idiom ``begin_state(batch_size=0, func=F.zeros)`` in a hybridized block: the 0
    is inferred from the data, in the trace and in the exported file, at any batch size.
    """
    net = _OpenStates(prefix="open_")
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(np.random.default_rng(0).normal(size=(5, 2, 3)))
    with pytest.raises(HybridError, match="invalid recurrent state shape"):
        net(x)  # eagerly the 0 is a literal batch size, as in MXNet
    out, states = net.lstm(x, net.lstm.begin_state(batch_size=2))  # zeros of the right size
    eager = [o.asnumpy() for o in [out, *states]]
    net.hybridize()
    for got, want in zip(net(x), eager, strict=True):
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=1e-6)
    sym_file, params_file = net.export(str(tmp_path / "s"), format="mxnet")
    block = SymbolBlock.imports(sym_file, ["data"], params_file)
    wide = block(mx.nd.concat(x, x, dim=1))
    assert [o.shape for o in wide] == [(5, 4, 4), (2, 4, 4), (2, 4, 4)]
    for got, want in zip(wide, eager, strict=True):
        np.testing.assert_allclose(got.asnumpy()[:, 2:], want, rtol=1e-5, atol=1e-6)


def test_several_inputs_are_named_as_mxnet_names_them(tmp_path):
    """MXNet's ``export`` names one input ``data`` and several ``data0``, ``data1``, ..."""

    class Two(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, a, b):
            return F.broadcast_mul(a, b)

    net = Two()
    net.hybridize()
    net(mx.nd.ones((2, 3)), mx.nd.ones((1, 3)))
    sym_file, _ = net.export(str(tmp_path / "two"), format="mxnet")
    doc = json.loads(pathlib.Path(sym_file).read_text())
    assert [n["name"] for n in doc["nodes"] if n["op"] == "null"] == ["data0", "data1"]
