"""What the documentation's generated pictures are made from."""

from __future__ import annotations

import os
import shutil
import tempfile

import tutorial_runner

import hybrid as mx
from hybrid.gluon import nn

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATED = os.path.join(HERE, "..", "_static", "generated")


def lenet() -> tuple:
    """The original Gluon README's LeNet as a Symbol, with its input shape."""
    net = nn.HybridSequential(prefix="lenet_")
    with net.name_scope():
        net.add(nn.Conv2D(6, kernel_size=5, activation="relu"), nn.MaxPool2D(pool_size=2),
                nn.Conv2D(16, kernel_size=5, activation="relu"), nn.MaxPool2D(pool_size=2),
                nn.Flatten(), nn.Dense(120, activation="relu"), nn.Dense(84, activation="relu"),
                nn.Dense(10))
    return net(mx.sym.var("data")), {"data": (1, 1, 32, 32)}


def training_curves() -> str:
    """Run the Gluon walk-through, whose last figure block draws its training curves, and keep
    the picture under ``_static/generated``."""
    os.makedirs(GENERATED, exist_ok=True)
    target = os.path.join(GENERATED, "training_curves.png")
    with tempfile.TemporaryDirectory() as work:
        tutorial_runner.run_page(os.path.join(HERE, "..", "tutorials", "gluon.md"), work)
        shutil.copyfile(os.path.join(work, "training_curves.png"), target)
    return target
