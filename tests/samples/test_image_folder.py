"""Shortened run of samples/image_folder.py: digits written as an image folder, packed by
hybrid-im2rec, trained from the record file (accuracy above chance), exported and scored in ONNX
Runtime like the eager network.
"""

from __future__ import annotations

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _sample_module():
    spec = importlib.util.spec_from_file_location("image_folder",
                                                  ROOT / "samples" / "image_folder.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_image_folder_short_run(tmp_path, capsys):
    result = _sample_module().main(["--epochs", "3", "--limit", "200", "--batch-size", "16",
                                    "--workers", "2", "--out", str(tmp_path)])
    assert result["accuracy"][-1] > 0.3, result["accuracy"]  # 10 classes: chance is 0.1
    assert abs(result["onnx_accuracy"] - result["accuracy"][-1]) < 0.05
    for name in ("digits_train.rec", "digits_train.idx", "digits_val.rec", "digits_rgb.onnx"):
        assert (tmp_path / name).stat().st_size > 0
    assert "validation accuracy" in capsys.readouterr().out
