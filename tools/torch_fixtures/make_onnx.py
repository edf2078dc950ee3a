"""Write the ``torch.onnx`` fixtures of tests/export/test_torch_models.py (run once, by hand).

Needs PyTorch, which the project never installs: run with a separate venv, e.g.
``/path/to/torch-venv/bin/python tools/torch_fixtures/make_onnx.py``. Writes, under
tests/fixtures/onnx/, a small ResNet, a Transformer encoder layer and an LSTM, exported with
the TorchScript exporter (``dynamo=False``) at opset 17, widths kept tiny so the files stay
small. The tests compare the imports with ONNX Runtime, so no PyTorch output is stored.
"""

from __future__ import annotations

import os

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "onnx")


class Block(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.down = None
        if stride != 1 or c_in != c_out:
            self.down = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                      nn.BatchNorm2d(c_out))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.down is None else self.down(x)))


class TinyResNet(nn.Module):
    def __init__(self, classes: int = 5):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8),
                                  nn.ReLU(), nn.MaxPool2d(2))
        self.layers = nn.Sequential(Block(8, 8, 1), Block(8, 16, 2))
        self.head = nn.Linear(16, classes)

    def forward(self, x):
        y = self.layers(self.stem(x))
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(y, 1), 1))


class TinyLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(6, 8, num_layers=1, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.head(y[:, -1])


class Encoder(nn.Module):
    """A Transformer encoder layer called as a model does: without a mask, not causal."""

    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(d_model=16, nhead=2, dim_feedforward=32,
                                                dropout=0.0, batch_first=True)

    def forward(self, x):
        return self.layer(x, src_mask=None, is_causal=False)


def _export(model: nn.Module, x: torch.Tensor, name: str) -> None:
    model.eval()
    path = os.path.join(OUT, f"{name}.onnx")
    torch.onnx.export(model, (x,), path, opset_version=17, dynamo=False,
                      input_names=["x"], output_names=["y"])
    print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")


def main() -> None:
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    resnet = TinyResNet()
    # Non-trivial running statistics, as a trained network has.
    for m in resnet.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    _export(resnet, torch.randn(2, 3, 16, 16), "torch_resnet")
    _export(Encoder(), torch.randn(2, 5, 16), "torch_transformer_encoder")
    _export(TinyLSTM(), torch.randn(2, 7, 6), "torch_lstm")


if __name__ == "__main__":
    main()
