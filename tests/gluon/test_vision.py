"""gluon.data.vision: dataset readers on small files written here in the real formats, and the
transforms against direct numpy computations.
"""

from __future__ import annotations

import gzip
import random
import struct

import numpy as np
import pytest

import hybrid as mx
from hybrid.base import HybridError
from hybrid.gluon.data import DataLoader
from hybrid.gluon.data.vision import CIFAR10, CIFAR100, MNIST, FashionMNIST, transforms

RNG = np.random.default_rng(0)


def _write_idx(path, array, gz):
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}i", *array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    if gz:
        with gzip.open(str(path) + ".gz", "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)


@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
@pytest.mark.parametrize("gz", [True, False], ids=["gzip", "raw"])
def test_mnist_reads_idx_files(tmp_path, cls, gz):
    images = RNG.integers(0, 256, (5, 28, 28))
    labels = np.array([3, 1, 4, 1, 5])
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", images, gz)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels, gz)
    ds = cls(root=str(tmp_path), train=False)
    assert len(ds) == 5
    x, y = ds[2]
    assert x.shape == (28, 28, 1) and x.dtype == np.uint8 and y == 4
    np.testing.assert_array_equal(x.asnumpy()[..., 0], images[2])
    flipped = cls(root=str(tmp_path), train=False, transform=lambda d, lab: (d, lab + 100))
    assert flipped[0][1] == 103
    with pytest.raises(HybridError, match="train-images-idx3-ubyte"):
        cls(root=str(tmp_path), train=True)


def test_truncated_idx_file_is_reported(tmp_path):
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", RNG.integers(0, 256, (2, 28, 28)), False)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([1, 2]), False)
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(HybridError, match="truncated"):
        MNIST(root=str(tmp_path), train=False)


def _cifar_records(n, label_bytes):
    labels = RNG.integers(0, 10, (n, label_bytes))
    chw = RNG.integers(0, 256, (n, 3, 32, 32))
    raw = np.concatenate([labels, chw.reshape(n, -1)], axis=1).astype(np.uint8)
    return raw.tobytes(), labels, chw


def test_cifar10_reads_binary_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    expected = []
    for i in range(1, 6):
        raw, labels, chw = _cifar_records(2, 1)
        (folder / f"data_batch_{i}.bin").write_bytes(raw)
        expected.append((labels[:, 0], chw))
    raw, test_labels, test_chw = _cifar_records(3, 1)
    (tmp_path / "test_batch.bin").write_bytes(raw)
    train = CIFAR10(root=str(tmp_path))
    assert len(train) == 10
    x, y = train[7]  # batch 4, record 1
    assert x.shape == (32, 32, 3) and y == expected[3][0][1]
    np.testing.assert_array_equal(x.asnumpy(), expected[3][1][1].transpose(1, 2, 0))
    test = CIFAR10(root=str(tmp_path), train=False)
    assert len(test) == 3 and test[2][1] == test_labels[2, 0]
    (tmp_path / "test_batch.bin").write_bytes(raw[:-5])
    with pytest.raises(HybridError, match="truncated"):
        CIFAR10(root=str(tmp_path), train=False)


def test_cifar100_fine_and_coarse_labels(tmp_path):
    raw, labels, _ = _cifar_records(4, 2)
    (tmp_path / "test.bin").write_bytes(raw)
    assert CIFAR100(root=str(tmp_path), train=False)[1][1] == labels[1, 0]
    assert CIFAR100(root=str(tmp_path), fine_label=True, train=False)[1][1] == labels[1, 1]
    with pytest.raises(HybridError, match="does not download"):
        CIFAR100(root=str(tmp_path / "nowhere"))


def test_to_tensor_normalize_cast():
    img = RNG.integers(0, 256, (4, 5, 3)).astype(np.uint8)
    t = transforms.ToTensor()(mx.nd.array(img, dtype=np.uint8))
    assert t.shape == (3, 4, 5) and t.dtype == np.float32
    np.testing.assert_allclose(t.asnumpy(), img.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    batch = transforms.ToTensor()(np.stack([img, img]))
    assert batch.shape == (2, 3, 4, 5)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    n = transforms.Normalize(mean, std)(t).asnumpy()
    expected = (img.transpose(2, 0, 1) / 255.0 - np.reshape(mean, (3, 1, 1))) / np.reshape(
        std, (3, 1, 1)
    )
    np.testing.assert_allclose(n, expected, rtol=1e-5)
    with pytest.raises(HybridError, match="channels"):
        transforms.Normalize((0.1, 0.2))(t)
    assert transforms.Cast("float16")(img).dtype == np.float16


def test_resize_nearest_and_bilinear():
    img = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    up = transforms.Resize((8, 2), interpolation=0)(img).asnumpy()  # (width, height)
    assert up.shape == (2, 8, 1)
    np.testing.assert_array_equal(up[0, :, 0], [0, 0, 1, 1, 2, 2, 3, 3])
    np.testing.assert_array_equal(up[1, :, 0], [8, 8, 9, 9, 10, 10, 11, 11])
    half = transforms.Resize(2)(img).asnumpy()[..., 0]
    # Bilinear at pixel centres: each output averages a 2x2 block.
    np.testing.assert_allclose(half, [[2.5, 4.5], [10.5, 12.5]])
    ramp = np.tile(np.arange(4, dtype=np.float32), (3, 1))[..., None]  # a linear ramp in x
    wide = transforms.Resize((8, 3))(ramp).asnumpy()[0, :, 0]
    np.testing.assert_allclose(wide[1:-1], (np.arange(1, 7) + 0.5) / 2 - 0.5)
    tall = transforms.Resize(4, keep_ratio=True)(np.zeros((10, 5, 3), np.uint8))
    assert tall.shape == (8, 4, 3) and tall.dtype == np.uint8
    with pytest.raises(HybridError, match="interp=4"):
        transforms.Resize(3, interpolation=4)(img)


def test_center_crop_and_flips():
    img = np.arange(6 * 8 * 1).reshape(6, 8, 1).astype(np.uint8)
    crop = transforms.CenterCrop((4, 2))(img).asnumpy()
    np.testing.assert_array_equal(crop, img[2:4, 2:6])
    big = transforms.CenterCrop(12)(img)
    assert big.shape == (12, 12, 1)
    mx.random.seed(0)
    flips = [transforms.RandomFlipLeftRight()(img).asnumpy() for _ in range(20)]
    assert any((f == img[:, ::-1]).all() for f in flips)
    assert any((f == img).all() for f in flips)
    assert all((f == img).all() or (f == img[:, ::-1]).all() for f in flips)
    tb = [transforms.RandomFlipTopBottom()(img).asnumpy() for _ in range(20)]
    assert all((f == img).all() or (f == img[::-1]).all() for f in tb)


def test_random_resized_crop_is_seeded_and_sized():
    img = RNG.integers(0, 256, (20, 30, 3)).astype(np.uint8)
    t = transforms.RandomResizedCrop((7, 5))
    # Crops draw from Python's random module, as MXNet's.
    random.seed(3)
    a = t(img).asnumpy()
    random.seed(3)
    b = t(img).asnumpy()
    assert a.shape == (5, 7, 3)
    np.testing.assert_array_equal(a, b)
    # With scale fixed to the whole image and ratio to the image's, the crop is the image.
    whole = transforms.RandomResizedCrop((30, 20), scale=(1.0, 1.0), ratio=(1.5, 1.5))
    np.testing.assert_array_equal(whole(img).asnumpy(), img)


def test_compose_in_a_data_pipeline(tmp_path):
    _write_idx(tmp_path / "train-images-idx3-ubyte", RNG.integers(0, 256, (6, 28, 28)), True)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", np.arange(6), True)
    pipeline = transforms.Compose(
        [transforms.Resize(14), transforms.ToTensor(), transforms.Normalize(0.5, 0.5)]
    )
    ds = MNIST(root=str(tmp_path)).transform_first(pipeline)
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    assert x.shape == (4, 1, 14, 14) and x.dtype == np.float32
    assert y.asnumpy().tolist() == [0, 1, 2, 3]
    assert -1.0 <= x.asnumpy().min() and x.asnumpy().max() <= 1.0
