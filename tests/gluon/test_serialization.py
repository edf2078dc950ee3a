"""nd.save / nd.load: round trips, atomic writes, and clear errors for damaged files."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

from hybrid import nd
from hybrid.serialization import FORMAT_KEY, ParameterFileError


def _arrays(rng: np.random.Generator) -> dict:
    return {
        "0.weight": nd.array(rng.normal(size=(3, 4)), dtype=np.float32),
        "0.bias": nd.array(rng.normal(size=(3,)), dtype=np.float64),
        "steps": nd.array([1, 2, 3], dtype=np.int64),
        "scalar": nd.array(2.5),
    }


def test_dict_round_trip_is_bit_exact(tmp_path):
    data = _arrays(np.random.default_rng(0))
    path = tmp_path / "a.params"
    nd.save(str(path), data)
    loaded = nd.load(str(path))
    assert isinstance(loaded, dict) and sorted(loaded) == sorted(data)
    for key, value in data.items():
        assert loaded[key].dtype == value.dtype
        assert loaded[key].shape == value.shape
        assert loaded[key].asnumpy().tobytes() == value.asnumpy().tobytes()


def test_list_and_single_array_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    items = [nd.array(rng.normal(size=(2, 2))) for _ in range(12)]
    nd.save(str(tmp_path / "l"), items)
    loaded = nd.load(str(tmp_path / "l"))
    assert isinstance(loaded, list) and len(loaded) == 12
    for a, b in zip(items, loaded):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    nd.save(str(tmp_path / "one"), items[0])
    (single,) = nd.load(str(tmp_path / "one"))
    np.testing.assert_array_equal(single.asnumpy(), items[0].asnumpy())


def test_save_leaves_no_temporary_files_and_replaces(tmp_path):
    path = tmp_path / "p.params"
    nd.save(str(path), {"a": nd.ones((2,))})
    nd.save(str(path), {"a": nd.zeros((3,))})
    assert os.listdir(tmp_path) == ["p.params"]
    assert nd.load(str(path))["a"].shape == (3,)


def test_failed_save_keeps_old_file(tmp_path):
    path = tmp_path / "p.params"
    nd.save(str(path), {"a": nd.ones((2,))})
    with pytest.raises(ParameterFileError, match="expected an NDArray"):
        nd.save(str(path), {"a": nd.ones((2,)), "b": "not an array"})
    assert os.listdir(tmp_path) == ["p.params"]
    np.testing.assert_array_equal(nd.load(str(path))["a"].asnumpy(), [1, 1])


@pytest.mark.parametrize("key", ["", "a/b", FORMAT_KEY, 3])
def test_bad_keys_are_rejected(tmp_path, key):
    with pytest.raises(ParameterFileError, match="cannot name an array"):
        nd.save(str(tmp_path / "x"), {key: nd.ones((1,))})


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "t.params"
    nd.save(str(path), _arrays(np.random.default_rng(2)))
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ParameterFileError, match="t.params"):
        nd.load(str(path))


def test_corrupted_member_is_detected(tmp_path):
    path = tmp_path / "c.params"
    nd.save(str(path), {"w": nd.array(np.arange(64, dtype=np.float32))})
    raw = bytearray(path.read_bytes())
    # Flip bytes inside the array data: the zip CRC check must catch it.
    start = raw.find(np.arange(64, dtype=np.float32).tobytes()[8:24])
    assert start > 0
    raw[start : start + 8] = b"\xff" * 8
    path.write_bytes(bytes(raw))
    with pytest.raises(ParameterFileError, match="corrupted"):
        nd.load(str(path))


def test_foreign_files_are_rejected(tmp_path):
    missing = tmp_path / "missing.params"
    with pytest.raises(ParameterFileError, match="no such file"):
        nd.load(str(missing))
    text = tmp_path / "text.params"
    text.write_text("hello")
    with pytest.raises(ParameterFileError, match="text.params"):
        nd.load(str(text))
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.ones(2))
    with pytest.raises(ParameterFileError, match="not written by hybrid"):
        nd.load(str(plain))
    npy = tmp_path / "one.npy"
    np.save(npy, np.ones(2))
    with pytest.raises(ParameterFileError, match="single .npy"):
        nd.load(str(npy))


def test_pickled_members_are_refused(tmp_path):
    path = tmp_path / "pickle.params"
    with zipfile.ZipFile(path, "w") as zf:
        with zf.open("w.npy", "w") as f:
            np.lib.format.write_array(f, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ParameterFileError, match="pickle.params"):
        nd.load(str(path))
