"""Shortened run of samples/char_lm.py: perplexity falls over the epochs, the exported model's
next-character distribution in ONNX Runtime equals the eager network's, and sampling works.
"""

from __future__ import annotations

import importlib.util
import pathlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _sample_module():
    spec = importlib.util.spec_from_file_location("char_lm", ROOT / "samples" / "char_lm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_char_lm_short_run(tmp_path, capsys):
    result = _sample_module().main(
        [
            "--epochs",
            "4",
            "--max-chars",
            "6000",
            "--seq-len",
            "32",
            "--hidden",
            "48",
            "--sample-chars",
            "40",
            "--out",
            str(tmp_path),
        ]
    )
    ppl = result["perplexity"]
    assert len(ppl) == 4 and all(b < a for a, b in zip(ppl, ppl[1:])), ppl
    np.testing.assert_allclose(result["onnx_probs"], result["eager_probs"], rtol=1e-4, atol=1e-6)
    assert abs(float(result["onnx_probs"].sum()) - 1) < 1e-5
    assert len(result["sample"]) == 40
    assert (tmp_path / "char_lm.onnx").stat().st_size > 0
    assert "perplexity" in capsys.readouterr().out
