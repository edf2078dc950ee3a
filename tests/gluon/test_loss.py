"""gluon.loss: each loss against a plainly written numpy formula (with sample_weight and weight),
its gradient against finite differences in float64, and CTC against path enumeration.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import hybrid as mx
from hybrid import autograd
from hybrid.base import HybridError
from hybrid.gluon import loss as gloss

RNG = np.random.default_rng(0)
N = 4


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _mean_rest(x):
    return x.reshape(x.shape[0], -1).mean(axis=1)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


PRED = RNG.normal(size=(N, 3))
TARGET = RNG.normal(size=(N, 3))
SIGNS = np.sign(RNG.normal(size=(N, 3)))
BINARY = (RNG.random((N, 3)) > 0.5).astype(np.float64)
CLASSES = np.array([0, 2, 1, 2], dtype=np.float64)
DIST = _softmax(RNG.normal(size=(N, 3)))
PROB = RNG.uniform(0.1, 0.9, size=(N, 3))
COUNTS = np.array([[0, 1, 2], [3, 0, 5], [1, 1, 4], [2, 6, 0]], dtype=np.float64)
POS_W = np.array([[0.5, 2.0, 1.5]])
SW = RNG.uniform(0.5, 1.5, size=(N, 1))

# (id, loss block, inputs (pred first), numpy reference per-element loss before weighting and
# averaging; or a full reference when the loss does not average)
CASES = [
    ("L2", gloss.L2Loss(), [PRED, TARGET], lambda p, t: 0.5 * (t - p) ** 2),
    ("L1", gloss.L1Loss(), [PRED, TARGET], lambda p, t: np.abs(t - p)),
    (
        "SigmoidBCE",
        gloss.SigmoidBCELoss(),
        [PRED, BINARY],
        lambda p, z: -(z * np.log(_sigmoid(p)) + (1 - z) * np.log(1 - _sigmoid(p))),
    ),
    (
        "SigmoidBCE-pos_weight",
        gloss.SigmoidBinaryCrossEntropyLoss(),
        [PRED, BINARY, None, POS_W],
        lambda p, z: -(POS_W * z * np.log(_sigmoid(p)) + (1 - z) * np.log(1 - _sigmoid(p))),
    ),
    (
        "SigmoidBCE-from_sigmoid",
        gloss.SigmoidBCELoss(from_sigmoid=True),
        [PROB, BINARY, None, POS_W],
        lambda p, z: -(POS_W * z * np.log(p) + (1 - z) * np.log(1 - p)),
    ),
    (
        "SoftmaxCE",
        gloss.SoftmaxCrossEntropyLoss(),
        [PRED, CLASSES],
        lambda p, c: -np.log(_softmax(p))[np.arange(N), c.astype(int)][:, None],
    ),
    (
        "SoftmaxCE-dense",
        gloss.SoftmaxCELoss(sparse_label=False),
        [PRED, DIST],
        lambda p, d: -(d * np.log(_softmax(p))).sum(axis=1, keepdims=True),
    ),
    (
        "SoftmaxCE-from_logits-axis0",
        gloss.SoftmaxCrossEntropyLoss(axis=0, from_logits=True, batch_axis=1),
        [PRED.T, CLASSES],
        lambda p, c: -p[c.astype(int), np.arange(N)][None, :],
    ),
    (
        "Huber",
        gloss.HuberLoss(rho=0.7),
        [PRED, TARGET],
        lambda p, t: np.where(np.abs(t - p) > 0.7, np.abs(t - p) - 0.35, (t - p) ** 2 / 1.4),
    ),
    ("Hinge", gloss.HingeLoss(margin=0.5), [PRED, SIGNS], lambda p, s: np.maximum(0, 0.5 - p * s)),
    (
        "SquaredHinge",
        gloss.SquaredHingeLoss(),
        [PRED, SIGNS],
        lambda p, s: np.maximum(0, 1 - p * s) ** 2,
    ),
    ("Logistic", gloss.LogisticLoss(), [PRED, SIGNS], lambda p, s: np.log1p(np.exp(-p * s))),
    (
        "Logistic-binary",
        gloss.LogisticLoss(label_format="binary"),
        [PRED, BINARY],
        lambda p, z: np.log1p(np.exp(-p * (2 * z - 1))),
    ),
]


def _nd(x):
    if x is None or isinstance(x, mx.nd.NDArray):
        return x
    return mx.nd.array(x, dtype=np.float64)


def _call(block, inputs, sample_weight=None):
    # Gluon 1 blocks take positional inputs only; SigmoidBCE's pos_weight follows sample_weight.
    args = [_nd(x) for x in inputs[:2]] + [_nd(sample_weight)] + [_nd(x) for x in inputs[3:]]
    return block(*args)


@pytest.mark.parametrize("name,block,inputs,ref", CASES, ids=[c[0] for c in CASES])
def test_loss_matches_numpy_formula(name, block, inputs, ref):
    batch_axis = block._batch_axis
    elem = ref(*[x for x in inputs[:2]])
    if batch_axis == 1:
        elem = elem.T
    expected = _mean_rest(elem)
    got = _call(block, inputs).asnumpy()
    assert got.shape == (inputs[0].shape[batch_axis],)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
    if batch_axis == 0:
        weighted = _call(block, inputs, SW).asnumpy()
        np.testing.assert_allclose(weighted, _mean_rest(elem * SW), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("from_logits", [True, False])
def test_kldiv_sums_over_the_non_batch_axes(from_logits):
    # MXNet 1.9.1's KLDivLoss sums (its docstring says mean; its code sums).
    pred = RNG.normal(size=(N, 2, 3))
    dist = _softmax(RNG.normal(size=(N, 2, 3)))
    logp = np.log(_softmax(pred)) if not from_logits else np.log(_softmax(pred, axis=1))
    arg = pred if not from_logits else logp
    block = gloss.KLDivLoss(from_logits=from_logits, weight=2.0)
    got = block(_nd(arg), _nd(dist), _nd(SW.reshape(N, 1, 1))).asnumpy()
    elem = dist * (np.log(dist + 1e-12) - logp) * SW.reshape(N, 1, 1) * 2.0
    np.testing.assert_allclose(got, elem.reshape(N, -1).sum(axis=1), rtol=1e-6, atol=1e-9)


def test_scalar_weight_scales_the_loss():
    p, t = _nd(PRED), _nd(TARGET)
    base = gloss.L1Loss()(p, t).asnumpy()
    np.testing.assert_allclose(gloss.L1Loss(weight=3.0)(p, t).asnumpy(), 3 * base, rtol=1e-12)
    np.testing.assert_allclose(
        gloss.L2Loss(weight=2.0)(p, t).asnumpy(), _mean_rest((t.asnumpy() - PRED) ** 2)
    )


def test_triplet_loss():
    pos, neg = RNG.normal(size=(N, 3)), RNG.normal(size=(N, 3))
    got = gloss.TripletLoss(margin=0.3)(_nd(PRED), _nd(pos), _nd(neg)).asnumpy()
    d = ((pos - PRED) ** 2).sum(1) - ((neg - PRED) ** 2).sum(1)
    np.testing.assert_allclose(got, np.maximum(d + 0.3, 0), rtol=1e-10)


def test_cosine_embedding_loss():
    a, b = RNG.normal(size=(N, 5)), RNG.normal(size=(N, 5))
    label = np.array([1, -1, 1, -1], dtype=np.float64)
    got = gloss.CosineEmbeddingLoss(margin=0.1)(_nd(a), _nd(b), _nd(label)).asnumpy()
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    expected = np.where(label == 1, 1 - cos, np.maximum(0, cos - 0.1))
    assert got.shape == (N, 1)
    np.testing.assert_allclose(got[:, 0], expected, rtol=1e-10)


@pytest.mark.parametrize("from_logits,compute_full", [(True, False), (False, True)])
def test_poisson_nll_loss(from_logits, compute_full):
    pred = PROB * 3
    block = gloss.PoissonNLLLoss(from_logits=from_logits, compute_full=compute_full)
    got = block(_nd(pred), _nd(COUNTS), _nd(SW)).asnumpy()
    t = COUNTS
    loss = np.exp(pred) - t * pred if from_logits else pred - t * np.log(pred + 1e-8)
    if compute_full:
        safe = np.maximum(t, 1)
        loss = loss + np.where(
            t > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe), 0
        )
    np.testing.assert_allclose(got, (loss * SW).mean(), rtol=1e-10)


GRAD_CASES = [c for c in CASES if c[0] != "Huber"] + [
    ("Huber-smooth", gloss.HuberLoss(rho=10.0), [PRED, TARGET], None),
]


@pytest.mark.parametrize("name,block,inputs,ref", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_loss_gradient_matches_finite_differences(name, block, inputs, ref):
    rng = np.random.default_rng(1)
    sw = SW if block._batch_axis == 0 else None
    pred = _nd(inputs[0])
    pred.attach_grad()
    with autograd.record():
        out = _call(block, [pred, *inputs[1:]], sw)
    u = rng.normal(size=out.shape)
    out.backward(mx.nd.array(u, dtype=np.float64))
    v = rng.normal(size=inputs[0].shape)
    h = 1e-6

    def f(x):
        return float((_call(block, [x, *inputs[1:]], sw).asnumpy() * u).sum())

    numeric = (f(inputs[0] + h * v) - f(inputs[0] - h * v)) / (2 * h)
    analytic = float((pred.grad.asnumpy() * v).sum())
    assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def _ctc_brute_force(logits, label, blank):
    """-log of the summed probability of every frame path that collapses to ``label``."""
    probs = _softmax(logits)
    t, c = probs.shape
    total = 0.0
    for path in itertools.product(range(c), repeat=t):
        collapsed = [k for i, k in enumerate(path) if i == 0 or k != path[i - 1]]
        if [k for k in collapsed if k != blank] == list(label):
            total += np.prod(probs[np.arange(t), path])
    return -np.log(total)


def test_ctc_loss_matches_path_enumeration():
    rng = np.random.default_rng(3)
    pred = rng.normal(size=(3, 5, 4))  # NTC; channel 3 is the blank
    label = np.array([[0, 1, -1], [2, 2, -1], [1, -1, -1]], dtype=np.float64)
    got = gloss.CTCLoss()(_nd(pred), _nd(label)).asnumpy()
    expected = [
        _ctc_brute_force(pred[0], [0, 1], 3),
        _ctc_brute_force(pred[1], [2, 2], 3),
        _ctc_brute_force(pred[2], [1], 3),
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_ctc_loss_lengths_and_layouts():
    rng = np.random.default_rng(4)
    pred = rng.normal(size=(6, 2, 3))  # TNC
    label = np.array([[0, 1], [1, 1]], dtype=np.float64).T  # TN
    block = gloss.CTCLoss(layout="TNC", label_layout="TN", weight=2.0)
    got = block(_nd(pred), _nd(label), _nd(np.array([4.0, 6.0])), _nd(np.array([1.0, 2.0])))
    expected = [
        2 * _ctc_brute_force(pred[:4, 0], [0], 2),
        2 * _ctc_brute_force(pred[:, 1], [1, 1], 2),
    ]
    np.testing.assert_allclose(got.asnumpy(), expected, rtol=1e-10)


def test_bad_configuration_raises():
    with pytest.raises(HybridError, match="layout"):
        gloss.CTCLoss(layout="NCT")
    with pytest.raises(HybridError, match="label_format"):
        gloss.LogisticLoss(label_format="zero-one")
    with pytest.raises(HybridError, match="weight"):
        gloss.L1Loss(weight="heavy")


HYBRID_CASES = [c for c in CASES if c[0] != "SoftmaxCE-from_logits-axis0"] + [
    (
        "CosineEmbedding",
        gloss.CosineEmbeddingLoss(margin=0.1),
        [PRED, TARGET, np.array([1.0, -1.0, 1.0, -1.0])],
        None,
    ),
    ("PoissonNLL", gloss.PoissonNLLLoss(compute_full=True), [PRED, COUNTS], None),
    ("Triplet", gloss.TripletLoss(), [PRED, TARGET, SIGNS], None),
]


@pytest.mark.parametrize("name,block,inputs,ref", HYBRID_CASES, ids=[c[0] for c in HYBRID_CASES])
def test_hybridized_loss_equals_eager(name, block, inputs, ref):
    args = [_nd(x) for x in inputs]
    if len(args) == 4:  # SigmoidBCE: pos_weight follows sample_weight
        args[2] = _nd(SW)
    eager = block(*args).asnumpy()
    block.hybridize()
    try:
        hybridized = block(*args).asnumpy()
    finally:
        block.hybridize(False)
    np.testing.assert_allclose(hybridized, eager, rtol=1e-6, atol=1e-9)


def test_sdml_loss_is_kl_of_smoothed_identity_against_softmax_of_negative_distances():
    x1, x2 = RNG.normal(size=(N, 3)), RNG.normal(size=(N, 3))
    d = ((x1[:, None, :] - x2[None, :, :]) ** 2).sum(axis=2)
    logp = -d - np.log(np.exp(-d).sum(axis=1, keepdims=True))
    labels = np.where(np.eye(N) == 1, 0.7, 0.3 / (N - 1))
    expected = (labels * (np.log(labels + 1e-12) - logp)).sum(axis=1)
    block = gloss.SDMLLoss(smoothing_parameter=0.3)
    np.testing.assert_allclose(block(_nd(x1), _nd(x2)).asnumpy(), expected, rtol=1e-6)
    block.hybridize()
    np.testing.assert_allclose(block(_nd(x1), _nd(x2)).asnumpy(), expected, rtol=1e-6)
