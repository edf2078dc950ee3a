"""Train the digits CNN of ``train_digits.py`` on several processes with ``kvstore='dist_sync'``.

Run from the project root, on 2 workers::

    hybrid-run -np 2 python samples/train_digits_distributed.py --epochs 12

or on one (the same program, for comparison)::

    python samples/train_digits_distributed.py --epochs 12

Each worker reads its own shard of the training set (``SplitSampler``) in batches of
``--batch-size / workers`` images; the Trainer sums the gradients over the workers and normalises
by the global batch, so 2 workers make the same steps on the same amount of data as one worker with
the whole batch and reach the same test accuracy (about 98%). Rank 0 prints the progress and the
test accuracy and writes the parameters to ``--out``. Requires the ``dist`` and ``samples`` extras.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import hybrid as mx
from hybrid import gluon, initializer, kvstore, metric
from hybrid.gluon.data import DataLoader, SplitSampler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_digits import build_net, evaluate, load_data, parse_args, train_epoch  # noqa: E402


def train_shard(
    net: gluon.Block, trainer: gluon.Trainer, data: DataLoader, kv: Any
) -> tuple[float, float]:
    """One pass over this worker's shard; returns the mean loss and the training accuracy over
    every worker's shard (summed through the kvstore).
    """
    # Each step passes this worker's batch: the Trainer normalises the summed gradient by it
    # times the number of workers (see Note [Distributed steps] in hybrid.gluon.trainer).
    accuracy = metric.Accuracy()
    total, _ = train_epoch(net, trainer, data, accuracy)
    counts = mx.nd.array([total, accuracy.sum_metric, accuracy.num_inst], dtype="float64")
    kv.pushpull("epoch_stats", counts)
    total, correct, seen = counts.asnumpy()
    return total / seen, correct / seen


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train on every worker of the job; returns the test accuracy and the trained net."""
    args = parse_args(argv)
    kv = kvstore.create("dist_sync")
    say = print if kv.rank == 0 else (lambda *a, **k: None)
    mx.random.seed(args.seed)
    train_set, test_set = load_data(args.limit)
    per_worker = max(1, args.batch_size // kv.num_workers)
    sampler = SplitSampler(len(train_set), num_parts=kv.num_workers, part_index=kv.rank)
    train_data = DataLoader(train_set, batch_size=per_worker, sampler=sampler)
    net = build_net()
    net.initialize(initializer.Xavier())
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": args.lr}, kvstore=kv)
    say(
        f"{kv.num_workers} worker(s), {len(sampler)} training images and batches of {per_worker} "
        "each"
    )
    start = time.perf_counter()
    for epoch in range(args.epochs):
        trainer.set_learning_rate(args.lr * 0.8**epoch)  # as train_digits.train
        loss, train_accuracy = train_shard(net, trainer, train_data, kv)
        say(f"epoch {epoch + 1}: loss {loss:.4f}, train accuracy {train_accuracy:.4f}")
    seconds = time.perf_counter() - start
    accuracy = evaluate(net, DataLoader(test_set, batch_size=256))
    say(
        f"test accuracy: {accuracy:.4f} ({len(test_set)} images, {kv.num_workers} worker(s), "
        f"trained in {seconds:.1f} s)"
    )
    if kv.rank == 0:
        os.makedirs(args.out, exist_ok=True)
        params = os.path.join(args.out, "digits_distributed.params")
        net.save_parameters(params)
        say(f"wrote {params}")
    return {"accuracy": accuracy, "net": net, "kvstore": kv}


if __name__ == "__main__":
    main()
