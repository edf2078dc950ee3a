"""The suite's workloads in PyTorch, idiomatic torch code with the sizes of ``suite_gluon.py``.

Run as a child of ``benchmarks/suite.py``: ``python suite_torch.py torch WORKLOAD`` (protocol in
``suite_child.py``). Inference runs under ``torch.inference_mode()``; "hybrid" inference is
``torch.jit.trace`` + ``freeze``; there is no ``onnxruntime`` mode for torch.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
import torch
import torchvision
from suite_child import serve
from torch import nn

torch.manual_seed(0)


def lenet() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                         nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                                  nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                                  nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.down = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                   nn.BatchNorm2d(cout)) if stride != 1 else nn.Identity())

    def forward(self, x):
        return torch.relu(self.body(x) + self.down(x))


def resnet20() -> nn.Module:
    layers, cin = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()], 16
    for i, cout in enumerate((16, 32, 64)):
        for j in range(3):
            layers.append(BasicBlock(cin, cout, 2 if i > 0 and j == 0 else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


class LanguageModel(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.embed, self.rnn = nn.Embedding(vocab, dim), nn.LSTM(dim, dim, num_layers=2)
        self.decoder = nn.Linear(dim, vocab)

    def forward(self, x):
        return self.decoder(self.rnn(self.embed(x))[0]).flatten(0, 1)


def _train(net, x, y, loss_fn, batch) -> Callable[[], int]:
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

    def step() -> int:
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
        return batch

    return step


def _image_train(net, shape, classes) -> Callable[[], int]:
    x = torch.randn(shape)
    return _train(net, x, torch.randint(0, classes, shape[:1]), nn.CrossEntropyLoss(), shape[0])


def _dcgan() -> Callable[[], int]:
    batch, nz, layers = 16, 100, []
    for cin, ch, k, s, p in ((100, 512, 4, 1, 0), (512, 256, 4, 2, 1), (256, 128, 4, 2, 1),
                             (128, 64, 4, 2, 1)):
        layers += [nn.ConvTranspose2d(cin, ch, k, s, p, bias=False), nn.BatchNorm2d(ch),
                   nn.ReLU(True)]
    gen = nn.Sequential(*layers, nn.ConvTranspose2d(64, 3, 4, 2, 1, bias=False), nn.Tanh())
    layers, cin = [], 3
    for ch in (64, 128, 256, 512):
        layers += [nn.Conv2d(cin, ch, 4, 2, 1, bias=False)]
        layers += [nn.BatchNorm2d(ch)] if ch > 64 else []
        layers += [nn.LeakyReLU(0.2, True)]
        cin = ch
    disc = nn.Sequential(*layers, nn.Conv2d(512, 1, 4, 1, 0, bias=False), nn.Flatten())
    loss = nn.BCEWithLogitsLoss()
    noise, real = torch.randn(batch, nz, 1, 1), torch.rand(batch, 3, 64, 64) * 2 - 1
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)
    og = torch.optim.Adam(gen.parameters(), 2e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(disc.parameters(), 2e-4, betas=(0.5, 0.999))

    def step() -> int:
        fake = gen(noise)
        od.zero_grad()
        (loss(disc(real), ones) + loss(disc(fake.detach()), zeros)).backward()
        od.step()
        og.zero_grad()
        loss(disc(fake), ones).backward()
        og.step()
        return batch

    return step


def _infer(net, shape, mode) -> Callable[[], int]:
    if mode == "onnxruntime":
        raise NotImplementedError("torch has no hybridize(backend='onnxruntime') counterpart")
    net.eval()
    x = torch.randn(shape)
    if mode == "hybrid":
        with torch.no_grad():
            net = torch.jit.freeze(torch.jit.trace(net, x))

    def step() -> int:
        with torch.inference_mode():
            net(x)
        return 1

    return step


def _dataloader() -> Callable[[], int]:
    rng = np.random.default_rng(0)
    data = torch.from_numpy(rng.normal(size=(4096, 3, 32, 32)).astype(np.float32))
    labels = torch.from_numpy(rng.integers(0, 10, 4096))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data, labels),
                                         batch_size=64, shuffle=True)

    def step() -> int:
        return sum(x.shape[0] for x, _ in loader)

    return step


def _lm() -> Callable[[], int]:
    seq, batch, vocab = 35, 20, 10000
    x, y = torch.randint(0, vocab, (seq, batch)), torch.randint(0, vocab, (seq * batch,))
    return _train(LanguageModel(vocab, 200), x, y, nn.CrossEntropyLoss(), seq * batch)


def _encoder() -> Callable[[], int]:
    layer = nn.TransformerEncoderLayer(256, 4, 1024, dropout=0.0, batch_first=True)
    x = torch.randn(16, 64, 256)
    return _train(layer, x, torch.randn(16, 64, 256), nn.MSELoss(), 16)


WORKLOADS: dict[str, Callable[[], Callable[[], int]]] = {
    "lenet_train_eager": lambda: _image_train(lenet(), (64, 1, 32, 32), 10),
    "lenet_train_hybrid": lambda: _image_train(torch.jit.script(lenet()), (64, 1, 32, 32), 10),
    "resnet20_train": lambda: _image_train(resnet20(), (32, 3, 32, 32), 10),
    "resnet18_train": lambda: _image_train(torchvision.models.resnet18(), (8, 3, 224, 224), 1000),
    "dcgan_train": _dcgan,
    "lstm_lm_train": _lm,
    "transformer_train": _encoder,
    "dataloader": _dataloader,
}
for _mode in ("eager", "hybrid", "onnxruntime"):
    WORKLOADS[f"resnet20_infer_{_mode}"] = lambda m=_mode: _infer(resnet20(), (1, 3, 32, 32), m)
    WORKLOADS[f"lenet_infer_{_mode}"] = lambda m=_mode: _infer(lenet(), (1, 1, 32, 32), m)

if __name__ == "__main__":
    torch.set_num_threads(1)
    serve(WORKLOADS[sys.argv[2]])
