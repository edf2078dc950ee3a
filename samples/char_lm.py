"""A character-level LSTM language model on Python's source, exported to ONNX and sampled.

The text ships with Python (no download); sampling runs in ONNX Runtime.

Run from the project root::

    python samples/char_lm.py --epochs 8 --out out/char_lm

The text is the source of a few standard-library modules (read with ``inspect.getsource``). The
network is an Embedding, a 2-layer ``gluon.rnn.LSTM`` and a Dense layer over the characters,
trained with Adam on windows of ``--seq-len`` characters; the perplexity of each epoch is printed
and falls. The hybridized network is then exported to ``char_lm.onnx`` in ``--out`` and text is
sampled character by character with :class:`hybrid.runtime.Predictor` (ONNX Runtime), checking
first that ONNX Runtime's next-character distribution equals the eager network's.
``--epochs 2 --max-chars 4000`` is a quick mode for smoke tests.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import time
from typing import Any

import numpy as np

import hybrid as mx
from hybrid import autograd, gluon
from hybrid.gluon import nn, rnn

MODULES = ("textwrap", "string", "fnmatch", "glob", "shlex", "difflib")


def load_text(max_chars: int) -> str:
    """The concatenated source of :data:`MODULES`, at most ``max_chars`` characters."""
    import importlib

    parts = [inspect.getsource(importlib.import_module(name)) for name in MODULES]
    return "".join(parts)[:max_chars]


class CharLM(gluon.HybridBlock):
    """Embedding -> LSTM (NTC) -> Dense: logits ``(batch, seq, vocab)`` from character ids
    ``(batch, seq)``.
    """

    def __init__(self, vocab: int, embed: int, hidden: int, layers: int, **kwargs: Any):
        super().__init__(**kwargs)
        with self.name_scope():
            self.embed = nn.Embedding(vocab, embed)
            self.lstm = rnn.LSTM(hidden, layers, layout="NTC", input_size=embed)
            self.out = nn.Dense(vocab, flatten=False, in_units=hidden)

    def hybrid_forward(self, F: Any, ids: Any) -> Any:
        return self.out(self.lstm(self.embed(ids)))


def windows(ids: np.ndarray, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping (input, next-character target) windows ``(count, seq_len)``."""
    count = (len(ids) - 1) // seq_len
    x = ids[: count * seq_len].reshape(count, seq_len)
    y = ids[1 : count * seq_len + 1].reshape(count, seq_len)
    return x.astype(np.float32), y.astype(np.float32)


def train(net: CharLM, x: np.ndarray, y: np.ndarray, args: argparse.Namespace) -> list[float]:
    """Adam on shuffled batches; returns the perplexity of each epoch."""
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": args.lr})
    rng = np.random.default_rng(args.seed)
    history = []
    for epoch in range(args.epochs):
        order = rng.permutation(len(x))
        total, count, start = 0.0, 0, time.perf_counter()
        for b in range(0, len(order), args.batch_size):
            idx = order[b : b + args.batch_size]
            data, label = mx.nd.array(x[idx]), mx.nd.array(y[idx])
            with autograd.record():
                loss = loss_fn(net(data), label)
            loss.backward()
            trainer.step(len(idx))
            total += float(loss.sum().asscalar())
            count += len(idx)
        history.append(float(np.exp(total / count)))
        print(
            f"epoch {epoch + 1}: perplexity {history[-1]:.2f} ({time.perf_counter() - start:.1f}s)",
            flush=True,
        )
    return history


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sample_onnx(
    predictor: Any, prompt: np.ndarray, length: int, rng: np.random.Generator, temperature: float
) -> np.ndarray:
    """Extend ``prompt`` (ids) by ``length`` characters drawn from ONNX Runtime's outputs; the
    model reads a window of the last ``len(prompt)`` characters (its exported input length).
    """
    ids, window = list(prompt), len(prompt)
    for _ in range(length):
        logits = predictor.predict(np.asarray([ids[-window:]], np.float32))[0, -1]
        ids.append(int(rng.choice(len(logits), p=softmax(logits / temperature))))
    return np.asarray(ids[len(prompt) :])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=8, help="training epochs")
    parser.add_argument("--seq-len", type=int, default=48, help="characters per window")
    parser.add_argument("--max-chars", type=int, default=60000, help="text length to train on")
    parser.add_argument("--batch-size", type=int, default=32, help="windows per batch")
    parser.add_argument("--hidden", type=int, default=128, help="LSTM hidden size")
    parser.add_argument("--layers", type=int, default=2, help="LSTM layers")
    parser.add_argument("--embed", type=int, default=32, help="embedding size")
    parser.add_argument("--lr", type=float, default=5e-3, help="Adam learning rate")
    parser.add_argument("--sample-chars", type=int, default=120, help="characters to sample")
    parser.add_argument("--temperature", type=float, default=0.8, help="sampling temperature")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--out", default="out/char_lm", help="folder for the model files")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Train, export and sample; returns the perplexities, both next-character distributions
    for the prompt and the sampled text.
    """
    from hybrid.export import to_onnx
    from hybrid.runtime import Predictor

    args = parse_args(argv)
    mx.random.seed(args.seed)
    text = load_text(args.max_chars)
    chars = sorted(set(text))
    ids = np.asarray([chars.index(c) for c in text])
    x, y = windows(ids, args.seq_len)
    print(f"{len(text)} characters, vocabulary {len(chars)}, {len(x)} windows of {args.seq_len}")
    net = CharLM(len(chars), args.embed, args.hidden, args.layers)
    net.initialize(mx.init.Xavier())
    net.hybridize()
    history = train(net, x, y, args)

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "char_lm.onnx")
    prompt = x[0, : args.seq_len // 2]
    to_onnx(net, path, example_inputs=[prompt[None]])
    with open(os.path.join(args.out, "char_lm_vocab.json"), "w") as f:
        json.dump(chars, f)
    predictor = Predictor(path)
    eager = softmax(net(mx.nd.array(prompt[None])).asnumpy()[0, -1])
    onnx = softmax(predictor.predict(prompt[None])[0, -1])
    print(
        f"next-character distribution, ONNX Runtime vs eager: max difference "
        f"{np.abs(onnx - eager).max():.2e}"
    )
    drawn = sample_onnx(
        predictor,
        prompt.astype(int),
        args.sample_chars,
        np.random.default_rng(args.seed),
        args.temperature,
    )
    sample = "".join(chars[i] for i in drawn)
    print("prompt: " + "".join(chars[int(i)] for i in prompt))
    print("sampled from ONNX Runtime:\n" + sample)
    return {
        "perplexity": history,
        "onnx_probs": onnx,
        "eager_probs": eager,
        "sample": sample,
        "onnx": path,
    }


if __name__ == "__main__":
    main()
