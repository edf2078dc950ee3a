"""The suite's workloads in Gluon, for hybrid and for MXNet 1.9.1 (one source: hybrid's contract).

Run as a child of ``benchmarks/suite.py``: ``python suite_gluon.py FRAMEWORK WORKLOAD`` with
FRAMEWORK ``hybrid`` or ``mxnet``. The child builds the workload, warms it up, then answers each
line ``round SECONDS`` on stdin with one JSON line ``{"rate": items per second}`` and the line
``quit`` with ``{"rss_mb": peak resident set of this process}``. Sizes mirror
``suite_torch.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
from suite_child import serve

FRAMEWORK = sys.argv[1] if len(sys.argv) > 1 else "hybrid"
if FRAMEWORK == "mxnet":
    import mxnet as mx
else:
    import hybrid as mx
from_np = mx.nd.array
autograd, gluon, nn = mx.autograd, mx.gluon, mx.gluon.nn


class LeNet(gluon.HybridBlock):
    """LeNet-5 on 1x32x32 inputs."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.body = nn.HybridSequential()
            self.body.add(nn.Conv2D(6, 5, activation="relu"), nn.MaxPool2D(2),
                          nn.Conv2D(16, 5, activation="relu"), nn.MaxPool2D(2),
                          nn.Dense(120, activation="relu"), nn.Dense(84, activation="relu"),
                          nn.Dense(10))

    def hybrid_forward(self, F, x):
        return self.body(x)


class BasicBlock(gluon.HybridBlock):
    """ResNet v1 basic block: two 3x3 conv-BN(-ReLU), identity or 1x1 projection shortcut."""

    def __init__(self, channels, stride, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.body = nn.HybridSequential()
            self.body.add(nn.Conv2D(channels, 3, stride, 1, use_bias=False), nn.BatchNorm(),
                          nn.Activation("relu"), nn.Conv2D(channels, 3, 1, 1, use_bias=False),
                          nn.BatchNorm())
            self.down = None
            if stride != 1:
                self.down = nn.HybridSequential()
                self.down.add(nn.Conv2D(channels, 1, stride, use_bias=False), nn.BatchNorm())

    def hybrid_forward(self, F, x):
        skip = x if self.down is None else self.down(x)
        return F.relu(self.body(x) + skip)


def resnet20() -> gluon.HybridBlock:
    """ResNet-20 for CIFAR-10: 3 stages of 3 basic blocks at 16, 32, 64 channels."""
    net = nn.HybridSequential()
    net.add(nn.Conv2D(16, 3, 1, 1, use_bias=False), nn.BatchNorm(), nn.Activation("relu"))
    for i, channels in enumerate((16, 32, 64)):
        for j in range(3):
            net.add(BasicBlock(channels, 2 if i > 0 and j == 0 else 1))
    net.add(nn.GlobalAvgPool2D(), nn.Dense(10))
    return net


class Encoder(gluon.HybridBlock):
    """A post-norm Transformer encoder layer (no dropout), inputs (batch, seq, dim)."""

    def __init__(self, dim, heads, hidden, **kwargs):
        super().__init__(**kwargs)
        self.heads = heads
        with self.name_scope():
            self.qkv = nn.Dense(3 * dim, flatten=False)
            self.out = nn.Dense(dim, flatten=False)
            self.ff1 = nn.Dense(hidden, flatten=False, activation="relu")
            self.ff2 = nn.Dense(dim, flatten=False)
            self.norm1, self.norm2 = nn.LayerNorm(), nn.LayerNorm()

    def hybrid_forward(self, F, x):
        b, t, d = SEQ_SHAPE
        h = self.heads
        qkv = self.qkv(x).reshape((b, t, 3, h, d // h)).transpose((2, 0, 3, 1, 4))
        qkv = qkv.reshape((3, b * h, t, d // h))
        # split, not qkv[0]: indexing an MXNet Symbol picks outputs, not rows.
        q, k, v = F.split(qkv, num_outputs=3, axis=0, squeeze_axis=True)
        att = F.softmax(F.batch_dot(q, k, transpose_b=True) / float(np.sqrt(d // h)), axis=-1)
        ctx = F.batch_dot(att, v).reshape((b, h, t, d // h)).transpose((0, 2, 1, 3))
        x = self.norm1(x + self.out(ctx.reshape((b, t, d))))
        return self.norm2(x + self.ff2(self.ff1(x)))


SEQ_SHAPE = (16, 64, 256)


class LanguageModel(gluon.HybridBlock):
    """Embedding, 2-layer LSTM, decoder: the word language model's shape (TNC layout)."""

    def __init__(self, vocab, dim, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.embed = nn.Embedding(vocab, dim)
            self.rnn = gluon.rnn.LSTM(dim, num_layers=2, input_size=dim)
            self.decoder = nn.Dense(vocab, flatten=False, in_units=dim)

    def hybrid_forward(self, F, x):
        return self.decoder(self.rnn(self.embed(x)))


def _train(
    net, shape, classes, batch, hybridize=True, loss=None, tokens=False
) -> Callable[[], int]:
    """A training step on fixed data of ``shape``: class labels per sample (``classes``), per
    token when the inputs are ``tokens`` (ids below ``classes``), or regression targets of the
    input's shape when ``classes`` is 0.
    """
    rng = np.random.default_rng(0)
    net.initialize(mx.init.Xavier())
    loss = loss or gluon.loss.SoftmaxCrossEntropyLoss()
    if hybridize:
        net.hybridize(static_alloc=True)
        loss.hybridize(static_alloc=True)
    if tokens:
        x, y = (rng.integers(0, classes, shape) for _ in range(2))
    elif classes:
        x, y = rng.normal(size=shape), rng.integers(0, classes, shape[:1])
    else:
        x, y = rng.normal(size=shape), rng.normal(size=shape)
    x, y = (from_np(a.astype(np.float32)) for a in (x, y))
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.01, "momentum": 0.9})

    def step() -> int:
        with autograd.record():
            out = loss(net(x), y)
        out.backward()
        trainer.step(batch)
        out.wait_to_read()
        return batch

    return step


def dcgan_parts() -> tuple:
    """The DCGAN workload's generator, discriminator, loss, noise, real images, labels (zeros,
    ones) and trainers (generator's, discriminator's), all built and hybridized.
    """
    batch, nz = 16, 100
    gen, disc = nn.HybridSequential(), nn.HybridSequential()
    for ch, k, s, p in ((512, 4, 1, 0), (256, 4, 2, 1), (128, 4, 2, 1), (64, 4, 2, 1)):
        gen.add(nn.Conv2DTranspose(ch, k, s, p, use_bias=False), nn.BatchNorm(),
                nn.Activation("relu"))
    gen.add(nn.Conv2DTranspose(3, 4, 2, 1, use_bias=False), nn.Activation("tanh"))
    for ch in (64, 128, 256, 512):
        disc.add(nn.Conv2D(ch, 4, 2, 1, use_bias=False))
        if ch > 64:
            disc.add(nn.BatchNorm())
        disc.add(nn.LeakyReLU(0.2))
    disc.add(nn.Conv2D(1, 4, 1, 0, use_bias=False))
    loss = gluon.loss.SigmoidBinaryCrossEntropyLoss()
    for block in (gen, disc, loss):
        block.initialize(mx.init.Normal(0.02)) if block is not loss else None
        block.hybridize(static_alloc=True)
    rng = np.random.default_rng(0)
    noise = from_np(rng.normal(size=(batch, nz, 1, 1)).astype(np.float32))
    real = from_np(rng.uniform(-1, 1, (batch, 3, 64, 64)).astype(np.float32))
    labels = mx.nd.zeros((batch,)), mx.nd.ones((batch,))
    opts = {"learning_rate": 2e-4, "beta1": 0.5}
    trainers = (gluon.Trainer(gen.collect_params(), "adam", opts),
                gluon.Trainer(disc.collect_params(), "adam", opts))
    return gen, disc, loss, noise, real, labels, trainers


def _dcgan() -> Callable[[], int]:
    gen, disc, loss, noise, real, (zeros, ones), (tg, td) = dcgan_parts()
    batch = real.shape[0]

    def step() -> int:
        fake = gen(noise)
        with autograd.record():
            err_d = (loss(disc(real).reshape((-1,)), ones)
                     + loss(disc(fake.detach()).reshape((-1,)), zeros))
        err_d.backward()
        td.step(batch)
        with autograd.record():
            err_g = loss(disc(gen(noise)).reshape((-1,)), ones)
        err_g.backward()
        tg.step(batch)
        err_g.wait_to_read()
        return batch

    return step


# One intra-op thread, as every framework in the suite gets.
ORT_ONE_THREAD = {"backend": "onnxruntime", "backend_opts": {"intra_op_num_threads": 1}}


def _infer(net, shape, mode) -> Callable[[], int]:
    net.initialize(mx.init.Xavier())
    x = from_np(np.random.default_rng(0).normal(size=shape).astype(np.float32))
    net(x)
    if mode == "onnxruntime" and FRAMEWORK == "mxnet":
        raise NotImplementedError("MXNet has no hybridize(backend='onnxruntime')")
    if mode != "eager":
        net.hybridize(**(ORT_ONE_THREAD if mode == "onnxruntime" else {"static_alloc": True}))
        net(x)

    def step() -> int:
        net(x).wait_to_read()
        return 1

    return step


def _dataloader() -> Callable[[], int]:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(4096, 3, 32, 32)).astype(np.float32)
    labels = rng.integers(0, 10, 4096).astype(np.float32)
    loader = gluon.data.DataLoader(gluon.data.ArrayDataset(data, labels), batch_size=64,
                                   shuffle=True)

    def step() -> int:
        n = 0
        for x, _ in loader:
            n += x.shape[0]
        return n

    return step


def _lm() -> Callable[[], int]:
    seq, batch, vocab = 35, 20, 10000
    net = LanguageModel(vocab, 200)
    return _train(net, (seq, batch), vocab, seq * batch, tokens=True)


def _encoder() -> Callable[[], int]:
    b, t, d = SEQ_SHAPE
    net = Encoder(d, 4, 1024)
    return _train(net, (b, t, d), 0, b, loss=gluon.loss.L2Loss())


WORKLOADS: dict[str, Callable[[], Callable[[], int]]] = {
    "lenet_train_eager": lambda: _train(LeNet(), (64, 1, 32, 32), 10, 64, hybridize=False),
    "lenet_train_hybrid": lambda: _train(LeNet(), (64, 1, 32, 32), 10, 64),
    "resnet20_train": lambda: _train(resnet20(), (32, 3, 32, 32), 10, 32),
    "resnet18_train": lambda: _train(gluon.model_zoo.vision.resnet18_v1(classes=1000),
                                     (8, 3, 224, 224), 1000, 8),
    "dcgan_train": _dcgan,
    "lstm_lm_train": _lm,
    "transformer_train": _encoder,
    "dataloader": _dataloader,
}
for _mode in ("eager", "hybrid", "onnxruntime"):
    WORKLOADS[f"resnet20_infer_{_mode}"] = lambda m=_mode: _infer(resnet20(), (1, 3, 32, 32), m)
    WORKLOADS[f"lenet_infer_{_mode}"] = lambda m=_mode: _infer(LeNet(), (1, 1, 32, 32), m)

if __name__ == "__main__":
    mx.random.seed(0)
    serve(WORKLOADS[sys.argv[2]])
