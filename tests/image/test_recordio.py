"""Record files: round trips, byte compatibility with MXNet 1.9.1's fixtures both ways, errors."""

from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest

from hybrid import recordio
from hybrid.base import HybridError

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet", "images")
MAGIC = (0xCED7230A).to_bytes(4, "little")


def _fix(name: str) -> str:
    return os.path.join(FIX, name)


def test_round_trip_with_split_records(tmp_path):
    payloads = [b"", b"a", b"abcd" + MAGIC, MAGIC * 3, b"xy" + MAGIC + b"zz" + MAGIC + b"!",
                bytes(range(256)) * 3]
    path = str(tmp_path / "a.rec")
    w = recordio.MXRecordIO(path, "w")
    for p in payloads:
        w.write(p)
    w.close()
    assert os.path.getsize(path) % 4 == 0
    r = recordio.MXRecordIO(path, "r")
    assert [r.read() for _ in payloads] == payloads
    assert r.read() is None
    r.reset()
    assert r.read() == payloads[0]


def test_mxnet_written_records_read_identically():
    # mxnet.rec holds the fixture images packed by MXNet with labels 0, 2, 4...; key 7 an array
    # label and a payload with RecordIO's magic word (a split record), key 8 an empty record.
    r = recordio.MXIndexedRecordIO(_fix("mxnet.idx"), _fix("mxnet.rec"), "r")
    assert r.keys == [0, 1, 2, 3, 4, 7, 8]
    for key, name in enumerate(["ramp.jpg", "noise.jpg", "gray.jpg", "shapes.png", "tall.png"]):
        header, payload = recordio.unpack(r.read_idx(key))
        with open(_fix(name), "rb") as f:
            assert payload == f.read()
        assert (header.flag, header.label, header.id, header.id2) == (0, key * 2.0, key, 0)
    header, payload = recordio.unpack(r.read_idx(7))
    assert header.flag == 2 and header.id == 7 and header.id2 == 3
    np.testing.assert_array_equal(header.label, [4.0, 5.5])
    assert payload == MAGIC + b"hello" + MAGIC + b"!"
    assert r.read_idx(8) == b""


def test_hybrid_written_records_as_mxnet_read_them(tmp_path):
    with open(_fix("mxnet_read_hybrid.json")) as f:
        seen = json.load(f)["records"]
    # Writing the same records again gives the same bytes MXNet read.
    r = recordio.MXIndexedRecordIO(_fix("hybrid.idx"), _fix("hybrid.rec"), "r")
    w = recordio.MXIndexedRecordIO(str(tmp_path / "b.idx"), str(tmp_path / "b.rec"), "w")
    for key in r.keys:
        header, payload = recordio.unpack(r.read_idx(key))
        m = seen[str(key)]
        assert bytes.fromhex(m["payload_hex"]) == payload
        assert (m["flag"], m["id"], m["id2"]) == (header.flag, header.id, header.id2)
        np.testing.assert_array_equal(np.asarray(m["label"], np.float32), header.label)
        w.write_idx(key, recordio.pack(header._replace(flag=0), payload))
    w.close()
    for ext in ("rec", "idx"):
        with open(_fix(f"hybrid.{ext}"), "rb") as a, open(tmp_path / f"b.{ext}", "rb") as b:
            assert a.read() == b.read()


def test_truncated_and_corrupt_records_name_the_file(tmp_path):
    with open(_fix("mxnet.rec"), "rb") as f:
        raw = f.read()
    cut = tmp_path / "cut.rec"
    cut.write_bytes(raw[:1000])
    r = recordio.MXRecordIO(str(cut), "r")
    # mxnet.idx: records 0 and 1 start at bytes 0 and 820; the second one is cut.
    with pytest.raises(recordio.RecordError, match=r"cut\.rec ends inside a record .*: record 1 "
                       r"from the start, at byte offset 820"):
        while r.read() is not None:
            pass
    bad = tmp_path / "bad.rec"
    bad.write_bytes(b"\0" * 12)
    with pytest.raises(recordio.RecordError, match=r"bad\.rec has no record magic"):
        recordio.MXRecordIO(str(bad), "r").read()
    with pytest.raises(HybridError, match="no record file"):
        recordio.MXRecordIO(str(tmp_path / "none.rec"), "r")
    with pytest.raises(recordio.RecordError, match="fewer than"):
        recordio.unpack(b"abc")


def test_pack_img_and_pickling(tmp_path):
    img = np.zeros((6, 5, 3), np.uint8)
    img[..., 0] = 200  # blue in OpenCV's BGR order
    s = recordio.pack_img(recordio.IRHeader(0, [1, 2], 3, 0), img, img_fmt=".png")
    header, back = recordio.unpack_img(s)
    np.testing.assert_array_equal(back, img)
    np.testing.assert_array_equal(header.label, [1, 2])
    r = recordio.MXIndexedRecordIO(_fix("mxnet.idx"), _fix("mxnet.rec"), "r")
    r2 = pickle.loads(pickle.dumps(r))
    assert r2.read_idx(1) == r.read_idx(1)
