"""Write the Gluon model files of ``tests/fixtures/mxnet/`` with real MXNet 1.9.1.

Run it with a Python that has ``mxnet==1.9.1`` (see README.md beside this file); it needs no
hybrid. For each network (``lenet``, ``mlp_bn``) it writes, after ``hybridize()`` and one forward:

- ``NAME-symbol.json``, ``NAME-0000.params``: ``HybridBlock.export(NAME)``;
- ``NAME-gluon.params``: ``Block.save_parameters`` (structural names ``0.weight``, ...);
- ``NAME-input.npy``, ``NAME-output.npy``: an input and MXNet's output for it (inference mode).

The networks are built in this order, so MXNet's automatic prefixes are ``hybridsequential0_``
(lenet) and ``hybridsequential1_`` (mlp_bn); the tests rely on those names and on the exact
layouts, so keep both when changing anything.
"""

from __future__ import annotations

import argparse
import os

import mxnet as mx
import numpy as np
from mxnet.gluon import nn

SEED = 7


def lenet() -> nn.HybridSequential:
    net = nn.HybridSequential()
    with net.name_scope():  # children named under the container's prefix
        net.add(nn.Conv2D(6, 5, activation="relu"), nn.MaxPool2D(2),
                nn.Conv2D(16, 5, activation="relu"), nn.MaxPool2D(2), nn.Flatten(),
                nn.Dense(120, activation="relu"), nn.Dense(84, activation="relu"), nn.Dense(10))
    return net


def mlp_bn() -> nn.HybridSequential:
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(32), nn.BatchNorm(), nn.Activation("relu"), nn.Dropout(0.3),
                nn.Dense(8, activation="tanh"), nn.Dense(3))
    return net


def _batchnorm_statistics(net: nn.HybridSequential, rng: np.random.Generator) -> None:
    """Running statistics that are not MXNet's defaults (0 and 1), so loading them matters."""
    for name, param in net.collect_params().items():
        if name.endswith("running_mean"):
            param.set_data(mx.nd.array(rng.normal(0, 0.5, param.shape)))
        elif name.endswith("running_var"):
            param.set_data(mx.nd.array(rng.uniform(0.5, 2.0, param.shape)))


def write(net: nn.HybridSequential, name: str, shape: tuple, out: str,
          rng: np.random.Generator) -> None:
    net.initialize(mx.init.Xavier())
    x = rng.normal(size=shape).astype(np.float32)
    net(mx.nd.array(x))  # completes deferred shapes
    _batchnorm_statistics(net, rng)
    net.hybridize()
    y = net(mx.nd.array(x)).asnumpy()  # outside autograd.record(): inference mode
    prefix = os.path.join(out, name)
    net.export(prefix)
    net.save_parameters(prefix + "-gluon.params")
    np.save(prefix + "-input.npy", x)
    np.save(prefix + "-output.npy", y)
    print(f"wrote {prefix}-*: input {x.shape}, output {y.shape}")


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "tests", "fixtures", "mxnet")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.normpath(default), help="output folder")
    args = parser.parse_args()
    if mx.__version__ != "1.9.1":
        raise SystemExit(f"needs MXNet 1.9.1, this is {mx.__version__}")
    os.makedirs(args.out, exist_ok=True)
    mx.random.seed(SEED)
    np.random.seed(SEED)
    rng = np.random.default_rng(SEED)
    write(lenet(), "lenet", (2, 1, 28, 28), args.out, rng)
    write(mlp_bn(), "mlp_bn", (4, 20), args.out, rng)


if __name__ == "__main__":
    main()
