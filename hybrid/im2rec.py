"""``hybrid-im2rec``: make image lists and pack images into ``.rec``/``.idx`` record files, with
the arguments of MXNet's ``tools/im2rec.py``.

``hybrid-im2rec --list --recursive data/pets images/`` writes ``data/pets.lst`` (one line per
image: index, label, path relative to ``images/``; with ``--recursive`` each sub-folder is a
class, numbered in sorted order). ``hybrid-im2rec data/pets images/`` then packs every
``data/pets*.lst`` into ``.rec`` and ``.idx`` files beside it.
"""

from __future__ import annotations

import argparse
import os
import random
from collections.abc import Iterator
from multiprocessing import Pool
from typing import BinaryIO

from . import recordio
from ._files import write_atomic
from .base import HybridError
from .image._codec import ImageDecodeError, cv2, cv2_decode

__all__ = ["main", "list_images", "write_list", "pack_list"]


def list_images(root: str, recursive: bool, exts: list[str]) -> Iterator[tuple]:
    """``(index, relative path, label)`` of the images under ``root``, in sorted order."""
    exts = [e.lower() for e in exts]
    if not recursive:
        names = sorted(n for n in os.listdir(root) if os.path.splitext(n)[1].lower() in exts)
        for i, name in enumerate(names):
            yield i, name, 0
        return
    index, labels = 0, {}
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs.sort()
        for name in sorted(files):
            if os.path.splitext(name)[1].lower() not in exts:
                continue
            rel = os.path.relpath(os.path.join(folder, name), root)
            label = labels.setdefault(os.path.dirname(rel), len(labels))
            yield index, rel, label
            index += 1


def write_list(path: str, items: list) -> None:
    """An MXNet ``.lst`` file: ``index\\tlabel(s)\\tpath`` lines (written atomically)."""

    def write_lines(f: BinaryIO) -> None:
        for item in items:
            labels = "\t".join(f"{float(v):f}" for v in item[2:])
            f.write(f"{item[0]}\t{labels}\t{item[1]}\n".encode())

    write_atomic(path, write_lines)


def make_lists(args: argparse.Namespace) -> None:
    """Write ``prefix[_train|_val|_test].lst`` (split by ``train_ratio``/``test_ratio``)."""
    items = list(list_images(args.root, args.recursive, args.exts))
    if args.shuffle:
        random.seed(100)
        random.shuffle(items)
    n = len(items)
    chunk = (n + args.chunks - 1) // args.chunks
    for c in range(args.chunks):
        part = items[c * chunk : (c + 1) * chunk]
        name = args.prefix + (f"_{c}" if args.chunks > 1 else "")
        n_test = int(len(part) * args.test_ratio)
        n_train = int(len(part) * args.train_ratio)
        if args.test_ratio:
            write_list(name + "_test.lst", part[:n_test])
        if args.train_ratio + args.test_ratio < 1.0:
            write_list(name + "_val.lst", part[n_test + n_train :])
        train_name = name + ("_train.lst" if args.test_ratio or args.train_ratio < 1 else ".lst")
        write_list(train_name, part[n_test : n_test + n_train])


def read_list(path: str) -> Iterator[list]:
    """``[index, path, label, ...]`` items of a ``.lst`` file."""
    with open(path) as f:
        for n, line in enumerate(f):
            fields = line.strip().split("\t")
            if len(fields) < 3:
                raise HybridError(f"hybrid-im2rec: {path} line {n + 1}: expected "
                                  f"'index<TAB>label(s)<TAB>path', got {line.strip()!r}")
            yield [int(fields[0]), fields[-1]] + [float(v) for v in fields[1:-1]]


def _encode(job: tuple) -> tuple[int, bytes | None, str]:
    """One packed record, or None and the reason (the image is then left out)."""
    item, args = job
    path = os.path.join(args.root, item[1])
    label = item[2:] if args.pack_label and len(item) > 3 else item[2]
    header = recordio.IRHeader(0, label, item[0], 0)
    try:
        with open(path, "rb") as f:
            raw = f.read()
        if args.pass_through:
            return item[0], recordio.pack(header, raw), path
        img = cv2_decode(raw, args.color, path)
        if args.center_crop:
            h, w = img.shape[:2]
            side = min(h, w)
            img = img[(h - side) // 2 : (h + side) // 2, (w - side) // 2 : (w + side) // 2]
        if args.resize:
            h, w = img.shape[:2]
            size = ((args.resize, h * args.resize // w) if h > w
                    else (w * args.resize // h, args.resize))
            img = cv2().resize(img, size)
        return item[0], recordio.pack_img(header, img, args.quality, args.encoding), path
    except (OSError, ImageDecodeError) as e:
        return item[0], None, f"{path}: {e}"


def pack_list(lst: str, args: argparse.Namespace) -> int:
    """Pack the images of ``lst`` into ``<lst minus .lst>.rec`` and ``.idx``; returns the count."""
    base = os.path.splitext(lst)[0]
    record = recordio.MXIndexedRecordIO(base + ".idx", base + ".rec", "w")
    jobs = ((item, args) for item in read_list(lst))
    count = 0
    with Pool(args.num_thread) if args.num_thread > 1 else _Serial() as pool:
        for key, packed, where in pool.imap(_encode, jobs, chunksize=8):
            if packed is None:
                print(f"hybrid-im2rec: skipped {where}")
                continue
            record.write_idx(key, packed)
            count += 1
    record.close()
    return count


class _Serial:
    """The ``Pool`` interface, run in this process (``--num-thread 1``)."""

    def __enter__(self) -> _Serial:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @staticmethod
    def imap(fn, jobs, chunksize: int = 1):
        return map(fn, jobs)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Make an image list, or pack the images of image lists into record files.")
    p.add_argument("prefix", help="prefix of the .lst/.rec/.idx files (or a .lst file)")
    p.add_argument("root", help="folder the image paths are relative to")
    g = p.add_argument_group("list options")
    g.add_argument("--list", action="store_true", help="make an image list instead of packing")
    g.add_argument("--exts", nargs="+", default=[".jpeg", ".jpg", ".png"])
    g.add_argument("--chunks", type=int, default=1)
    g.add_argument("--train-ratio", type=float, default=1.0)
    g.add_argument("--test-ratio", type=float, default=0)
    g.add_argument("--recursive", action="store_true", help="one class per sub-folder")
    g.add_argument("--no-shuffle", dest="shuffle", action="store_false")
    g = p.add_argument_group("pack options")
    g.add_argument("--pass-through", action="store_true", help="store the files unchanged")
    g.add_argument("--resize", type=int, default=0, help="resize the shorter side to this")
    g.add_argument("--center-crop", action="store_true", help="crop the centre square")
    g.add_argument("--quality", type=int, default=95, help="JPEG quality or PNG compression")
    g.add_argument("--num-thread", type=int, default=1, help="encoding processes")
    g.add_argument("--color", type=int, default=1, choices=[-1, 0, 1])
    g.add_argument("--encoding", default=".jpg", choices=[".jpg", ".png"])
    g.add_argument("--pack-label", action="store_true", help="store all labels of a line")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.list:
        folder = os.path.dirname(args.prefix)
        if folder:
            os.makedirs(folder, exist_ok=True)
        make_lists(args)
        return
    if args.prefix.endswith(".lst"):
        lists = [args.prefix]
    else:
        folder = os.path.dirname(args.prefix) or "."
        stem = os.path.basename(args.prefix)
        lists = sorted(os.path.join(folder, n) for n in os.listdir(folder)
                       if n.startswith(stem) and n.endswith(".lst"))
    if not lists:
        raise SystemExit(f"hybrid-im2rec: no {args.prefix}*.lst file; make one with --list")
    for lst in lists:
        print(f"hybrid-im2rec: {lst}: {pack_list(lst, args)} images packed")


if __name__ == "__main__":
    main()
