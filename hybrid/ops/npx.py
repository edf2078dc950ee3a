"""MXNet's ``_npx_*`` ops: the names ``mx.npx`` functions call.

Most are the legacy ops under a second name (MXNet registers them with ``add_alias``), so here
they become aliases of the ops already registered (:data:`NPX_ALIASES`). Four are ops of their
own in MXNet 1.9.1 and here: ``_npx_reshape`` (numpy-extension reshape codes, below),
``_npx_nonzero``, ``_npx_constraint_check``, and ``_npx_relu``/``_npx_sigmoid``, which compute
what ``relu``/``sigmoid`` compute and so are aliases too.

Note [npx reshape codes]
``npx.reshape(a, newshape, reverse=False)`` reads ``newshape`` left to right with a cursor into
the input's dims; its codes differ from the legacy ``Reshape`` (Note [Reshape codes]):

- ``d >= 0``: the output dim is ``d``; the cursor moves past one input dim.
- ``-1``: infer this dim from the total size (at most one); the cursor moves past one input dim.
- ``-2``: copy the input dim under the cursor.
- ``-3``: drop the input dim under the cursor, which must be 1.
- ``-4``: copy every remaining input dim.
- ``-5``: merge the two input dims under the cursor into their product.
- ``-6, d1, d2``: split the input dim under the cursor into ``(d1, d2)``; one may be -1.

``reverse=True`` reads both right to left. The result is written in the same terms as the legacy
reshape's (:func:`hybrid.ops.shape.reshape_terms`) so the ONNX lowering reads run-time dims the
same way.
"""

from __future__ import annotations

import math

import numpy as np

from ..base import AttrError, HybridError, ShapeError
from ._util import split_terms, term_value
from .attrs import Attr
from .registry import REGISTRY, Op, Sample, register
from .shape import _Move

__all__ = [
    "NPX_ALIASES", "add_aliases", "ConstraintError", "npx_reshape_terms", "npx_reshape_target",
]


class ConstraintError(HybridError, ValueError):
    """``npx.constraint_check`` found a false element (MXNet reports ``ValueError: msg``)."""

# ``_npx_<name>`` -> the registered op MXNet 1.9.1 registers it on (``add_alias``).
NPX_ALIASES = {
    "_npx_activation": "Activation",
    "_npx_arange_like": "_contrib_arange_like",
    "_npx_batch_dot": "batch_dot",
    "_npx_batch_flatten": "Flatten",
    "_npx_batch_norm": "BatchNorm",
    "_npx_cast": "Cast",
    "_npx_convolution": "Convolution",
    "_npx_deconvolution": "Deconvolution",
    "_npx_dropout": "Dropout",
    "_npx_embedding": "Embedding",
    "_npx_erf": "erf",
    "_npx_erfinv": "erfinv",
    "_npx_fully_connected": "FullyConnected",
    "_npx_gamma": "gamma",
    "_npx_gammaln": "gammaln",
    "_npx_gather_nd": "gather_nd",
    "_npx_layer_norm": "LayerNorm",
    "_npx_leaky_relu": "LeakyReLU",
    "_npx_log_softmax": "log_softmax",
    "_npx_multibox_detection": "_contrib_MultiBoxDetection",
    "_npx_multibox_prior": "_contrib_MultiBoxPrior",
    "_npx_multibox_target": "_contrib_MultiBoxTarget",
    "_npx_one_hot": "one_hot",
    "_npx_pick": "pick",
    "_npx_pooling": "Pooling",
    "_npx_relu": "relu",
    "_npx_reshape_like": "reshape_like",
    "_npx_rnn": "RNN",
    "_npx_roi_pooling": "ROIPooling",
    "_npx_sequence_mask": "SequenceMask",
    "_npx_shape_array": "shape_array",
    "_npx_sigmoid": "sigmoid",
    "_npx_slice": "slice",
    "_npx_smooth_l1": "smooth_l1",
    "_npx_softmax": "softmax",
    "_npx_topk": "topk",
}


def add_aliases() -> None:
    """Register the names of :data:`NPX_ALIASES` (``hybrid/ops/__init__.py`` calls this once
    every op family is registered)."""
    for alias, target in NPX_ALIASES.items():
        op = REGISTRY[target]
        if REGISTRY.get(alias) is op:
            continue  # the op's own declaration already lists the name
        if alias in REGISTRY:
            raise HybridError(f"{alias} names {REGISTRY[alias].name}, expected {target}")
        REGISTRY[alias] = op
        op.aliases = (*op.aliases, alias)


def npx_reshape_terms(
    codes: tuple[int, ...], ndim: int, reverse: bool = False
) -> tuple[list, list[tuple[int, int, int]], list[int]]:
    """``npx.reshape`` codes (Note [npx reshape codes]) read against ``ndim`` input dims, as the
    legacy reshape's terms (see :func:`hybrid.ops.shape.reshape_terms`), the ``-6`` splits
    ``(j, d1, d2)``, and the input dims ``-3`` drops (each must be 1).
    """
    name = "_npx_reshape"
    seq = list(codes[::-1] if reverse else codes)
    out: list = []
    splits: list[tuple[int, int, int]] = []
    dropped: list[int] = []
    j = i = 0

    def take(k: int) -> list[int]:
        nonlocal j
        if j + k > ndim:
            raise ShapeError(f"{name}: newshape={codes} reads more dims than the input's {ndim}")
        j += k
        return [ndim - 1 - d if reverse else d for d in range(j - k, j)]

    while i < len(seq):
        c = seq[i]
        if c >= 0 or c == -1:
            if c == -1 and -1 in out:
                raise AttrError(f"{name}: newshape={codes}: one and only one dim can be inferred")
            out.append(c)
            j += 1
        elif c == -2:
            out += [("dim", d) for d in take(1)]
        elif c == -3:
            dropped += take(1)
        elif c == -4:
            out += [("dim", d) for d in take(ndim - j)]
        elif c == -5:
            out.append(("prod", min(take(2))))
        elif c == -6 and i + 2 < len(seq):
            d1, d2 = seq[i + 1 : i + 3]
            if (d1, d2) == (-1, -1) or not all(d > 0 or d == -1 for d in (d1, d2)):
                raise AttrError(f"{name}: newshape={codes}: -6 must be followed by two dims > 0, "
                                "one may be -1")
            (d0,) = take(1)
            splits.append((d0, d1, d2))
            out += split_terms(d0, d1, d2)
            i += 2
        else:
            raise AttrError(f"{name}: newshape={codes}: dimension sizes must be >= -6, "
                            f"got {c} at position {i}")
        i += 1
    return (out[::-1] if reverse else out), splits, dropped


def npx_reshape_target(codes: tuple[int, ...], shape: tuple, reverse: bool = False) -> tuple:
    """The output shape of ``npx.reshape(a, codes, reverse)`` for ``a`` of ``shape``."""
    terms, splits, dropped = npx_reshape_terms(codes, len(shape), reverse)
    where = f"_npx_reshape: cannot reshape array of shape {tuple(shape)} into shape {codes}"
    for j in dropped:
        if shape[j] != 1:
            raise ShapeError(f"{where}: -3 skips only a dim of size 1, got {shape[j]}")
    for j, d1, d2 in splits:
        d0, given = shape[j], d1 if d2 == -1 else d2
        if d0 % given if -1 in (d1, d2) else d1 * d2 != d0:
            raise ShapeError(f"{where}: -6 cannot split dim {d0} into ({d1}, {d2})")

    out = [term_value(t, shape) for t in terms]
    size = math.prod(shape)
    if -1 in terms:
        at = terms.index(-1)
        rest = math.prod(d for k, d in enumerate(out) if k != at)
        if rest == 0 or size % rest:
            raise ShapeError(where)
        out[at] = size // rest
    if math.prod(out) != size:
        raise ShapeError(where)
    return tuple(out)


@register
class NpxReshape(_Move):
    """``y = a`` with a new shape written in ``npx.reshape``'s codes (Note [npx reshape codes]
    in ``hybrid/ops/npx.py``): -1 infers, -2 copies a dim, -3 drops a dim of 1, -4 copies the
    rest, -5 merges two dims, -6 splits one; ``reverse`` reads right to left. Only C order.
    """

    name = "_npx_reshape"
    inputs = ("a",)
    attrs = (
        Attr("newshape", "shape"),
        Attr("reverse", "bool", False),
        Attr("order", "str", "C", choices=("C",)),
    )

    def infer(in_shapes, in_dtypes, newshape, reverse, order):
        a = in_shapes[0]
        if a is None or not all(a):
            return in_shapes, [None], [in_dtypes[0]]
        return in_shapes, [npx_reshape_target(newshape, tuple(a), reverse)], [in_dtypes[0]]

    def forward(ctx, a, newshape, reverse, order):
        ctx.shape = a.shape
        return a.reshape(npx_reshape_target(newshape, a.shape, reverse))

    def samples(rng):
        x = rng.normal(size=(2, 3, 4))
        return [
            Sample([x], {"newshape": (-2, -1)}),
            Sample([x], {"newshape": (-5, -4)}),
            Sample([x], {"newshape": (-2, -6, 3, -1, 2, 2)}),
            Sample([rng.normal(size=(2, 1, 4))], {"newshape": (-2, -3, 4)}),
            Sample([rng.normal(size=(10, 5, 4))], {"newshape": (-1, -2), "reverse": True}),
        ]


@register
class NpxNonzero(Op):
    """The indices of the non-zero elements of ``x``: int64 of shape ``(N, x.ndim)``, one row
    per element in row-major order (NumPy's ``np.transpose(np.nonzero(x))``). ``N`` depends on
    the values.
    """

    name = "_npx_nonzero"
    inputs = ("a",)
    differentiable = False

    def infer(in_shapes, in_dtypes):
        x = in_shapes[0]
        return in_shapes, [None if x is None else (0, len(x))], [np.dtype(np.int64)]

    def forward(ctx, x):
        return np.argwhere(x).astype(np.int64)

    def samples(rng):
        return [
            Sample([np.array([[0.0, 1.5, 0], [2, 0, -1]])]),
            Sample([(rng.uniform(size=(2, 3, 4)) > 0.5).astype(np.float64)]),
        ]


@register
class NpxConstraintCheck(Op):
    """``True`` (a 0-d bool array) when every element of ``x`` is true; otherwise raises
    ``ValueError`` with ``msg``. Used to guard arguments (``scale * constraint_check(scale > 0)``).
    """

    name = "_npx_constraint_check"
    inputs = ("x",)
    differentiable = False
    attrs = (Attr("msg", "str", "Constraint violated."),)

    def infer(in_shapes, in_dtypes, msg):
        return in_shapes, [()], [np.dtype(np.bool_)]

    def forward(ctx, x, msg):
        if not np.all(x):
            raise ConstraintError(f"ValueError: {msg}")
        return np.array(True)

    def samples(rng):
        return [Sample([np.ones((2, 3), np.bool_)], {"msg": "positive"})]
