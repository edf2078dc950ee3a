"""In-process checks of the kvstore package: the local store's MXNet API, the bucket plan, the
Trainer's use of a KVStore object, SplitSampler and the launcher's command line.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import hybrid.kvstore
import hybrid.kvstore.local
from hybrid import autograd, gluon, kvstore, nd, optimizer
from hybrid import random as hrandom
from hybrid.base import HybridError
from hybrid.gluon.data import SplitSampler
from hybrid.gluon.data import sampler as sampler_module
from hybrid.kvstore import launch
from hybrid.kvstore.mpi import _bucket_plan


@pytest.mark.parametrize("module", [hybrid.kvstore, hybrid.kvstore.local])
def test_docstring_examples_run(module):
    failed, attempted = doctest.testmod(module)
    assert attempted > 0 and failed == 0


def test_split_sampler_docstring_example_runs():
    finder = doctest.DocTestFinder()
    (test,) = [t for t in finder.find(sampler_module) if t.name.endswith("SplitSampler")]
    result = doctest.DocTestRunner().run(test)
    assert result.attempted > 0 and result.failed == 0


def test_local_init_push_pull_sum_over_devices():
    kv = kvstore.create("local")
    assert (kv.type, kv.rank, kv.num_workers) == ("local", 0, 1)
    kv.init(["a", 7], [nd.ones((2,)), nd.full((3,), 2.0)])
    kv.push(["a", 7], [[nd.ones((2,)), nd.full((2,), 3.0)], nd.full((3,), 5.0)])
    outs = [nd.zeros((2,)), nd.zeros((2,))]
    kv.pull("a", out=outs)
    assert all(np.array_equal(o.asnumpy(), [4.0, 4.0]) for o in outs)
    out = nd.zeros((3,))
    kv.pull(7, out=out)
    assert np.array_equal(out.asnumpy(), [5.0, 5.0, 5.0])


def test_local_pushpull_in_place_with_out_and_store_update():
    kv = kvstore.create("device")
    kv.init(1, nd.zeros((2,)))
    value, out = nd.array([1.0, 2.0]), nd.zeros((2,))
    kv.pushpull(1, [value, nd.array([10.0, 20.0])], out=out)
    assert np.array_equal(out.asnumpy(), [11.0, 22.0])
    assert np.array_equal(value.asnumpy(), [1.0, 2.0]), "value is not touched when out is given"
    pulled = nd.zeros((2,))
    kv.pull(1, out=pulled)
    assert np.array_equal(pulled.asnumpy(), [11.0, 22.0]), "the stored value becomes the sum"
    devices = [nd.array([1.0, 1.0]), nd.array([2.0, 2.0])]
    kv.pushpull("fresh", devices)  # no init needed; every device gets the sum
    assert all(np.array_equal(d.asnumpy(), [3.0, 3.0]) for d in devices)
    with pytest.raises(HybridError, match="'fresh' has not been initialized"):
        kv.pull("fresh", out=pulled)


def test_local_broadcast_copies_value_and_leaves_store_alone():
    kv = kvstore.create()
    outs = [nd.zeros((2, 2)), nd.zeros((2, 2))]
    kv.broadcast("w", nd.full((2, 2), 3.0), outs)
    assert all((o.asnumpy() == 3.0).all() for o in outs)
    with pytest.raises(HybridError, match="'w' has not been initialized"):
        kv.pull("w", out=outs[0])


def test_local_errors_name_the_problem():
    kv = kvstore.create("local")
    kv.init(0, nd.ones((1,)))
    with pytest.raises(HybridError, match="duplicate init of key 0"):
        kv.init(0, nd.ones((1,)))
    with pytest.raises(HybridError, match="key 3 has not been initialized"):
        kv.push(3, nd.ones((1,)))
    with pytest.raises(HybridError, match="2 keys need a list of 2 values"):
        kv.pushpull([0, 1], [nd.ones((1,))])
    with pytest.raises(HybridError, match="NDArray or a list of NDArrays"):
        kv.pushpull(0, np.ones(1))
    with pytest.raises(HybridError, match="expected an Optimizer"):
        kv.set_optimizer(object())
    with pytest.raises(HybridError, match="'dist_async'.*supported: local, device, dist_sync"):
        kvstore.create("dist_async")


def test_bucket_plan_packs_small_arrays_per_dtype_and_keeps_big_ones_alone():
    f32, f64 = np.float32, np.float64
    arrays = [
        np.zeros(4, f32),  # 16 bytes
        np.zeros(2, f64),  # 16 bytes
        np.zeros(4, f32),
        np.zeros(16, f32),  # 64 bytes: alone, the open bucket stays open
        np.zeros(2, f32),  # 8 bytes: joins 0 and 2 (40 bytes)
        np.zeros(6, f64),  # 48 bytes: 16 + 48 > 48 -> new bucket
        np.zeros(8, f32),  # 32 bytes: 40 + 32 > 48 -> new bucket
        np.zeros(5, f32),  # 20 bytes: 32 + 20 > 48 -> new bucket
    ]
    assert _bucket_plan(arrays, 48) == [[0, 2, 4], [3], [6], [7], [1], [5]]
    assert _bucket_plan(arrays, 1 << 20) == [[0, 2, 3, 4, 6, 7], [1, 5]]
    # Arrays of at least direct_bytes are reduced alone even when a bucket could hold them.
    assert _bucket_plan(arrays, 1 << 20, 32) == [[0, 2, 4, 7], [3], [6], [1], [5]]
    assert _bucket_plan([], 48) == []


class CountingStore(hybrid.kvstore.local.LocalKVStore):
    """A local store that records its calls."""

    def __init__(self):
        super().__init__("local")
        self.calls = []

    def pushpull(self, key, value, out=None, priority=0):
        self.calls.append(("pushpull", key))
        super().pushpull(key, value, out, priority)

    def broadcast(self, key, value, out, priority=0):
        self.calls.append(("broadcast", key))
        super().broadcast(key, value, out, priority)


def _dense_step(net, trainer, batch=2):
    with autograd.record():
        loss = net(nd.ones((batch, 3))).sum()
    loss.backward()
    trainer.step(batch, ignore_stale_grad=True)  # the deferred layer has no gradient yet


def test_trainer_broadcasts_at_first_step_and_pushpulls_all_keys_in_one_call():
    net = gluon.nn.Dense(2, in_units=3)
    net.initialize()
    later = gluon.nn.Dense(2)  # its weight waits for deferred initialization
    later.initialize()
    params = {**net.collect_params(), **later.collect_params()}
    kv = CountingStore()
    trainer = gluon.Trainer(params, "sgd", {"learning_rate": 0.1}, kvstore=kv)
    assert kv.calls == [], "nothing happens before the first step"
    _dense_step(net, trainer)
    keys = sorted(params)  # the Trainer's indices follow the sorted names
    deferred = keys.index(later.weight.name)
    ready = [i for i in range(len(keys)) if i != deferred]
    assert kv.calls == [("broadcast", ready), ("pushpull", ready)]
    kv.calls.clear()
    with autograd.record():
        loss = net(nd.ones((2, 3))).sum() + later(nd.ones((2, 4))).sum()
    loss.backward()
    trainer.step(2)
    assert kv.calls == [("broadcast", [deferred]), ("pushpull", list(range(len(keys))))]


def test_trainer_rejects_unknown_kvstores_and_updates_on_dist_stores():
    p = gluon.Parameter("w", shape=(2,))
    p.initialize()
    with pytest.raises(HybridError, match="'dist_async' is not supported"):
        gluon.Trainer([p], "sgd", kvstore="dist_async")
    with pytest.raises(HybridError, match="update_on_kvstore=True .* every worker applies"):
        gluon.Trainer([p], "sgd", kvstore="dist_sync", update_on_kvstore=True)
    with pytest.raises(HybridError, match="has no pushpull"):
        gluon.Trainer([p], "sgd", kvstore=object())
    gluon.Trainer([p], "sgd", kvstore="device", update_on_kvstore=True)  # one process: ignored


def test_split_sampler_parts_are_disjoint_equal_and_reshuffled():
    hrandom.seed(0)
    parts = [SplitSampler(11, num_parts=3, part_index=i) for i in range(3)]
    seen = [list(p) for p in parts]
    assert [len(p) for p in parts] == [3, 3, 3]
    assert [sorted(s) for s in seen] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    passes = [list(parts[0]) for _ in range(6)]
    assert len({tuple(p) for p in passes}) > 1, "a new order on each pass"
    assert sorted(SplitSampler(4)) == [0, 1, 2, 3]
    with pytest.raises(HybridError, match="part_index=3, num_parts=3"):
        SplitSampler(10, num_parts=3, part_index=3)


def test_launcher_command_for_open_mpi(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("mpiexec", "ompi_info"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setattr(launch.sys, "executable", str(bin_dir / "python"))
    cmd, env = launch.mpiexec_command(3, ["python", "t.py", "--lr", "1"], extra=["--tag-output"])
    assert cmd == [
        str(bin_dir / "mpiexec"),
        "-n",
        "3",
        "--bind-to",
        "none",
        "--oversubscribe",
        "--tag-output",
        "python",
        "t.py",
        "--lr",
        "1",
    ]
    cmd, _ = launch.mpiexec_command(4, ["python", "t.py"], hostfile="hosts")
    assert cmd[3:] == ["--bind-to", "none", "--hostfile", "hosts", "python", "t.py"]
    (bin_dir / "ompi_info").unlink()  # MPICH's hydra: -f for the hostfile
    cmd, _ = launch.mpiexec_command(2, ["python", "t.py"], hostfile="hosts")
    assert cmd[1:] == ["-n", "2", "-f", "hosts", "python", "t.py"]
    with pytest.raises(HybridError, match="-np must be at least 1"):
        launch.mpiexec_command(0, ["python"])
    with pytest.raises(HybridError, match="no command given"):
        launch.mpiexec_command(2, [])


def test_launcher_splits_the_cores_between_local_workers_blas_threads(monkeypatch):
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(launch.os, "cpu_count", lambda: 8)
    _, env = launch.mpiexec_command(3, ["python", "t.py"])
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == "2"
    _, env = launch.mpiexec_command(16, ["python", "t.py"])
    assert env["MKL_NUM_THREADS"] == "1"
    _, env = launch.mpiexec_command(2, ["python", "t.py"], hostfile="hosts")
    assert "OPENBLAS_NUM_THREADS" not in env  # other machines have cores of their own
    monkeypatch.setenv("OMP_NUM_THREADS", "5")
    _, env = launch.mpiexec_command(2, ["python", "t.py"])
    assert env["OMP_NUM_THREADS"] == "5" and "OPENBLAS_NUM_THREADS" not in env


def test_local_store_runs_an_optimizer_on_push():
    # MXNet's local store: after set_optimizer, push updates the stored weight with the sum.
    kv = kvstore.create("local")
    assert kv.is_capable("optimizer")
    kv.init("w", nd.ones((2,)))
    kv.set_optimizer(optimizer.SGD(learning_rate=0.5))
    kv.push("w", [nd.ones((2,)), nd.ones((2,)) * 3])
    out = nd.zeros((2,))
    kv.pull("w", out=out)
    np.testing.assert_allclose(out.asnumpy(), [-1.0, -1.0])  # 1 - 0.5 * (1 + 3)
