"""The program the distributed tests start on several processes: ``hybrid-run -np N python
worker.py SCENARIO``. Every rank checks its own results (an AssertionError ends the job through
the abort hook) and prints ``rank R: OK SCENARIO`` at the end.

Scenarios: ``train`` (the KVStore API across workers, then SGD and Adam over 5 steps: parameters
bit-identical across ranks after every step and equal to one process with the whole batch),
``fail`` (rank 1 raises in the middle of training), ``fail-early`` (rank 1 raises before MPI
starts), ``mismatch`` (rank 1 builds a different network).
"""

from __future__ import annotations

import sys

import numpy as np

import hybrid as mx
from hybrid import autograd, gluon, kvstore, nd
from hybrid.base import HybridError
from hybrid.gluon import nn
from hybrid.kvstore.mpi import launcher_rank_size

BATCH = 4  # per worker
STEPS = 5
FEATURES = 5


def build_net(seed: int, hidden: int = 16, extra_layer: bool = False) -> nn.HybridSequential:
    """A small MLP, initialised; one frozen parameter (broadcast, never updated)."""
    mx.random.seed(seed)
    net = nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(nn.Dense(hidden, activation="tanh"), nn.Dense(3))
        if extra_layer:
            net.add(nn.Dense(3))
    net.initialize(mx.init.Xavier())
    net(nd.zeros((1, FEATURES)))  # finish the deferred initialisation with this seed's values
    net[1].bias.grad_req = "null"
    return net


def batches(num_workers: int) -> tuple[np.ndarray, np.ndarray]:
    """The global batches of every step: ``(STEPS, num_workers * BATCH, ...)``, same on all."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((STEPS, num_workers * BATCH, FEATURES)).astype(np.float32)
    y = rng.integers(0, 3, (STEPS, num_workers * BATCH)).astype(np.float32)
    return x, y


def forward_backward(net: gluon.Block, x: np.ndarray, y: np.ndarray) -> None:
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    with autograd.record():
        loss = loss_fn(net(nd.array(x)), nd.array(y))
    loss.backward()


def flat_params(net: gluon.Block) -> np.ndarray:
    params = net.collect_params()
    return np.concatenate([params[k].data().asnumpy().ravel() for k in sorted(params.keys())])


def assert_same_on_all_ranks(values: np.ndarray, what: str) -> None:
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    every = np.empty((comm.Get_size(), values.size), dtype=values.dtype)
    comm.Allgather(values, every)
    for rank in range(1, comm.Get_size()):
        assert np.array_equal(every[0], every[rank]), f"{what}: rank {rank} differs from rank 0"


def check_kvstore_api(kv: kvstore.KVStore) -> None:
    rank, workers = kv.rank, kv.num_workers
    assert (rank, workers) == launcher_rank_size()
    kv.init("w", nd.full((2, 3), rank + 1))
    out = nd.zeros((2, 3))
    kv.pull("w", out=out)
    assert (out.asnumpy() == 1).all(), "init keeps rank 0's value"
    kv.push("w", [nd.full((2, 3), rank + 1), nd.ones((2, 3))])  # two devices
    kv.pull("w", out=[out])
    assert (out.asnumpy() == sum(r + 2 for r in range(workers))).all(), "push sums"
    # Mixed dtypes, buckets of 64 bytes: several arrays packed per call, big ones alone.
    kv.bucket_bytes = 64
    dtypes = [np.float32, np.float64, np.float16, np.float32, np.float32, np.float64]
    sizes = [3, 5, 7, 40, 2, 9]
    base = [np.arange(n, dtype=dt) for n, dt in zip(sizes, dtypes)]
    values = [nd.array(b * (rank + 1), dtype=b.dtype) for b in base]
    kv.pushpull(list(range(len(values))), values)
    factor = workers * (workers + 1) // 2
    for b, v in zip(base, values):
        assert v.dtype == b.dtype and np.array_equal(v.asnumpy(), b * factor), "bucketed pushpull"
    value, out = nd.full((4,), rank + 1.0), nd.zeros((4,))
    kv.pushpull("w2", value, out=out)
    assert (value.asnumpy() == rank + 1).all() and (out.asnumpy() == factor).all(), "pushpull out"
    outs = [nd.zeros((3,)), nd.zeros((2, 2), dtype="float64")]
    kv.broadcast(["a", "b"], [nd.full((3,), rank), nd.full((2, 2), rank, dtype="float64")], outs)
    assert all((o.asnumpy() == 0).all() for o in outs), "broadcast copies rank 0's values"
    kv.barrier()
    for call in (lambda: kv.init("w", nd.ones((1,))), lambda: kv.pull("nope", out=out)):
        try:
            call()
        except HybridError:
            continue
        raise AssertionError("duplicate init and pull of an unknown key must raise")


def check_first_step_broadcast(kv: kvstore.KVStore) -> None:
    """Ranks start from different values; after the first step all hold rank 0's frozen bias
    (broadcast, never updated) and identical parameters.
    """
    net = build_net(seed=200 + kv.rank)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1}, kvstore=kv)
    x, y = batches(kv.num_workers)
    forward_backward(net, x[0], y[0])
    trainer.step(BATCH)
    rank0_bias = build_net(seed=200)[1].bias.data().asnumpy()
    assert np.array_equal(net[1].bias.data().asnumpy(), rank0_bias), "frozen bias is rank 0's"
    assert_same_on_all_ranks(flat_params(net), "after the first step")


def train_and_compare(kv: kvstore.KVStore) -> None:
    """SGD (kvstore named by string, step) and Adam (KVStore object, allreduce_grads + update):
    bit-identical across ranks after each step, equal to one process with the global batch.

    Every rank starts from the same seed, as a real job does: the first step's gradients are
    computed before the Trainer's broadcast (as in MXNet), so they must agree from the start.
    """
    rank, workers = kv.rank, kv.num_workers
    x, y = batches(workers)
    mine = slice(rank * BATCH, (rank + 1) * BATCH)
    runs = [
        ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 1e-3}, "dist_sync"),
        # NOTE: with Adam's default epsilon (1e-8) a gradient entry that nearly cancels over the
        # batch makes its first update about lr * sign(g): float32 rounding of the sum flips it.
        # epsilon=1e-3 keeps the comparison float32-tight without changing what is tested.
        ("adam", {"learning_rate": 0.01, "epsilon": 1e-3}, kv),
    ]
    for name, params, store in runs:
        net, reference = build_net(seed=100), build_net(seed=100)
        trainer = gluon.Trainer(net.collect_params(), name, params, kvstore=store)
        ref_trainer = gluon.Trainer(reference.collect_params(), name, params, kvstore="local")
        for step in range(STEPS):
            forward_backward(net, x[step, mine], y[step, mine])
            if store is kv:
                trainer.allreduce_grads()
                trainer.update(BATCH)
            else:
                trainer.step(BATCH)
            forward_backward(reference, x[step], y[step])
            ref_trainer.step(BATCH * workers)
            got = flat_params(net)
            assert_same_on_all_ranks(got, f"{name} step {step}")
            np.testing.assert_allclose(
                got, flat_params(reference), rtol=1e-5, atol=1e-6, err_msg=f"{name} step {step}"
            )


def fail_in_training(kv: kvstore.KVStore) -> None:
    net = build_net(seed=1)
    trainer = gluon.Trainer(net.collect_params(), "sgd", kvstore=kv)
    x, y = batches(kv.num_workers)
    for step in range(STEPS):
        if step == 2 and kv.rank == 1:
            raise RuntimeError("injected failure on purpose")
        forward_backward(net, x[step], y[step])
        trainer.step(BATCH)


def main(scenario: str) -> None:
    # mpi4py is not imported yet: this rank fails before MPI starts.
    if scenario == "fail-early" and launcher_rank_size()[0] == 1:
        raise RuntimeError("injected failure before training")
    kv = kvstore.create("dist_sync")
    if scenario == "train":
        check_kvstore_api(kv)
        check_first_step_broadcast(kv)
        train_and_compare(kv)
    elif scenario in ("fail", "fail-early"):
        fail_in_training(kv)
    elif scenario == "mismatch":
        net = build_net(seed=1, hidden=16 + kv.rank, extra_layer=kv.rank == 1)
        trainer = gluon.Trainer(net.collect_params(), "sgd", kvstore="dist_sync")
        x, y = batches(1)
        forward_backward(net, x[0], y[0])
        trainer.step(BATCH)
    print(f"rank {kv.rank}: OK {scenario}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
