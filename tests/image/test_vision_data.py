"""Image datasets, transforms that hybridize, and rotations against MXNet's outputs."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

import hybrid as mx
from hybrid.gluon.data import DataLoader
from hybrid.gluon.data.vision import (
    ImageFolderDataset,
    ImageListDataset,
    ImageRecordDataset,
    transforms,
)
from hybrid.image._codec import ImageDecodeError

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet", "images")
REF = np.load(os.path.join(FIX, "mxnet_outputs.npz"))


def test_image_record_dataset_reads_mxnet_records(tmp_path):
    ds = ImageRecordDataset(os.path.join(FIX, "mxnet.rec"))
    assert len(ds) == 7
    data, label = ds[1]
    np.testing.assert_array_equal(data.asnumpy(), REF["decode/noise.jpg"])
    assert label == 2.0
    with pytest.raises(ImageDecodeError, match=r"record 5 \(key 7\) of .*mxnet\.rec"):
        ds[5]
    grey = ImageRecordDataset(os.path.join(FIX, "mxnet.rec"), flag=0,
                              transform=lambda x, y: (x.shape, y + 1))
    assert grey[0] == ((24, 32, 1), 1.0)


def test_image_folder_and_list_datasets(tmp_path):
    for cls, names in (("b", ["noise.jpg", "tall.png"]), ("a", ["ramp.jpg"])):
        (tmp_path / cls).mkdir()
        for n in names:
            shutil.copy(os.path.join(FIX, n), tmp_path / cls / n)
    (tmp_path / "b" / "readme.txt").write_text("x")
    (tmp_path / "stray.jpg").write_bytes(b"")
    with pytest.warns(UserWarning, match="Ignoring"):
        ds = ImageFolderDataset(str(tmp_path))
    assert ds.synsets == ["a", "b"] and [lb for _, lb in ds.items] == [0, 1, 1]
    img, label = ds[1]
    np.testing.assert_array_equal(img.asnumpy(), REF["decode/noise.jpg"])
    assert label == 1
    with pytest.raises(mx.HybridError, match=r"no folder .*nowhere"):
        ImageFolderDataset(str(tmp_path / "nowhere"))
    (tmp_path / "l.lst").write_text("3\t1.0\t2.0\tb/tall.png\n")
    lst = ImageListDataset(str(tmp_path), "l.lst")
    img, label = lst[0]
    assert img.shape == (30, 14, 3) and label.tolist() == [1.0, 2.0]
    assert len(ImageListDataset(str(tmp_path), [[0, "a/ramp.jpg"]])) == 1
    with pytest.raises(mx.HybridError, match=r"no image list .*missing\.lst"):
        ImageListDataset(str(tmp_path), "missing.lst")
    expected = os.path.join(str(tmp_path), "train-images-idx3-ubyte.gz")
    with pytest.raises(mx.HybridError, match="cannot find " + expected.replace(".", r"\.")):
        mx.gluon.data.vision.MNIST(root=str(tmp_path))


def test_compose_hybridizes_runs_of_hybrid_transforms():
    src = mx.image.imdecode(open(os.path.join(FIX, "noise.jpg"), "rb").read())
    pipeline = transforms.Compose([
        transforms.CenterCrop(20), transforms.Resize((16, 12)), transforms.ToTensor(),
        transforms.Normalize((0.4, 0.5, 0.6), (0.2, 0.3, 0.4)),
    ])
    assert isinstance(pipeline[1], mx.gluon.nn.HybridSequential) and pipeline[1]._active
    x = pipeline(src).asnumpy()
    crop = mx.image.center_crop(src, (20, 20), 1)[0]
    eager = mx.nd.image.normalize(mx.nd.image.to_tensor(mx.nd.image.resize(crop, (16, 12))),
                                  (0.4, 0.5, 0.6), (0.2, 0.3, 0.4))
    np.testing.assert_allclose(x, eager.asnumpy(), rtol=1e-6)
    assert x.shape == (3, 12, 16)
    jitter = transforms.HybridCompose([
        transforms.RandomFlipLeftRight(), transforms.RandomColorJitter(0.3, 0.3, 0.3, 0.1),
        transforms.RandomLighting(0.1), transforms.RandomBrightness(0.2),
        transforms.RandomContrast(0.2), transforms.RandomSaturation(0.2),
        transforms.RandomHue(0.05), transforms.RandomFlipTopBottom(),
    ])
    mx.random.seed(4)
    a = jitter(src).asnumpy()
    jitter.hybridize()
    mx.random.seed(4)
    b = jitter(src).asnumpy()
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.uint8 and a.shape == src.shape


def test_other_transforms():
    src = mx.image.imdecode(open(os.path.join(FIX, "noise.jpg"), "rb").read())
    t = mx.nd.image.to_tensor(src)
    np.testing.assert_allclose(transforms.Rotate(30)(t).asnumpy(), REF["imrotate/30"],
                               atol=1e-5)
    assert transforms.RandomRotation((-10, 10), rotate_with_proba=0.0)(t) is t
    assert transforms.RandomRotation((-10, 10))(t).shape == t.shape
    np.testing.assert_array_equal(
        transforms.CropResize(3, 2, 10, 7)(src).asnumpy(), REF["op/crop"])
    assert transforms.CropResize(3, 2, 10, 7, size=(5, 4))(src).shape == (4, 5, 3)
    assert transforms.RandomApply(transforms.Cast("float16"), p=1.0)(src).dtype == np.float16
    assert transforms.RandomApply(transforms.Cast("float16"), p=0.0)(src).dtype == np.uint8
    assert transforms.RandomResizedCrop(8)(src).shape == (8, 8, 3)


def test_dataloader_over_image_records():
    ds = ImageRecordDataset(os.path.join(FIX, "mxnet.rec"))
    good = ds.transform_first(transforms.Compose([transforms.Resize(8), transforms.ToTensor()]))
    sub = mx.gluon.data.SimpleDataset([good[i] for i in range(5)])
    x, y = next(iter(DataLoader(sub, batch_size=5)))
    assert x.shape == (5, 3, 8, 8) and y.asnumpy().tolist() == [0, 2, 4, 6, 8]
