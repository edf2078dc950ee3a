"""Image iterators over corrupt records, the file iterators and hybrid-im2rec."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

import hybrid as mx
from hybrid import recordio
from hybrid.im2rec import main as im2rec
from hybrid.image._codec import ImageDecodeError, cv2

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet", "images")


def _png(value: int, shape=(12, 10, 3)) -> bytes:
    return cv2().imencode(".png", np.full(shape, value, np.uint8))[1].tobytes()


def _rec_with_bad(tmp_path) -> tuple[str, str]:
    rec, idx = str(tmp_path / "d.rec"), str(tmp_path / "d.idx")
    w = recordio.MXIndexedRecordIO(idx, rec, "w")
    for i in range(5):
        payload = b"not an image" if i == 2 else _png(i * 40)
        w.write_idx(i, recordio.pack(recordio.IRHeader(0, float(i), i, 0), payload))
    w.close()
    return rec, idx


def test_corrupt_image_names_the_record_or_is_skipped(tmp_path):
    rec, idx = _rec_with_bad(tmp_path)
    it = mx.io.ImageRecordIter(path_imgrec=rec, data_shape=(3, 8, 8), batch_size=5)
    with pytest.raises(ImageDecodeError, match=r"record 2 of .*d\.rec"):
        it.next()
    it = mx.image.ImageIter(2, (3, 8, 8), path_imgrec=rec, path_imgidx=idx, shuffle=True)
    with pytest.raises(ImageDecodeError, match=r"record with key 2 of .*d\.rec"):
        for _ in it:
            pass
    it = mx.io.ImageRecordIter(path_imgrec=rec, data_shape=(3, 8, 8), batch_size=2,
                               skip_bad=True)
    labels = [b.label[0].asnumpy().tolist() for b in it]
    assert labels == [[0.0, 1.0], [3.0, 4.0]]
    data = mx.io.ImageRecordIter(path_imgrec=rec, data_shape=(3, 8, 8), batch_size=2,
                                 skip_bad=True, round_batch=False).next().data[0].asnumpy()
    np.testing.assert_array_equal(data[1], np.full((3, 8, 8), 40.0))
    grey = mx.io.ImageRecordIter(path_imgrec=rec, data_shape=(1, 8, 8), batch_size=2,
                                 skip_bad=True, scale=1 / 255).next().data[0].asnumpy()
    assert grey.shape == (2, 1, 8, 8)
    np.testing.assert_allclose(grey[1], np.full((1, 8, 8), 40 / 255), rtol=1e-6)


def test_image_iter_from_list_pads_and_parts(tmp_path):
    for i in range(3):
        (tmp_path / f"{i}.png").write_bytes(_png(i * 50))
    items = [[float(i), f"{i}.png"] for i in range(3)]
    it = mx.image.ImageIter(2, (3, 8, 8), imglist=items, path_root=str(tmp_path))
    batches = list(it)
    assert [b.pad for b in batches] == [0, 1]
    assert batches[1].label[0].asnumpy().tolist() == [2.0, 0.0]
    it.reset()
    assert len(list(it)) == 2
    (tmp_path / "l.lst").write_text("".join(f"{i}\t{i}.0\t{i}.png\n" for i in range(3)))
    it = mx.image.ImageIter(1, (3, 8, 8), path_imglist=str(tmp_path / "l.lst"),
                            path_root=str(tmp_path), num_parts=3, part_index=1)
    assert [b.label[0].asnumpy().tolist() for b in it] == [[1.0]]


def test_im2rec_list_and_pack(tmp_path):
    root = tmp_path / "imgs"
    for cls, value in (("cat", 10), ("dog", 200)):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            (root / cls / f"{i}.png").write_bytes(_png(value + i, (16, 24, 3)))
    (root / "dog" / "notes.txt").write_text("skip me")
    prefix = str(tmp_path / "out" / "pets")
    im2rec([prefix, str(root), "--list", "--recursive", "--no-shuffle"])
    lines = (tmp_path / "out" / "pets.lst").read_text().splitlines()
    assert len(lines) == 6 and lines[0] == "0\t0.000000\tcat/0.png"
    assert lines[5] == "5\t1.000000\tdog/2.png"
    im2rec([prefix, str(root), "--resize", "8", "--encoding", ".png", "--num-thread", "2"])
    r = recordio.MXIndexedRecordIO(prefix + ".idx", prefix + ".rec", "r")
    assert r.keys == list(range(6))
    header, im = recordio.unpack_img(r.read_idx(4))
    assert header.label == 1.0 and header.id == 4 and im.shape == (8, 12, 3)
    assert (im == 201).all()
    im2rec([prefix, str(root), "--list", "--recursive", "--train-ratio", "0.5"])
    assert len((tmp_path / "out" / "pets_train.lst").read_text().splitlines()) == 3
    assert len((tmp_path / "out" / "pets_val.lst").read_text().splitlines()) == 3


def test_csv_libsvm_mnist_and_prefetching(tmp_path):
    data = np.arange(30, dtype=np.float32).reshape(5, 6)
    np.savetxt(tmp_path / "d.csv", data, delimiter=",")
    np.savetxt(tmp_path / "l.csv", np.arange(5), delimiter=",")
    it = mx.io.CSVIter(data_csv=str(tmp_path / "d.csv"), data_shape=(2, 3),
                       label_csv=str(tmp_path / "l.csv"), batch_size=2)
    batches = list(it)
    assert batches[0].data[0].shape == (2, 2, 3) and batches[-1].pad == 1
    np.testing.assert_array_equal(batches[2].data[0].asnumpy()[0], data[4].reshape(2, 3))
    np.testing.assert_array_equal(batches[1].label[0].asnumpy(), [2, 3])
    (tmp_path / "s.libsvm").write_text("1 0:1.5 3:2\n0 2:-1\n")
    b = mx.io.LibSVMIter(data_libsvm=str(tmp_path / "s.libsvm"), data_shape=(4,),
                         batch_size=2).next()
    np.testing.assert_array_equal(b.data[0].asnumpy(), [[1.5, 0, 0, 2], [0, 0, -1, 0]])
    np.testing.assert_array_equal(b.label[0].asnumpy(), [1, 0])
    with pytest.raises(mx.HybridError, match=r"no file .*nothing\.csv"):
        mx.io.CSVIter(data_csv=str(tmp_path / "nothing.csv"), data_shape=(6,))
    pre = mx.io.PrefetchingIter([mx.io.NDArrayIter(data, batch_size=2),
                                 mx.io.NDArrayIter(-data, batch_size=2)])
    for _ in range(2):
        got = list(pre)
        assert len(got) == 3
        np.testing.assert_array_equal(got[0].data[1].asnumpy(), -data[:2])
        pre.reset()
    images = np.random.default_rng(0).integers(0, 256, (6, 28, 28)).astype(np.uint8)
    _idx(tmp_path / "im", images, 3)
    _idx(tmp_path / "lb", np.arange(6, dtype=np.uint8), 1)
    batches = list(mx.io.MNISTIter(image=str(tmp_path / "im"), label=str(tmp_path / "lb"),
                                   batch_size=4, shuffle=False, flat=True))
    assert len(batches) == 1 and batches[0].data[0].shape == (4, 784)
    np.testing.assert_allclose(batches[0].data[0].asnumpy()[1], images[1].ravel() / 255.0)


def _idx(path, array: np.ndarray, ndim: int) -> None:
    head = bytes([0, 0, 0x08, ndim]) + np.asarray(array.shape, ">i4").tobytes()
    path.write_bytes(head + array.tobytes())


def test_random_crop_draws_from_python_random():
    src = mx.image.imdecode(open(os.path.join(FIX, "noise.jpg"), "rb").read())
    random.seed(1)
    a = mx.image.random_crop(src, (10, 10))[1]
    random.seed(1)
    assert mx.image.random_crop(src, (10, 10))[1] == a
