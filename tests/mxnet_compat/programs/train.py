"""An unmodified MXNet 1.x training script (run with python -m hybrid.mxnet)."""
# ruff: noqa: I001, B007, UP031  (kept as MXNet-era scripts are written)
import argparse
import sys

import mxnet as mx
import mxnet.ndarray as F
import numpy as np
from mxnet import autograd, gluon
from mxnet.base import string_types

import mymodel

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--hybridize", action="store_true")
args = parser.parse_args()

print("argv", sys.argv[1:])
print("name", __name__)
print("version", mx.__version__, mymodel.version_ok(), isinstance("s", string_types))
print("cuda", mx.runtime.Features().is_enabled("CUDA"))
mx.random.seed(1)
rng = np.random.RandomState(0)
x = F.array(rng.normal(size=(32, 6)))
y = F.array((rng.normal(size=32) > 0).astype("float32"))
net = mymodel.MLP(16, 2)
net.initialize(mx.init.Xavier(), ctx=mx.cpu())
if args.hybridize:
    net.hybridize()
trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 0.05})
loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
losses = []
with mx.engine.bulk(4):
    for epoch in range(args.epochs):
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(x.shape[0])
        losses.append(loss.mean().asscalar())
print("losses", " ".join("%.5f" % v for v in losses))
mx.test_utils.assert_almost_equal(net(x), net(x))
print("done")
