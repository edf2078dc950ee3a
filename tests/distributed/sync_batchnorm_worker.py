"""Started on several processes by test_sync_batchnorm.py (``hybrid-run -np N python
sync_batchnorm_worker.py``): each rank runs SyncBatchNorm on its slice of one global batch and
checks, against BatchNorm on the whole batch in this process, the output slice, the data
gradient slice, the running statistics and the summed gamma and beta gradients; eager and
hybridized. Prints ``rank R: OK sync_batchnorm``.
"""

from __future__ import annotations

import numpy as np

from hybrid import autograd, kvstore, nd
from hybrid.gluon import nn
from hybrid.gluon.contrib import nn as contrib_nn

PER_WORKER = 3


def step(layer, x: np.ndarray, head: np.ndarray) -> tuple:
    data = nd.array(x)
    data.attach_grad()
    with autograd.record():
        loss = (layer(data) * nd.array(head)).sum()
    loss.backward()
    y = layer(data)  # inference mode: the updated running statistics
    grads = [layer.gamma.grad().asnumpy(), layer.beta.grad().asnumpy()]
    stats = [layer.running_mean.data().asnumpy(), layer.running_var.data().asnumpy()]
    return y.asnumpy(), data.grad.asnumpy(), grads, stats


def check(kv, hybridize: bool) -> None:
    rng = np.random.default_rng(0)
    n = kv.num_workers * PER_WORKER
    x, head = rng.normal(size=(n, 4, 3, 2)) * 2 + 1, rng.normal(size=(n, 4, 3, 2))
    mine = slice(kv.rank * PER_WORKER, (kv.rank + 1) * PER_WORKER)
    sync = contrib_nn.SyncBatchNorm(num_devices=1, scale=True, momentum=0.5, prefix="bn_")
    whole = nn.BatchNorm(momentum=0.5, prefix="bn_")
    for layer in (sync, whole):
        layer.initialize()
        layer(nd.zeros((1, 4, 3, 2)))
        layer.gamma.set_data(nd.array([0.5, 1.0, 1.5, 2.0]))
        if hybridize:
            layer.hybridize()
    y, gx, grads, stats = step(sync, x[mine], head[mine])
    y_all, gx_all, grads_all, stats_all = step(whole, x, head)
    np.testing.assert_allclose(gx, gx_all[mine], rtol=1e-4, atol=1e-5)
    for got, want in zip(stats, stats_all):
        np.testing.assert_allclose(got, want, rtol=1e-5)
    np.testing.assert_allclose(y, y_all[mine], rtol=1e-4, atol=1e-5)
    for got, want in zip(grads, grads_all):
        total = np.ascontiguousarray(got, dtype=np.float64)
        kv.allreduce(total)
        np.testing.assert_allclose(total, want, rtol=1e-4, atol=1e-5)


def main() -> None:
    kv = kvstore.create("dist_sync")
    for hybridize in (False, True):
        check(kv, hybridize)
    print(f"rank {kv.rank}: OK sync_batchnorm", flush=True)


if __name__ == "__main__":
    main()
