"""Models exported by MXNet 1.9.1 (tests/fixtures/mxnet/models, made by
tools/mxnet_fixtures/make_models.py) import, hybridize, convert to ONNX and train like MXNet:
RNN begin states with 0 dims, -1 dims of numpy-mode exports, multi-output nodes, graphs without
parameters, legacy loss heads, contrib ops and Module checkpoints.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import hybrid as mx
from hybrid import autograd
from hybrid.gluon import SymbolBlock

MODELS = pathlib.Path(__file__).resolve().parent / "fixtures" / "mxnet" / "models"
EXPORTED = ["lstm_states", "split_outputs", "no_params", "softmax_head", "contrib_resize",
            "np_shape_dense"]
EPOCH = {"module_mlp": 2}
TOL = {"rtol": 1e-4, "atol": 1e-5}


def _inputs(name: str) -> dict[str, np.ndarray]:
    saved = np.load(MODELS / f"{name}-input.npz")
    return {str(k): saved[str(k)] for k in saved["__order__"]}


def _expected(name: str) -> list[np.ndarray]:
    saved = np.load(MODELS / f"{name}-output.npz")
    return [saved[str(i)] for i in range(len(saved.files))]


def _files(name: str) -> tuple[str, str]:
    return (str(MODELS / f"{name}-symbol.json"),
            str(MODELS / f"{name}-{EPOCH.get(name, 0):04d}.params"))


def _imported(name: str) -> SymbolBlock:
    return SymbolBlock.imports(_files(name)[0], list(_inputs(name)), _files(name)[1])


def _check(got, name: str) -> None:
    got = got if isinstance(got, list) else [got]
    expected = _expected(name)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g.asnumpy(), e, **TOL)


@pytest.mark.parametrize("name", [*EXPORTED, "module_mlp"])
def test_imports_reproduce_mxnet_eager_and_hybridized(name):
    block = _imported(name)
    args = [mx.nd.array(v) for v in _inputs(name).values()]
    _check(block(*args), name)
    block.hybridize()
    _check(block(*args), name)


def test_lstm_begin_states_follow_the_batch_size():
    """The exported ``_zeros`` of shape (L, 0, H) is not a literal 0: other batch sizes run."""
    block = _imported("lstm_states")
    x = _inputs("lstm_states")["data"]  # (T, N, C)
    block.hybridize()
    wide = block(mx.nd.array(np.concatenate([x, x], axis=1)))
    assert [o.shape for o in wide] == [(5, 6, 6), (2, 6, 6), (2, 6, 6)]
    for got, expected in zip(wide, _expected("lstm_states")):
        half = expected.shape[1]
        np.testing.assert_allclose(got.asnumpy()[:, half:], expected, **TOL)


def test_other_open_fills_are_inferred_per_call():
    """A ``_zeros`` with a 0 dim feeding another op is settled by shape inference per call."""
    nodes = [{"op": "null", "name": "data", "inputs": []},
             {"op": "_ones", "name": "w", "attrs": {"shape": "(4, 0)"}, "inputs": []},
             {"op": "FullyConnected", "name": "fc", "attrs": {"num_hidden": "4",
                                                              "no_bias": "True"},
              "inputs": [[0, 0, 0], [1, 0, 0]]}]
    doc = {"nodes": nodes, "arg_nodes": [0], "heads": [[2, 0, 0]]}
    out = mx.sym.load_json(json.dumps(doc))
    block = SymbolBlock(out, [out.get_internals()["data"]])
    for features in (3, 5):
        x = np.arange(2 * features, dtype=np.float32).reshape(2, features)
        expected = np.repeat(x.sum(axis=1, keepdims=True), 4, axis=1)
        np.testing.assert_array_equal(block(mx.nd.array(x)).asnumpy(), expected)


@pytest.mark.parametrize("name", [*EXPORTED, "module_mlp"])
def test_convert_cli_matches_mxnet_in_onnx_runtime(tmp_path, capsys, name):
    import onnxruntime as ort
    from hybrid.export.cli import main

    inputs = _inputs(name)
    command = ["convert", *_files(name), str(tmp_path / "m.onnx")]
    for key, value in inputs.items():
        command += ["--input-name", key, "--input-shape", ",".join(map(str, value.shape))]
    assert main(command) == 0, capsys.readouterr().err
    assert f"wrote {tmp_path / 'm.onnx'}" in capsys.readouterr().out
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    outs = session.run(None, inputs)
    for got, expected in zip(outs, _expected(name), strict=True):
        np.testing.assert_allclose(got, expected, **TOL)


def test_softmax_head_trains_with_its_label_as_input():
    """SoftmaxOutput's gradient is softmax - onehot(label), whatever the head gradient."""
    sym_file, params_file = _files("softmax_head")
    block = SymbolBlock.imports(sym_file, ["data", "softmax_label"], params_file)
    x = mx.nd.array(_inputs("softmax_head")["data"])
    label = np.array([0, 2, 1, 1, 0], dtype=np.float32)
    with autograd.record():
        prob = block(x, mx.nd.array(label))
    prob.backward()
    expected = (_expected("softmax_head")[0] - np.eye(3)[label.astype(int)]).sum(axis=0)
    bias = block.collect_params()["fc2_bias"]
    np.testing.assert_allclose(bias.grad().asnumpy(), expected, rtol=1e-4, atol=1e-5)
    trainer = mx.gluon.Trainer(block.collect_params(), "sgd", {"learning_rate": 0.5})
    nll = []
    for _ in range(5):
        with autograd.record():
            prob = block(x, mx.nd.array(label))
        prob.backward()
        trainer.step(5)
        nll.append(-np.log(prob.asnumpy()[np.arange(5), label.astype(int)]).mean())
    assert nll[-1] < nll[0]


# -- Module checkpoints written by MXNet ---------------------------------------------------------
def test_module_load_predicts_like_mxnet():
    mod = mx.mod.Module.load(str(MODELS / "module_mlp"), 2)
    x = _inputs("module_mlp")["data"]
    mod.bind([("data", x.shape)], for_training=False)
    out = mod.predict(mx.io.NDArrayIter(x, batch_size=len(x)))
    np.testing.assert_allclose(out.asnumpy(), _expected("module_mlp")[0], **TOL)


def test_module_fit_replays_mxnet_training():
    """From MXNet's epoch-0 checkpoint, two epochs of SGD (momentum, weight decay) over the
    same batches end at MXNet's epoch-2 parameters and BatchNorm statistics.
    """
    train = np.load(MODELS / "module_mlp-train.npz")
    data = mx.io.NDArrayIter(train["x"], train["y"], batch_size=10)
    mod = mx.mod.Module.load(str(MODELS / "module_mlp"), 0)
    mod.fit(data, num_epoch=2, optimizer="sgd",
            optimizer_params={"learning_rate": 0.1, "momentum": 0.9, "wd": 1e-4})
    args, auxs = mod.get_params()
    _, want_args, want_auxs = mx.model.load_checkpoint(str(MODELS / "module_mlp"), 2)
    assert sorted(args) == sorted(want_args) and sorted(auxs) == sorted(want_auxs)
    for got, want in [(args, want_args), (auxs, want_auxs)]:
        for key in want:
            np.testing.assert_allclose(got[key].asnumpy(), want[key].asnumpy(), rtol=1e-4,
                                       atol=1e-6, err_msg=key)


@pytest.mark.parametrize("name", ["lstm_states", "split_outputs", "softmax_head",
                                  "contrib_resize", "module_mlp", "np_shape_dense"])
def test_convert_without_shapes_writes_symbolic_dims(tmp_path, capsys, name):
    """No --input-shape: the dims the parameters leave open are symbolic in the ONNX file, and
    the model reproduces MXNet at the fixture's sizes and runs at others.
    """
    import onnxruntime as ort
    from hybrid.export.cli import main

    assert main(["convert", *_files(name), str(tmp_path / "m.onnx")]) == 0
    printed = capsys.readouterr().out
    assert "unknown dims symbolic" in printed and "batch" in printed
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    (info,) = session.get_inputs()
    assert info.name == "data" and info.shape[0] == "batch"
    x = _inputs(name)["data"]
    for got, expected in zip(session.run(None, {"data": x}), _expected(name), strict=True):
        np.testing.assert_allclose(got, expected, **TOL)
    batch_axis = 1 if name == "lstm_states" else 0  # the RNN's layout is TNC
    wider = np.concatenate([x, x], axis=batch_axis)
    outs = session.run(None, {"data": wider})
    assert outs[0].shape[batch_axis] == 2 * x.shape[batch_axis]


def test_convert_names_several_inputs_itself(tmp_path, capsys):
    from hybrid.export.cli import main

    inputs = _inputs("no_params")
    command = ["convert", *_files("no_params"), str(tmp_path / "m.onnx")]
    for value in inputs.values():
        command += ["--input-shape", ",".join(map(str, value.shape))]
    assert main(command) == 0
    assert "inputs a (batch, 3, 4), b (batch, 3, 4)" in capsys.readouterr().out
    import onnxruntime as ort

    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["a", "b"]
    np.testing.assert_allclose(session.run(None, inputs)[0], _expected("no_params")[0], **TOL)


def test_readme_convert_command_needs_no_shape(tmp_path, capsys):
    """``hybrid-export convert lenet-symbol.json lenet-0000.params model.onnx``, as the README
    writes it: the channel comes from the first convolution, batch and image size are symbolic.
    """
    import onnxruntime as ort
    from hybrid.export.cli import main

    folder = MODELS.parent
    assert main(["convert", str(folder / "lenet-symbol.json"), str(folder / "lenet-0000.params"),
                 str(tmp_path / "model.onnx")]) == 0
    assert "inputs data (batch, 1, data_d2, data_d3)" in capsys.readouterr().out
    session = ort.InferenceSession(str(tmp_path / "model.onnx"),
                                   providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"data": np.load(folder / "lenet-input.npy")})
    np.testing.assert_allclose(got, np.load(folder / "lenet-output.npy"), **TOL)


def test_convert_without_shapes_says_which_rank_it_took(tmp_path, capsys):
    """A graph without parameters settles no input's rank: the report says which rank the
    written model holds (ONNX's checker needs one) and how to choose another.
    """
    import onnxruntime as ort
    from hybrid.export.cli import main

    command = ["convert", *_files("no_params"), str(tmp_path / "m.onnx")]
    assert main(command) == 0
    printed = capsys.readouterr().out
    assert "taken as a rank 4, b rank 4: pass --input-shape for others" in printed
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(1, 3, 4, 5))
    (got,) = session.run(None, {"a": a.astype(np.float32), "b": b.astype(np.float32)})
    np.testing.assert_allclose(got, np.tanh(a * b + 1.5).reshape(2, -1), rtol=1e-5, atol=1e-6)
    assert main([*command, "--input-shape", "2,3,4", "--input-shape", "1,3,4"]) == 0
    assert "rank" not in capsys.readouterr().out
