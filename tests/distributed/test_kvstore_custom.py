"""User-defined kvstores: ``KVStoreBase.register``, ``kv.create`` by name, the Trainer with one."""

from __future__ import annotations

import numpy as np
import pytest

import hybrid as mx
from hybrid import autograd, gluon
from hybrid.kvstore import KVStoreBase


def _two_copies() -> gluon.Parameter:
    p = gluon.Parameter("w", shape=(3,))
    p.initialize(ctx=[mx.cpu(0), mx.cpu(1)], init="zeros")
    with autograd.record():
        for i, w in enumerate(p.list_data()):
            ((w + 1) * (i + 1)).backward()
    return p


def test_a_registered_store_is_created_by_its_lowercase_name():
    calls = []

    @KVStoreBase.register
    class CountingStore(mx.kv.TestStore):
        def pushpull(self, key, value, out=None, priority=0):
            calls.append(key)
            super().pushpull(key, value, out, priority)

    try:
        kv = mx.kv.create("CountingStore")
        assert isinstance(kv, CountingStore) and kv.type == "teststore"
        p = _two_copies()
        trainer = gluon.Trainer([p], "sgd", {"learning_rate": 1.0}, kvstore=kv)
        trainer.step(1)
        assert calls == [0] and trainer._update_on_kvstore is False
        # Summed gradient 1 + 2 on every copy, then one SGD step from 0.
        for copy in p.list_data():
            np.testing.assert_array_equal(copy.asnumpy(), [-3.0, -3.0, -3.0])
    finally:
        del KVStoreBase.kv_registry["countingstore"]


def test_teststore_cannot_update_on_the_store():
    kv = mx.kv.create("teststore")
    assert not kv.is_capable(KVStoreBase.OPTIMIZER)
    with pytest.raises(ValueError, match="unknown capability"):
        kv.is_capable("magic")
    trainer = gluon.Trainer([_two_copies()], "sgd", kvstore=kv, update_on_kvstore=True)
    with pytest.raises(ValueError, match="cannot run the optimizer"):
        trainer._init_kvstore()


def test_registering_a_name_twice_warns():
    class Twice(mx.kv.TestStore):
        pass

    KVStoreBase.register(Twice)
    try:
        with pytest.warns(UserWarning, match="replaces"):
            KVStoreBase.register(Twice)
    finally:
        del KVStoreBase.kv_registry["twice"]
