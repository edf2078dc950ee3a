"""Write the image and record-file fixtures of tests/fixtures/mxnet/images/ with real MXNet 1.9.1.

Run with MXNet's Python, giving hybrid's Python for the half that needs hybrid::

    /path/to/mxnet-venv/bin/python tools/mxnet_fixtures/make_images.py \
        --hybrid-python .venv/bin/python

hybrid's side (``--hybrid-side``) encodes the source images (small JPEGs and PNGs drawn with
numpy) and writes ``hybrid.rec``/``hybrid.idx``. MXNet's side then records: its decoding of every
image, a ``.rec``/``.idx`` pair written by ``mx.recordio``, what ``mx.recordio`` read from
hybrid's pair, the outputs of ``mx.image`` functions and augmenters (Python's ``random`` and
``numpy.random`` seeded before each), ``nd.image`` ops with deterministic arguments, and the first
batches of ``mx.image.ImageIter``, ``mx.io.ImageRecordIter`` and ``mx.image.ImageDetIter``, and
the detection augmenters' outputs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "mxnet", "images")
NAMES = ["ramp.jpg", "noise.jpg", "gray.jpg", "shapes.png", "tall.png"]
# Records whose payload holds RecordIO's magic word at aligned offsets (split records).
MAGIC = (0xCED7230A).to_bytes(4, "little")


def source_images() -> dict:
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:24, 0:32]
    ramp = np.stack([x * 8, y * 10, (x + y) * 4], -1)
    noise = np.clip(ramp + rng.normal(0, 25, ramp.shape), 0, 255)
    shapes = np.zeros((20, 28, 3))
    shapes[4:14, 3:12] = (250, 30, 30)
    shapes[8:18, 14:25] = (20, 200, 90)
    tall = rng.integers(0, 256, (30, 14, 3))
    return {"ramp.jpg": ramp, "noise.jpg": noise, "gray.jpg": noise.mean(-1),
            "shapes.png": shapes, "tall.png": tall}


def hybrid_side(out: str) -> None:
    from hybrid import recordio
    from hybrid.image._codec import cv2

    for name, img in source_images().items():
        img = img.astype(np.uint8)
        bgr = img[..., ::-1] if img.ndim == 3 else img
        ok, buf = cv2().imencode(os.path.splitext(name)[1], bgr, [cv2().IMWRITE_JPEG_QUALITY, 90])
        with open(os.path.join(out, name), "wb") as f:
            f.write(buf.tobytes())
    rec = recordio.MXIndexedRecordIO(os.path.join(out, "hybrid.idx"),
                                     os.path.join(out, "hybrid.rec"), "w")
    for i, name in enumerate(NAMES):
        with open(os.path.join(out, name), "rb") as f:
            rec.write_idx(i, recordio.pack(recordio.IRHeader(0, float(i), i, 0), f.read()))
    rec.write_idx(10, recordio.pack(recordio.IRHeader(0, [1.5, -2.0, 3.0], 10, 7),
                                    b"ab" * 2 + MAGIC + b"xyz" + MAGIC * 2 + b"q"))
    rec.close()


def mxnet_records(mx, out: str, images: dict) -> dict:
    """Write mxnet.rec/.idx; read hybrid.rec/.idx back; returns what MXNet read."""
    rec = mx.recordio.MXIndexedRecordIO(os.path.join(out, "mxnet.idx"),
                                        os.path.join(out, "mxnet.rec"), "w")
    for i, name in enumerate(NAMES):
        rec.write_idx(i, mx.recordio.pack(mx.recordio.IRHeader(0, float(i * 2), i, 0),
                                          images[name]))
    rec.write_idx(7, mx.recordio.pack(mx.recordio.IRHeader(0, [4.0, 5.5], 7, 3),
                                      MAGIC + b"hello" + MAGIC + b"!"))
    rec.write_idx(8, b"")
    rec.close()
    read = {}
    rec = mx.recordio.MXIndexedRecordIO(os.path.join(out, "hybrid.idx"),
                                        os.path.join(out, "hybrid.rec"), "r")
    for key in rec.keys:
        header, payload = mx.recordio.unpack(rec.read_idx(key))
        read[str(key)] = {"flag": int(header.flag), "label": np.asarray(header.label).tolist(),
                          "id": int(header.id), "id2": int(header.id2),
                          "payload_hex": payload.hex()}
    return read


def mxnet_image(mx, images: dict) -> dict:
    """Decoded pixels, mx.image functions, augmenters and nd.image ops."""
    img = mx.image
    out = {}
    for name, buf in images.items():
        out[f"decode/{name}"] = img.imdecode(buf).asnumpy()
        out[f"decode0/{name}"] = img.imdecode(buf, flag=0).asnumpy()
    src = img.imdecode(images["noise.jpg"])
    for interp in range(5):
        out[f"imresize/{interp}"] = img.imresize(src, 45, 17, interp=interp).asnumpy()
    out["resize_short"] = img.resize_short(src, 20).asnumpy()
    out["copyMakeBorder"] = img.copyMakeBorder(src, 1, 2, 3, 4, type=1).asnumpy()
    out["center_crop"] = img.center_crop(src, (20, 30))[0].asnumpy()
    out["fixed_crop"] = img.fixed_crop(src, 2, 3, 10, 12, (16, 16)).asnumpy()
    augs = {
        "ResizeAug": img.ResizeAug(16), "ForceResizeAug": img.ForceResizeAug((20, 10)),
        "RandomCropAug": img.RandomCropAug((16, 16)),
        "RandomSizedCropAug": img.RandomSizedCropAug((16, 16), 0.3, (0.75, 1.33)),
        "CenterCropAug": img.CenterCropAug((16, 16)),
        "BrightnessJitterAug": img.BrightnessJitterAug(0.4),
        "ContrastJitterAug": img.ContrastJitterAug(0.4),
        "SaturationJitterAug": img.SaturationJitterAug(0.4),
        "HueJitterAug": img.HueJitterAug(0.4),
        "ColorJitterAug": img.ColorJitterAug(0.3, 0.3, 0.3),
        "LightingAug": img.CreateAugmenter((3, 24, 32), pca_noise=0.1)[-1],
        "ColorNormalizeAug": img.ColorNormalizeAug(mx.nd.array([120, 110, 100]),
                                                   mx.nd.array([50, 60, 70])),
        "RandomGrayAug": img.RandomGrayAug(1.0), "HorizontalFlipAug": img.HorizontalFlipAug(1.0),
        "CastAug": img.CastAug(),
    }
    srcf = src.astype("float32")
    for k, (name, aug) in enumerate(augs.items()):
        random.seed(k)
        np.random.seed(k)
        out[f"aug/{name}"] = aug(srcf.copy()).asnumpy()
    random.seed(5)
    np.random.seed(5)
    chain = img.CreateAugmenter((3, 16, 16), resize=20, rand_crop=True, rand_mirror=True,
                                mean=True, std=True, brightness=0.2, contrast=0.2,
                                saturation=0.2, hue=0.1, pca_noise=0.05, rand_gray=0.2)
    x = src
    for aug in chain:
        x = aug(x)
    out["CreateAugmenter"] = x.asnumpy()
    return out


def mxnet_ops(mx, images: dict) -> dict:
    nd, out = mx.nd, {}
    src = mx.image.imdecode(images["noise.jpg"])
    t = nd.image.to_tensor(src)
    out["op/to_tensor"] = t.asnumpy()
    out["op/normalize"] = nd.image.normalize(t, (0.4, 0.5, 0.6), (0.2, 0.3, 0.4)).asnumpy()
    for interp in (0, 1):
        out[f"op/resize/{interp}"] = nd.image.resize(src, (45, 17), interp=interp).asnumpy()
        out[f"op/resize_f/{interp}"] = nd.image.resize(src.astype("float32"), (13, 9),
                                                       interp=interp).asnumpy()
    out["op/resize_keep"] = nd.image.resize(src, 12, keep_ratio=True).asnumpy()
    out["op/crop"] = nd.image.crop(src, 3, 2, 10, 7).asnumpy()
    out["imrotate/30"] = mx.image.imrotate(t, 30).asnumpy()
    out["imrotate/zoom_in"] = mx.image.imrotate(t, -50, zoom_in=True).asnumpy()
    out["imrotate/zoom_out"] = mx.image.imrotate(t, 70, zoom_out=True).asnumpy()
    out["imrotate/batch"] = mx.image.imrotate(nd.stack(t, t * 0.5),
                                              nd.array([15, 200])).asnumpy()
    out["op/flip_left_right"] = nd.image.flip_left_right(src).asnumpy()
    out["op/flip_top_bottom"] = nd.image.flip_top_bottom(src).asnumpy()
    out["op/adjust_lighting"] = nd.image.adjust_lighting(src, alpha=(0.5, -0.3, 0.8)).asnumpy()
    for name in ("brightness", "contrast", "saturation", "hue"):
        fn = getattr(nd.image, f"random_{name}")
        out[f"op/{name}"] = fn(src, 1.3, 1.3).asnumpy()
        out[f"op/{name}_f"] = fn(src.astype("float32"), 0.7, 0.7).asnumpy()
    return out


DET_LABEL = np.array([[0, 0.1, 0.2, 0.5, 0.6], [1, 0.4, 0.3, 0.9, 0.8]], np.float32)


def det_augs(img) -> dict:
    """The detection augmenters compared (built the same way on both sides)."""
    return {
        "DetHorizontalFlipAug": img.DetHorizontalFlipAug(1.0),
        "DetRandomCropAug": img.DetRandomCropAug(min_object_covered=0.3),
        "DetRandomPadAug": img.DetRandomPadAug(),
        "MultiRandCrop": img.CreateMultiRandCropAugmenter([0.1, 0.5], area_range=(0.2, 1.0)),
        "DetBorrowAug": img.DetBorrowAug(img.CastAug()),
    }


def mxnet_detection(mx, images: dict, out: str) -> dict:
    img, res = mx.image, {}
    src = img.imdecode(images["noise.jpg"])
    for k, (name, aug) in enumerate(det_augs(img).items()):
        random.seed(k)
        np.random.seed(k)
        data, label = aug(src, DET_LABEL.copy())
        res[f"det/{name}/data"], res[f"det/{name}/label"] = data.asnumpy(), np.asarray(label)
    random.seed(9)
    np.random.seed(9)
    x, label = src, DET_LABEL.copy()
    for aug in img.CreateDetAugmenter((3, 16, 16), rand_crop=1, rand_pad=0.5, rand_mirror=True,
                                      mean=True, std=True, brightness=0.1):
        x, label = aug(x, label)
    res["det/CreateDetAugmenter/data"], res["det/CreateDetAugmenter/label"] = x.asnumpy(), label
    rec = mx.recordio.MXIndexedRecordIO(os.path.join(out, "det.idx"),
                                        os.path.join(out, "det.rec"), "w")
    for i, name in enumerate(["ramp.jpg", "noise.jpg", "tall.png"]):
        objects = DET_LABEL[: 1 + i % 2].ravel()
        label = np.concatenate([[2, 5], objects]).astype(np.float32)
        rec.write_idx(i, mx.recordio.pack(mx.recordio.IRHeader(0, label, i, 0), images[name]))
    rec.close()
    it = img.ImageDetIter(2, (3, 16, 16), path_imgrec=os.path.join(out, "det.rec"),
                          path_imgidx=os.path.join(out, "det.idx"))
    batch = it.next()
    res["ImageDetIter/data"] = batch.data[0].asnumpy()
    res["ImageDetIter/label"] = batch.label[0].asnumpy()
    return res


def mxnet_iters(mx, out: str) -> dict:
    rec, idx = os.path.join(out, "mxnet.rec"), os.path.join(out, "mxnet.idx")
    it = mx.image.ImageIter(2, (3, 16, 16), path_imgrec=rec, path_imgidx=idx,
                            imglist=None, aug_list=[mx.image.CenterCropAug((16, 16)),
                                                    mx.image.CastAug()])
    it.seq = [0, 1, 3]
    it.num_image = 3
    it.reset()
    batch = it.next()
    res = {"ImageIter/data": batch.data[0].asnumpy(), "ImageIter/label": batch.label[0].asnumpy()}
    sub = os.path.join(out, "three.rec")
    w = mx.recordio.MXRecordIO(sub, "w")
    r = mx.recordio.MXIndexedRecordIO(idx, rec, "r")
    for key in (0, 1, 3):
        w.write(r.read_idx(key))
    w.close()
    it = mx.io.ImageRecordIter(path_imgrec=sub, data_shape=(3, 16, 16), batch_size=3,
                               mean_r=120, mean_g=110, mean_b=100, std_r=50, std_g=60, std_b=70,
                               preprocess_threads=1)
    batch = it.next()
    res["ImageRecordIter/data"] = batch.data[0].asnumpy()
    res["ImageRecordIter/label"] = batch.label[0].asnumpy()
    return res


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--hybrid-python", default=None)
    p.add_argument("--hybrid-side", action="store_true")
    p.add_argument("--out", default=OUT)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.hybrid_side:
        hybrid_side(args.out)
        return
    subprocess.run([args.hybrid_python, __file__, "--hybrid-side", "--out", args.out],
                   check=True)
    import mxnet as mx

    images = {}
    for name in NAMES:
        with open(os.path.join(args.out, name), "rb") as f:
            images[name] = f.read()
    read = mxnet_records(mx, args.out, images)
    with open(os.path.join(args.out, "mxnet_read_hybrid.json"), "w") as f:
        json.dump({"mxnet": mx.__version__, "records": read}, f, indent=1, sort_keys=True)
    arrays = {**mxnet_image(mx, images), **mxnet_ops(mx, images), **mxnet_iters(mx, args.out),
              **mxnet_detection(mx, images, args.out)}
    np.savez_compressed(os.path.join(args.out, "mxnet_outputs.npz"), **arrays)
    print(f"wrote {len(arrays)} arrays and {len(read)} records read by MXNet {mx.__version__}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
