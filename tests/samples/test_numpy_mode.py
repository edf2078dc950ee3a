"""samples/numpy_mode.py: the five numpy-mode models train (losses fall, accuracies well above
chance), LeNet's ONNX export predicts as the network does, and numpy mode is off afterwards.
"""

from __future__ import annotations

import importlib.util
import pathlib

from hybrid import npx

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _sample_module():
    spec = importlib.util.spec_from_file_location("numpy_mode", ROOT / "samples" / "numpy_mode.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_numpy_mode_sample(tmp_path, capsys):
    results = _sample_module().main(["--epochs", "4", "--out", str(tmp_path)])
    linear = results["linear regression"]
    assert linear["w_error"] < 0.05 and linear["b_error"] < 0.05, linear
    for name in ("softmax regression", "mlp", "lenet", "gru language model"):
        loss = results[name]["loss"]
        assert loss[-1] < loss[0] * 0.7, (name, loss)
    assert results["softmax regression"]["accuracy"] > 0.9
    assert results["mlp"]["accuracy"] > 0.6
    assert results["lenet"]["accuracy"] > 0.6
    assert results["lenet"]["onnx_max_diff"] < 1e-4
    assert results["gru language model"]["perplexity"][-1] < 4
    assert (tmp_path / "lenet_np.onnx").stat().st_size > 0
    assert not npx.is_np_array()
    assert "gru language model" in capsys.readouterr().out
