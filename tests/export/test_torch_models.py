"""Models exported by ``torch.onnx`` (a small ResNet, a Transformer encoder layer, an LSTM):
``from_onnx`` imports them, matches ONNX Runtime, and fine-tunes them.

The files under tests/fixtures/onnx/ were written once by tools/torch_fixtures/make_onnx.py
(which needs PyTorch); these tests need only the files.
"""

from __future__ import annotations

import os

import numpy as np
import onnxruntime as ort
import pytest
from hybrid.export.importer import from_onnx

import hybrid
from hybrid import autograd, gluon

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "onnx")
MODELS = {
    "torch_resnet": (2, 3, 16, 16),
    "torch_transformer_encoder": (2, 5, 16),
    "torch_lstm": (2, 7, 6),
}


def _path(name: str) -> str:
    return os.path.join(FIXTURES, f"{name}.onnx")


@pytest.mark.parametrize("name", sorted(MODELS))
def test_import_matches_onnxruntime(name):
    x = np.random.default_rng(0).standard_normal(MODELS[name]).astype(np.float32)
    session = ort.InferenceSession(_path(name), providers=["CPUExecutionProvider"])
    want = session.run(None, {"x": x})[0]
    got = from_onnx(_path(name))(hybrid.nd.array(x)).asnumpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fine_tune_reduces_the_loss(name):
    rng = np.random.default_rng(1)
    block = from_onnx(_path(name))
    x = hybrid.nd.array(rng.standard_normal(MODELS[name]).astype(np.float32))
    target = hybrid.nd.array(rng.standard_normal(block(x).shape).astype(np.float32))
    params = block.collect_params()
    trained = [p for p in params.values() if p.grad_req != "null"]
    assert trained
    trainer = gluon.Trainer(params, "adam", {"learning_rate": 0.01})
    losses = []
    for _ in range(5):
        with autograd.record():
            loss = ((block(x) - target) ** 2).mean()
        loss.backward()
        for p in trained:
            assert np.isfinite(p.grad().asnumpy()).all(), p.name
        assert any(np.abs(p.grad().asnumpy()).max() > 0 for p in trained)
        trainer.step(1)
        losses.append(loss.asscalar())
    assert losses[-1] < 0.9 * losses[0], losses
