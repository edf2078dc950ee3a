"""Legacy output heads of MXNet's Module era: SoftmaxOutput, the regression outputs, SVMOutput,
MakeLoss, and BlockGrad.

See Note [Loss head gradients].
"""

from __future__ import annotations

import numpy as np

from ..base import ShapeError
from .attrs import Attr
from .registry import Op, Sample, register

__all__: list[str] = []


# Note [Loss head gradients]
# An output head's forward is its inference output (softmax probabilities, the identity, a
# sigmoid) while its backward is the gradient of the loss it stands for, as MXNet computes it:
# the incoming head gradient is ignored (a head ends the network; ``backward()`` on it starts
# from ones). So the VJP is not the derivative of the forward: the finite-difference check is
# an expected failure (``_NOT_DERIVATIVE``), and tests/ops/test_mxnet_vision.py compares these
# gradients with real MXNet's instead. The label gets no gradient.
_NOT_DERIVATIVE = {"grad": "the VJP is the loss gradient, not the forward's derivative "
                   "(see Note [Loss head gradients])"}


class _Head(Op):
    """Family base: ``data`` and ``label``; the output has the data's shape."""

    inputs = ("data", "label")
    xfail = _NOT_DERIVATIVE
    completes = (1,)

    def label_shape(data: tuple, attrs: dict) -> tuple:
        return tuple(data)

    @classmethod
    def infer(cls, in_shapes, in_dtypes, **attrs):
        data = in_shapes[0]
        label = in_shapes[1] if len(in_shapes) > 1 else None
        if data is not None and 0 not in data:
            label = cls.check_label(data, label, attrs)
        return [data, label], [data], [in_dtypes[0]]

    @classmethod
    def check_label(cls, data: tuple, label: tuple | None, attrs: dict) -> tuple:
        expected = cls.label_shape(tuple(data), attrs)
        if label is None or 0 in label:
            return expected
        if tuple(label) != expected and int(np.prod(label)) != int(np.prod(data)):
            raise ShapeError(
                f"{cls.name}: label has shape {tuple(label)}, expected {expected} from data "
                f"{tuple(data)}"
            )
        return tuple(label)


def _softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over axis 1 of a 2-d or 3-d array."""
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@register
class SoftmaxOutput(_Head):
    """Softmax probabilities forward; the cross-entropy gradient ``p - onehot(label)`` backward
    (see Note [Loss head gradients]).

    The softmax runs over axis 1 of ``data`` flattened to ``(batch, -1)``; with
    ``multi_output`` over axis 1 of ``(batch, classes, d1, ...)`` for every position (label
    ``(batch, d1, ...)``); with ``preserve_shape`` over the last axis (label ``data.shape[:-1]``).
    A label of the data's shape is taken as target probabilities: gradient
    ``(p - label) * grad_scale``. ``use_ignore`` zeroes the gradient where ``label ==
    ignore_label``; ``smooth_alpha`` smooths the target (``1 - alpha`` on the label,
    ``alpha / (classes - 1)`` elsewhere); ``normalization`` divides by 1 (``null``), the number
    of labels (``batch``) or of non-ignored labels (``valid``); with ``multi_output`` the
    ``null`` and ``batch`` gradients are also divided by the number of positions, as MXNet's.
    ``out_grad`` multiplies the gradient by MXNet's head-gradient slot, which in MXNet 1.9.1
    holds the output itself. ``grad_scale`` scales the gradient.
    """

    name = "SoftmaxOutput"
    aliases = ("Softmax",)
    attrs = (
        Attr("grad_scale", "float", 1.0),
        Attr("ignore_label", "float", -1.0),
        Attr("multi_output", "bool", False),
        Attr("use_ignore", "bool", False),
        Attr("preserve_shape", "bool", False),
        Attr("normalization", "str", "null", choices=("null", "batch", "valid")),
        Attr("out_grad", "bool", False),
        Attr("smooth_alpha", "float", 0.0),
    )

    def label_shape(data, attrs):
        if attrs["multi_output"]:
            return (data[0],) + data[2:]
        return data[:-1]

    def forward(ctx, x, label, **attrs):
        if attrs["multi_output"]:
            view = x.reshape(x.shape[0], x.shape[1], -1)  # (N, K, positions)
        elif attrs["preserve_shape"]:
            view = x.reshape(-1, x.shape[-1])  # (rows, K)
        else:
            view = x.reshape(x.shape[0], -1)  # (N, K)
        ctx.p, ctx.label = _softmax(view), label
        return ctx.p.reshape(x.shape)

    def vjp(ctx, gy, **attrs):
        p, label = ctx.p, ctx.label
        if label.size == p.size:
            g = (p - label.reshape(p.shape)) * attrs["grad_scale"]
            return (g * p if attrs["out_grad"] else g).reshape(gy.shape), None
        multi = attrs["multi_output"]
        lab = label.reshape(p.shape[0], -1) if multi else label.reshape(-1)  # (N, P) or (N,)
        k = p.shape[1]
        idx = lab.astype(np.int64)
        hot = np.arange(k).reshape((1, k) + (1,) * (p.ndim - 2)) == np.expand_dims(idx, 1)
        alpha = attrs["smooth_alpha"]
        if alpha and not multi:
            g = p - np.where(hot, 1.0 - alpha, alpha / (k - 1))
        else:
            g = p - hot
        ignored = lab.astype(np.int64) == int(attrs["ignore_label"])
        if attrs["use_ignore"]:
            g = g * ~np.expand_dims(ignored, 1)
        norm = attrs["normalization"]
        count = 1
        if norm == "batch":
            count = lab.shape[0]
        elif norm == "valid":
            count = max(int(lab.size - ignored.sum()), 1)
        positions = p.shape[2] if multi and norm != "valid" else 1
        g = g * (attrs["grad_scale"] / positions / count)
        if attrs["out_grad"]:
            g = g * p
        return g.astype(gy.dtype, copy=False).reshape(gy.shape), None

    def samples(rng):
        x2, x3 = rng.normal(size=(4, 5)), rng.normal(size=(2, 3, 4))
        lab2 = np.array([0.0, 3.0, 4.0, 1.0])
        lab3 = np.array([[0.0, 2.0, 1.0, 1.0], [2.0, 0.0, 0.0, 1.0]])
        return [
            Sample([x2, lab2], grad=(0,)),
            Sample([x2, lab2], {"use_ignore": True, "ignore_label": 3, "normalization": "valid"},
                   grad=(0,)),
            Sample([x3, lab3], {"multi_output": True, "normalization": "batch"}, grad=(0,)),
            Sample([x3, rng.integers(0, 4, (2, 3)).astype(float)], {"preserve_shape": True},
                   grad=(0,)),
        ]


class _Regression(_Head):
    """Family base: an elementwise forward and ``grad_scale / outputs_per_row * dloss``."""

    attrs = (Attr("grad_scale", "float", 1.0),)

    def label_shape(data, attrs):
        return (data[0],) if len(data) == 2 and data[1] == 1 else data

    @classmethod
    def forward(cls, ctx, x, label, grad_scale):
        y = cls.transform(x)
        ctx.y, ctx.label = y, label
        return y

    @classmethod
    def vjp(cls, ctx, gy, grad_scale):
        label = ctx.label
        per_row = label.size // label.shape[0]
        g = cls.loss_grad(ctx.y, label.reshape(ctx.y.shape)) * (grad_scale / per_row)
        return g.astype(gy.dtype, copy=False), None

    def transform(x):
        return x.copy()

    def loss_grad(y, label):
        return y - label

    def samples(rng):
        x = rng.normal(size=(4, 3))
        return [
            Sample([x, rng.normal(size=(4, 3))], grad=(0,)),
            Sample([x[:, :1], rng.normal(size=4)], {"grad_scale": 2.0}, grad=(0,)),
        ]


@register
class LinearRegressionOutput(_Regression):
    """Identity forward; ``(y - label) * grad_scale / outputs_per_row`` backward (the squared
    loss; see Note [Loss head gradients]). The label has the data's shape (``(batch,)`` for
    data ``(batch, 1)``).
    """

    name = "LinearRegressionOutput"


@register
class MAERegressionOutput(_Regression):
    """Identity forward; ``sign(y - label) * grad_scale / outputs_per_row`` backward (the
    absolute loss; see Note [Loss head gradients]). Label shapes as LinearRegressionOutput.
    """

    name = "MAERegressionOutput"

    def loss_grad(y, label):
        return np.sign(y - label)


@register
class LogisticRegressionOutput(_Regression):
    """``y = sigmoid(x)`` forward; ``(y - label) * grad_scale / outputs_per_row`` backward (the
    logistic loss; see Note [Loss head gradients]). Label shapes as LinearRegressionOutput.
    """

    name = "LogisticRegressionOutput"

    def transform(x):
        return 1.0 / (1.0 + np.exp(-x))


@register
class SVMOutput(_Head):
    """Identity forward; the hinge-loss gradient backward (see Note [Loss head gradients]).

    With ``data`` ``(batch, classes)`` and integer ``label`` ``(batch,)``, for the label's class
    ``-c * [margin > x]`` (``use_linear``, L1-SVM) or ``-2c * max(margin - x, 0)`` (L2-SVM,
    default), and for the others ``c * [margin > -x]`` or ``2c * max(margin + x, 0)``, where
    ``c`` is ``regularization_coefficient``.
    """

    name = "SVMOutput"
    attrs = (
        Attr("margin", "float", 1.0),
        Attr("regularization_coefficient", "float", 1.0),
        Attr("use_linear", "bool", False),
    )

    def label_shape(data, attrs):
        return (data[0],)

    def forward(ctx, x, label, **attrs):
        ctx.x, ctx.label = x, label
        return x.copy()

    def vjp(ctx, gy, margin, regularization_coefficient, use_linear):
        x = ctx.x.reshape(ctx.x.shape[0], -1)
        hot = np.arange(x.shape[1]) == ctx.label.reshape(-1, 1).astype(np.int64)
        signed = np.where(hot, x, -x)  # the margin is violated where margin > signed
        if use_linear:
            g = (margin > signed).astype(x.dtype)
        else:
            g = 2 * np.maximum(margin - signed, 0)
        g = np.where(hot, -g, g) * regularization_coefficient
        return g.astype(gy.dtype, copy=False).reshape(gy.shape), None

    def samples(rng):
        x = rng.normal(size=(4, 3))
        lab = np.array([0.0, 2.0, 1.0, 2.0])
        return [Sample([x, lab], grad=(0,)),
                Sample([x, lab], {"use_linear": True, "margin": 0.5}, grad=(0,))]


@register
class MakeLoss(Op):
    """Identity forward; a constant gradient backward, whatever the head gradient (see Note
    [Loss head gradients]): ``grad_scale`` (``normalization='null'``), ``grad_scale / batch``
    (``'batch'``), or ``grad_scale / max(count(data > valid_thresh), 1)`` (``'valid'``).
    """

    name = "MakeLoss"
    xfail = _NOT_DERIVATIVE
    attrs = (
        Attr("grad_scale", "float", 1.0),
        Attr("valid_thresh", "float", 0.0),
        Attr("normalization", "str", "null", choices=("null", "batch", "valid")),
    )

    def infer(in_shapes, in_dtypes, **attrs):
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    def forward(ctx, x, grad_scale=1.0, valid_thresh=0.0, normalization="null"):
        ctx.x = x
        return x.copy()

    def vjp(ctx, gy, grad_scale=1.0, valid_thresh=0.0, normalization="null"):
        x = ctx.x
        scale = grad_scale
        if normalization == "batch":
            scale = grad_scale / x.shape[0]
        elif normalization == "valid":
            scale = grad_scale / max(int(np.count_nonzero(x > valid_thresh)), 1)
        return (np.full(x.shape, scale, dtype=gy.dtype),)

    def samples(rng):
        x = rng.normal(size=(4, 3))
        return [Sample([x], grad=(0,)),
                Sample([x], {"normalization": "valid", "grad_scale": 3.0}, grad=(0,)),
                Sample([x], {"normalization": "batch"}, grad=(0,))]


@register
class MakeLossUnary(MakeLoss):
    """Identity forward; gradient ones whatever the head gradient (MXNet's attribute-free
    ``make_loss``; ``MakeLoss`` is the form with scaling).
    """

    name = "make_loss"
    attrs = ()

    def samples(rng):
        return [Sample([rng.normal(size=(3, 2))], grad=(0,))]


@register
class BlockGrad(Op):
    """Identity forward; a zero gradient backward: nothing flows to ``data``."""

    name = "BlockGrad"
    xfail = _NOT_DERIVATIVE
    aliases = ("stop_gradient",)

    def infer(in_shapes, in_dtypes):
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    def forward(ctx, x):
        return x.copy()

    def vjp(ctx, gy):
        return (np.zeros_like(gy),)

    def samples(rng):
        return [Sample([rng.normal(size=(3, 4))], grad=(0,))]
