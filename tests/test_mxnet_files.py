"""Models and parameter files written by MXNet 1.9.1 (``tests/fixtures/mxnet``) load, run
like MXNet, train, hybridize and export; damaged files fail with the file name and byte offset.
"""

from __future__ import annotations

import json
import pathlib
import re
import struct
import subprocess
import sys

import numpy as np
import pytest

import hybrid as mx
from hybrid import autograd, mxnet_format, mxnet_graph
from hybrid.base import HybridError
from hybrid.gluon import SymbolBlock, Trainer, loss, nn
from hybrid.ops.registry import REGISTRY
from hybrid.serialization import ParameterFileError

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "mxnet"  # made by tools/mxnet_fixtures/make_gluon.py
NETS = ["lenet", "mlp_bn"]


def _fixture(name: str) -> str:
    return str(FIXTURES / name)


def _input(net: str) -> mx.nd.NDArray:
    return mx.nd.array(np.load(_fixture(f"{net}-input.npy")))


def _expected(net: str) -> np.ndarray:
    return np.load(_fixture(f"{net}-output.npy"))


def _imported(net: str) -> SymbolBlock:
    return SymbolBlock.imports(
        _fixture(f"{net}-symbol.json"), ["data"], _fixture(f"{net}-0000.params")
    )


def _gluon_net(net: str) -> nn.HybridSequential:
    """The network the README describes, child for child (structural names 0, 1, ...)."""
    seq = nn.HybridSequential()
    if net == "lenet":
        seq.add(nn.Conv2D(6, 5, activation="relu"), nn.MaxPool2D(2),
                nn.Conv2D(16, 5, activation="relu"), nn.MaxPool2D(2), nn.Flatten(),
                nn.Dense(120, activation="relu"), nn.Dense(84, activation="relu"), nn.Dense(10))
    else:
        seq.add(nn.Dense(32), nn.BatchNorm(), nn.Activation("relu"), nn.Dropout(0.3),
                nn.Dense(8, activation="tanh"), nn.Dense(3))
    return seq


# -- the binary parameter files ----------------------------------------------------------------
def test_nd_load_reads_export_params_as_a_dict_keyed_arg_and_aux():
    loaded = mx.nd.load(_fixture("mlp_bn-0000.params"))
    assert isinstance(loaded, dict) and len(loaded) == 10
    assert loaded["arg:hybridsequential1_dense0_weight"].shape == (32, 20)
    assert loaded["aux:hybridsequential1_batchnorm0_running_var"].shape == (32,)
    assert all(v.dtype == np.float32 for v in loaded.values())
    # The README promises non-trivial BatchNorm statistics: variances are positive, not all 1.
    var = loaded["aux:hybridsequential1_batchnorm0_running_var"].asnumpy()
    assert (var > 0).all() and not np.allclose(var, 1)


def test_gluon_params_use_structural_names():
    loaded = mx.nd.load(_fixture("lenet-gluon.params"))
    assert list(loaded) == [f"{i}.{p}" for i in (0, 2, 5, 6, 7) for p in ("weight", "bias")]
    assert loaded["5.weight"].shape == (120, 256)


def _array_record(arr: np.ndarray, flag: int, magic: int = 0xF993FAC9, stype: int = 0) -> bytes:
    """One array as MXNet's NDArray::Save lays it out (see Note [MXNet NDArray-list format])."""
    head = struct.pack("<I", magic)
    if magic != 0xF993FAC8:
        head += struct.pack("<i", stype)
    head += struct.pack(f"<i{arr.ndim}q", arr.ndim, *arr.shape)
    data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    return head + struct.pack("<iii", 1, 0, flag) + data


def _file(records: list[bytes], names: list[str]) -> bytes:
    out = struct.pack("<QQQ", 0x112, 0, len(records)) + b"".join(records)
    out += struct.pack("<Q", len(names))
    return out + b"".join(struct.pack("<Q", len(n.encode())) + n.encode() for n in names)


@pytest.mark.parametrize("flag,dtype", [(0, "f4"), (1, "f8"), (2, "f2"), (3, "u1"), (4, "i4"),
                                        (5, "i1"), (6, "i8"), (7, "?")])
def test_every_dense_type_flag_round_trips_values(tmp_path, flag, dtype):
    arr = (np.arange(6).reshape(2, 3) % 2 if dtype == "?" else np.arange(6).reshape(2, 3) - 2)
    arr = arr.astype(dtype)
    path = tmp_path / "a.params"
    path.write_bytes(_file([_array_record(arr, flag)], []))
    (got,) = mx.nd.load(str(path))  # no names: a list, as in MXNet
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got.asnumpy(), arr)


def test_v1_v3_and_scalar_records_load(tmp_path):
    a, b = np.float32([[1.5, -2]]), np.float64(3.25)
    path = tmp_path / "v.params"
    path.write_bytes(_file([_array_record(a, 0, magic=0xF993FAC8),
                            _array_record(np.asarray(b), 1, magic=0xF993FACA)], ["a", "b"]))
    loaded = mx.nd.load(str(path))
    np.testing.assert_array_equal(loaded["a"].asnumpy(), a)
    assert loaded["b"].shape == () and loaded["b"].asnumpy() == b


def test_sparse_and_bfloat16_arrays_are_refused_by_name(tmp_path):
    path = tmp_path / "s.params"
    path.write_bytes(_file([_array_record(np.float32([1]), 0, stype=2)], []))
    with pytest.raises(ParameterFileError, match=r"csr storage.*only dense.*offset 28"):
        mx.nd.load(str(path))
    path.write_bytes(_file([_array_record(np.float32([1]), 12)], []))
    with pytest.raises(ParameterFileError, match=r"type flag 12 \(bfloat16\).*offset 52"):
        mx.nd.load(str(path))


@pytest.mark.parametrize("cut", [4, 20, 30, 60, 2000, 4700, 5187])
def test_truncated_params_name_file_and_offset(tmp_path, cut):
    path = tmp_path / "cut.params"
    path.write_bytes(pathlib.Path(_fixture("mlp_bn-0000.params")).read_bytes()[:cut])
    match = r"cut\.params.*truncated.*offset \d+" if cut >= 8 else r"cut\.params"
    with pytest.raises(ParameterFileError, match=match):
        mx.nd.load(str(path))


@pytest.mark.parametrize("offset,message", [
    (24, r"array 0 has ndim \d+ \(bad magic 0xf993fa00\?\).*offset 24"),
    (52, r"array 0 has device type 99.*offset 52"),
    (60, r"array 0 has type flag 99 \(an unknown type\).*offset 60"),
])
def test_corrupted_params_name_file_and_offset(tmp_path, offset, message):
    raw = bytearray(pathlib.Path(_fixture("mlp_bn-0000.params")).read_bytes())
    raw[offset] = 0 if offset == 24 else 99
    path = tmp_path / "bad.params"
    path.write_bytes(bytes(raw))
    with pytest.raises(ParameterFileError, match=r"bad\.params.*" + message):
        mx.nd.load(str(path))


def test_appended_garbage_is_reported(tmp_path):
    path = tmp_path / "tail.params"
    path.write_bytes(pathlib.Path(_fixture("mlp_bn-0000.params")).read_bytes() + b"\0" * 3)
    with pytest.raises(ParameterFileError, match=r"3 unexpected bytes.*offset 5188"):
        mx.nd.load(str(path))


# -- graphs and models -------------------------------------------------------------------------
@pytest.mark.parametrize("net", NETS)
def test_imports_reproduce_mxnet_outputs_eager_and_hybridized(net):
    block, x = _imported(net), _input(net)
    np.testing.assert_allclose(block(x).asnumpy(), _expected(net), rtol=1e-5, atol=1e-6)
    block.hybridize()
    np.testing.assert_allclose(block(x).asnumpy(), _expected(net), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("net", NETS)
def test_sym_load_reads_mxnet_json_and_evaluates_like_mxnet(net):
    out = mx.sym.load(_fixture(f"{net}-symbol.json"))
    saved = mx.nd.load(_fixture(f"{net}-0000.params"))
    values = {key.split(":", 1)[1]: arr for key, arr in saved.items()}
    assert sorted(values) == sorted(out.list_arguments()[1:] + out.list_auxiliary_states())
    (y,) = out.eval(data=_input(net), **values)
    np.testing.assert_allclose(y.asnumpy(), _expected(net), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("net", NETS)
def test_load_parameters_of_gluon_file_reproduces_mxnet_outputs(net):
    seq = _gluon_net(net)
    seq.load_parameters(_fixture(f"{net}-gluon.params"))
    np.testing.assert_allclose(seq(_input(net)).asnumpy(), _expected(net), rtol=1e-5, atol=1e-6)


def test_load_parameters_reports_missing_and_extra_names():
    seq = _gluon_net("mlp_bn")
    seq.add(nn.Dense(2))
    with pytest.raises(HybridError, match=r"6\.weight"):
        seq.load_parameters(_fixture("mlp_bn-gluon.params"))
    short = nn.HybridSequential()
    short.add(nn.Dense(32))
    with pytest.raises(HybridError, match=r"1\.gamma"):
        short.load_parameters(_fixture("mlp_bn-gluon.params"))
    short.load_parameters(_fixture("mlp_bn-gluon.params"), ignore_extra=True)
    loaded = mx.nd.load(_fixture("mlp_bn-gluon.params"))["0.weight"].asnumpy()
    np.testing.assert_array_equal(short[0].weight.data().asnumpy(), loaded)


def test_imported_model_trains_and_updates_batchnorm_statistics():
    block = _imported("mlp_bn")
    params = block.collect_params()
    mean = params["hybridsequential1_batchnorm0_running_mean"]
    weight = params["hybridsequential1_dense0_weight"]
    assert mean.grad_req == "null" and weight.grad_req == "write"
    before_mean, before_w = mean.data().asnumpy().copy(), weight.data().asnumpy().copy()
    rng = np.random.default_rng(0)
    x = mx.nd.array(rng.normal(size=(16, 20)))
    y = mx.nd.array(rng.integers(0, 3, size=16))
    loss_fn = loss.SoftmaxCrossEntropyLoss()
    trainer = Trainer(params, "sgd", {"learning_rate": 0.1})
    mx.random.seed(0)
    losses = []
    for _ in range(8):
        with autograd.record():
            out = loss_fn(block(x), y)
        out.backward()
        trainer.step(16)
        losses.append(float(out.mean().asscalar()))
    assert losses[-1] < losses[0]
    assert not np.allclose(mean.data().asnumpy(), before_mean)
    assert not np.allclose(weight.data().asnumpy(), before_w)


@pytest.mark.parametrize("net", NETS)
def test_imported_model_exports_to_onnx_matching_mxnet(tmp_path, net):
    import onnxruntime as ort
    from hybrid.export import to_onnx

    x = np.load(_fixture(f"{net}-input.npy"))
    to_onnx(_imported(net), str(tmp_path / "m.onnx"), example_inputs=[x])
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(got, _expected(net), rtol=1e-5, atol=1e-6)


def _graph_doc(nodes: list[dict], heads: list) -> dict:
    return {"nodes": nodes, "arg_nodes": [], "heads": heads, "attrs": {}}


def test_graph_reports_every_unsupported_op_at_once():
    nodes = [{"op": "null", "name": "x", "inputs": []},
             {"op": "FancyOp", "name": "a", "inputs": [[0, 0, 0]]},
             {"op": "OtherOp", "name": "b", "inputs": [[1, 0, 0]]},
             {"op": "FancyOp", "name": "c", "inputs": [[2, 0, 0]]}]
    with pytest.raises(HybridError, match=r"g\.json: .*FancyOp \(x2\), OtherOp \(x1\)"):
        mxnet_graph.graph_from_json(_graph_doc(nodes, [[3, 0, 0]]), "g.json")


def test_graph_maps_internal_ops_drops_kernel_hints_and_reads_old_attr_keys():
    nodes = [{"op": "null", "name": "x", "inputs": []},
             {"op": "null", "name": "y", "attr": {"__shape__": "(2, 1)", "__dtype__": "0"},
              "inputs": []},
             {"op": "_rnn_param_concat", "name": "cat",
              "attrs": {"dim": "1", "num_args": "2", "__profiler_scope__": "rnn0:"},
              "inputs": [[0, 0], [1, 0]]},
             {"op": "_MulScalar", "name": "twice", "param": {"scalar": "2.0"},
              "inputs": [[2, 0, 0]]}]
    graph = mxnet_graph.graph_from_json(_graph_doc(nodes, [[3, 0, 0]]))
    assert [n.op.name for n in graph.nodes] == ["Concat", "_mul_scalar"]
    assert graph.inputs[1].dtype == np.float32 and graph.inputs[1].shape == (2, 1)
    block = SymbolBlock(mx.sym.Symbol(graph.outputs), [mx.sym.Symbol([graph.inputs[0]])])
    block.collect_params().initialize(mx.init.One())
    got = block(mx.nd.array([[1.0, 2.0], [3.0, 4.0]])).asnumpy()
    np.testing.assert_array_equal(got, [[2, 4, 2], [6, 8, 2]])


def test_graph_rejects_unknown_attributes_and_dangling_entries():
    nodes = [{"op": "null", "name": "x", "inputs": []},
             {"op": "Activation", "name": "r", "attrs": {"act_type": "relu", "bogus": "1"},
              "inputs": [[0, 0, 0]]}]
    # (an op without attributes, such as relu, ignores unknown ones, as in MXNet)
    with pytest.raises(HybridError, match=r"node 'r' \(Activation\).*bogus"):
        mxnet_graph.graph_from_json(_graph_doc(nodes, [[1, 0, 0]]))
    with pytest.raises(HybridError, match=r"'heads' reads output 1 of node 0"):
        mxnet_graph.graph_from_json(_graph_doc(nodes[:1], [[0, 1, 0]]))


def test_op_map_targets_are_registered():
    assert sorted(t for t in mxnet_graph.OP_MAP.values() if t not in REGISTRY) == []


def test_graph_layouts_are_told_apart():
    assert mxnet_graph.is_mxnet_graph(json.load(open(_fixture("lenet-symbol.json"))))
    assert not mxnet_graph.is_mxnet_graph({"format": "hybrid-graph", "nodes": [],
                                           "arg_nodes": [], "heads": []})
    assert mxnet_format.is_mxnet_file(_fixture("lenet-gluon.params"))
    assert not mxnet_format.is_mxnet_file(_fixture("lenet-input.npy"))


# -- the sample --------------------------------------------------------------------------------
def test_from_mxnet_sample_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "samples" / "from_mxnet.py"), "--steps", "3",
         "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    expected = _expected("lenet").argmax(axis=-1).tolist()
    assert f"predictions: {expected}" in result.stdout
    losses = [float(v) for v in re.search(r"fine-tuning loss: (.*)", result.stdout)[1].split()]
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert (tmp_path / "model.onnx").stat().st_size > 0
