"""``hybrid-export``: check a model; convert saved graphs (hybrid's and MXNet's) to checked ONNX."""

from __future__ import annotations

import pathlib

import numpy as np
from hybrid.export import run_onnx
from hybrid.export.cli import main

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "mxnet"


def test_convert_mxnet_files_then_check(tmp_path, capsys):
    out = tmp_path / "lenet.onnx"
    code = main(
        [
            "convert",
            str(FIXTURES / "lenet-symbol.json"),
            str(FIXTURES / "lenet-0000.params"),
            str(out),
            "--input-shape",
            "2,1,28,28",
        ]
    )
    assert code == 0
    x = np.load(FIXTURES / "lenet-input.npy")
    expected = np.load(FIXTURES / "lenet-output.npy")
    np.testing.assert_allclose(run_onnx(str(out), [x])[0], expected, rtol=1e-5, atol=1e-6)
    assert main(["check", str(out)]) == 0
    report = capsys.readouterr().out
    assert "passes onnx.checker" in report and "Conv" in report and "Gemm" in report


def test_check_reports_a_broken_file(tmp_path, capsys):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    assert main(["check", str(bad)]) == 1
    assert "hybrid-export" in capsys.readouterr().err
