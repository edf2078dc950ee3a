"""Write tests/fixtures/mxnet/metrics.json with real MXNet 1.9.1: for each metric name that
``mx.metric.create`` knows (with some constructor arguments), three seeded batches of labels and
predictions, and MXNet's ``get()`` after two updates, then ``get()`` and ``get_global()`` after
``reset_local()`` and a third update.

    /path/to/mxnet-venv/bin/python tools/mxnet_fixtures/make_metrics.py
"""

from __future__ import annotations

import argparse
import json
import os

import mxnet as mx
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "mxnet")
# (name for create, kind of data, constructor arguments)
CASES = [
    ("acc", "multi", {}),
    ("top_k_acc", "multi", {"top_k": 2}),
    ("f1", "binary", {}),
    ("f1", "binary", {"average": "micro"}),
    ("mcc", "binary", {}),
    ("mcc", "binary", {"average": "micro"}),
    ("pcc", "multi", {}),
    ("pcc", "binary", {}),
    ("pearsonr", "values", {}),
    ("pearsonr", "values", {"average": "micro"}),
    ("mae", "values", {}),
    ("mse", "values", {}),
    ("rmse", "values", {}),
    ("ce", "multi", {}),
    ("nll_loss", "multi", {}),
    ("perplexity", "multi", {"ignore_label": 2}),
    ("loss", "values", {}),
    ("torch", "values", {}),
    ("caffe", "values", {}),
]


def batch(kind: str, rng: np.random.Generator) -> tuple:
    if kind == "binary":
        return rng.integers(0, 2, 12).astype("float32"), rng.random((12, 2))
    if kind == "multi":
        pred = rng.random((12, 4))
        return rng.integers(0, 4, 12).astype("float32"), pred / pred.sum(1, keepdims=True)
    label = rng.normal(size=12)
    return label, label * 0.5 + rng.normal(size=12)


def record(name: str, kind: str, kwargs: dict, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    batches = [batch(kind, rng) for _ in range(3)]
    metric = mx.metric.create(name, **kwargs)
    for label, pred in batches[:2]:
        metric.update([mx.nd.array(label)], [mx.nd.array(pred)])
    first = metric.get()[1]
    metric.reset_local()
    metric.update([mx.nd.array(batches[2][0])], [mx.nd.array(batches[2][1])])
    return {
        "name": name,
        "kwargs": kwargs,
        "batches": [[label.tolist(), pred.tolist()] for label, pred in batches],
        "display_name": metric.name,
        "get_after_two": float(first),
        "get_after_reset_local": float(metric.get()[1]),
        "get_global": float(metric.get_global()[1]),
        "config": metric.get_config(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=OUT)
    out = parser.parse_args().out
    os.makedirs(out, exist_ok=True)
    cases = [record(name, kind, kwargs, i) for i, (name, kind, kwargs) in enumerate(CASES)]
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump({"mxnet": mx.__version__, "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
