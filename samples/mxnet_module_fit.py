"""An MXNet 1.x program in the pre-Gluon style: a symbol graph trained with ``mx.mod.Module``.

It is written for MXNet and runs unchanged on hybrid::

    python -m hybrid.mxnet samples/mxnet_module_fit.py --out out/module

It builds an MLP with ``mx.sym`` (the layers make their own weight variables), trains it on a
synthetic three-class problem with ``Module.fit`` (``Speedometer`` logs the speed and accuracy,
``do_checkpoint`` saves every epoch), then loads the last checkpoint back with
``mx.model.load_checkpoint`` and ``Module.load`` and scores it.
"""

import argparse
import logging
import os

import mxnet as mx
import numpy as np


def get_symbol(num_classes):
    data = mx.sym.var("data")
    net = mx.sym.FullyConnected(data, num_hidden=32, name="fc1")
    net = mx.sym.BatchNorm(net, fix_gamma=False, name="bn1")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    net = mx.sym.FullyConnected(net, num_hidden=num_classes, name="fc2")
    return mx.sym.SoftmaxOutput(net, name="softmax")


def get_data(n, rng):
    centers = np.array([[2.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]])
    y = rng.integers(0, 3, size=n)
    x = centers[y] + rng.normal(scale=0.7, size=(n, 4))
    return x.astype(np.float32), y.astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--out", default="out/module")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.makedirs(args.out, exist_ok=True)
    prefix = os.path.join(args.out, "mlp")

    rng = np.random.default_rng(0)
    x_train, y_train = get_data(600, rng)
    x_val, y_val = get_data(200, rng)
    train = mx.io.NDArrayIter(x_train, y_train, args.batch_size, shuffle=True)
    val = mx.io.NDArrayIter(x_val, y_val, args.batch_size)

    mx.random.seed(0)
    mod = mx.mod.Module(get_symbol(3), context=mx.cpu())
    mod.fit(train, eval_data=val, eval_metric="acc", optimizer="sgd",
            optimizer_params={"learning_rate": 0.1, "momentum": 0.9},
            initializer=mx.init.Xavier(), num_epoch=args.epochs,
            batch_end_callback=mx.callback.Speedometer(args.batch_size, 5),
            epoch_end_callback=mx.callback.do_checkpoint(prefix))
    trained = dict(mod.score(val, "acc"))["accuracy"]

    sym, arg_params, aux_params = mx.model.load_checkpoint(prefix, args.epochs)
    print(f"checkpoint {prefix}-{args.epochs:04d}.params: {len(arg_params)} arguments "
          f"{sorted(arg_params)}, {len(aux_params)} auxiliary states")
    loaded = mx.mod.Module.load(prefix, args.epochs)
    loaded.bind(data_shapes=val.provide_data, label_shapes=val.provide_label,
                for_training=False)
    reloaded = dict(loaded.score(val, "acc"))["accuracy"]
    print(f"validation accuracy: trained {trained:.4f}, reloaded {reloaded:.4f}")


if __name__ == "__main__":
    main()
