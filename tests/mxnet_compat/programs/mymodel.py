"""A model file as MXNet users write them: it imports mxnet itself."""
# ruff: noqa: UP008  (written as MXNet-era code is: Python 2 style super)
import mxnet as mx
from mxnet import gluon
from mxnet.gluon import nn


class MLP(nn.HybridBlock):
    def __init__(self, hidden, classes, **kwargs):
        super(MLP, self).__init__(**kwargs)
        with self.name_scope():
            self.body = nn.HybridSequential()
            self.body.add(nn.Dense(hidden, activation="relu"), nn.BatchNormReLU())
            self.out = nn.Dense(classes)

    def hybrid_forward(self, F, x):
        return self.out(self.body(x))


def version_ok():
    # Libraries compare versions like this before they start.
    major, minor = (int(v) for v in mx.__version__.split(".")[:2])
    return (major, minor) >= (1, 6) and isinstance(gluon.nn.Block, type)
