"""Image-folder loading throughput: hybrid's DataLoader beside PyTorch's, same data and transforms.

A synthetic image folder (``--images`` JPEGs of 320x240 in 4 class folders) is read by
``gluon.data.vision.ImageFolderDataset`` and by ``torchvision.datasets.ImageFolder``, each with
RandomResizedCrop(``--size``), a random horizontal flip, ToTensor and Normalize, and batched by
each framework's DataLoader with 0 and 2 workers (hybrid: worker threads, its default, and worker
processes that hand batches back through shared memory; PyTorch: worker processes). Each number is
images per second over ``--epochs`` full epochs after one warm-up epoch, best of ``--rounds``
rounds that alternate between the two; ratios are hybrid over PyTorch at the same number of
workers.

PyTorch runs in its own Python (it is not a hybrid dependency): pass ``--torch-python`` or set
``HYBRID_TORCH_PYTHON`` to a Python with torch and torchvision installed. Without it only hybrid's
numbers are printed. Run: ``python benchmarks/dataloader.py --torch-python /path/to/python``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def make_folder(root: str, n: int) -> None:
    """``n`` JPEGs (smooth colour fields with noise) in four class folders."""
    import cv2

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:240, 0:320]
    for i in range(n):
        folder = os.path.join(root, f"class{i % 4}")
        os.makedirs(folder, exist_ok=True)
        base = np.stack([x * rng.uniform(0.2, 0.8), y * rng.uniform(0.2, 1), (x + y) * 0.3], -1)
        img = np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)
        cv2.imwrite(os.path.join(folder, f"{i:05d}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 90])


def _time_epochs(loader, epochs: int, rounds: int, n: int) -> float:
    for _ in loader:  # warm-up: workers started, files in the page cache
        pass
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(epochs):
            for batch in loader:
                batch[0].shape  # noqa: B018  (touch the batch, as a training loop would)
        best = max(best, epochs * n / (time.perf_counter() - start))
    return best


def hybrid_side(args: argparse.Namespace) -> dict:
    from hybrid.gluon.data import DataLoader
    from hybrid.gluon.data.vision import ImageFolderDataset, transforms

    t = transforms.Compose([transforms.RandomResizedCrop(args.size),
                            transforms.RandomFlipLeftRight(), transforms.ToTensor(),
                            transforms.Normalize(MEAN, STD)])
    ds = ImageFolderDataset(args.root).transform_first(t)
    out = {}
    for name, workers, threads in (("0", 0, True), ("2 threads", 2, True),
                                   ("2 processes", 2, False)):
        loader = DataLoader(ds, batch_size=args.batch, shuffle=True, num_workers=workers,
                            thread_pool=threads, last_batch="keep")
        out[name] = _time_epochs(loader, args.epochs, args.rounds, len(ds))
    return out


def torch_side(args: argparse.Namespace) -> dict:
    import torch
    from torchvision import datasets
    from torchvision import transforms as T

    # NOTE: one intra-op thread, as PyTorch's own DataLoader workers use and as hybrid's OpenCV
    # calls run; its default thread pool spins on a loaded machine and slows the 0-worker loop.
    torch.set_num_threads(1)
    t = T.Compose([T.RandomResizedCrop(args.size), T.RandomHorizontalFlip(), T.ToTensor(),
                   T.Normalize(MEAN, STD)])
    ds = datasets.ImageFolder(args.root, transform=t)
    out = {}
    for workers in (0, 2):
        loader = torch.utils.data.DataLoader(ds, batch_size=args.batch, shuffle=True,
                                             num_workers=workers,
                                             persistent_workers=workers > 0)
        out[str(workers)] = _time_epochs(loader, args.epochs, args.rounds, len(ds))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", type=int, default=256)
    p.add_argument("--size", type=int, default=112)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--torch-python", default=os.environ.get("HYBRID_TORCH_PYTHON"))
    p.add_argument("--side", choices=["hybrid", "torch"], help=argparse.SUPPRESS)
    p.add_argument("--root", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.side:
        result = hybrid_side(args) if args.side == "hybrid" else torch_side(args)
        print(json.dumps(result))
        return
    sides = {"hybrid": sys.executable, "torch": args.torch_python}
    best: dict[str, dict] = {"hybrid": {}, "torch": {}}
    with tempfile.TemporaryDirectory() as root:
        make_folder(root, args.images)
        common = [__file__, "--root", root, "--rounds=1"] + [
            f"--{k}={getattr(args, k)}" for k in ("images", "size", "batch", "epochs")]
        # Rounds alternate between the frameworks, so a load change on a shared machine hits
        # both alike; each keeps its best round.
        for _ in range(args.rounds):
            for side, python in sides.items():
                if python is None:
                    continue
                out = subprocess.run([python, *common, "--side", side], check=True,
                                     capture_output=True, text=True).stdout
                for name, rate in json.loads(out).items():
                    best[side][name] = max(rate, best[side].get(name, 0.0))
    print(f"{args.images} JPEGs 320x240 -> RandomResizedCrop({args.size}), flip, ToTensor, "
          f"Normalize; batch {args.batch}; images/s (best of {args.rounds})")
    print(f"{'workers':<14}{'hybrid':>10}{'PyTorch':>10}{'ratio':>8}")
    for name, rate in best["hybrid"].items():
        ref = best["torch"].get(name.split()[0])
        cols = f"{ref:>10.0f}{rate / ref:>8.2f}" if ref else f"{'-':>10}{'-':>8}"
        print(f"{name:<14}{rate:>10.0f}{cols}")

if __name__ == "__main__":
    main()
