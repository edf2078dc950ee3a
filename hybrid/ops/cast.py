"""Casts for mixed precision (amp_cast, amp_multicast) and storage (cast_storage, dense only)."""

from __future__ import annotations

import numpy as np

from ..base import AttrError
from .attrs import Attr
from .registry import Op, Sample, register

_FLOATS = (np.float16, np.float32, np.float64)


def _is_float(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


@register
class AmpCast(Op):
    """``y = data.astype(dtype)`` for floating ``data``; other dtypes pass unchanged (MXNet's
    automatic mixed precision cast). The gradient is cast back to the input's dtype.
    """

    name = "amp_cast"
    attrs = (Attr("dtype", "dtype", choices=_FLOATS),)

    def infer(in_shapes, in_dtypes, dtype):
        x = in_dtypes[0]
        out = dtype if x is None or _is_float(x) else x
        return in_shapes, [in_shapes[0]], [np.dtype(out)]

    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype) if _is_float(x.dtype) else x.copy()

    def vjp(ctx, gy, dtype):
        return (gy.astype(ctx.dtype),)

    def samples(rng):
        return [Sample([rng.normal(size=(3, 4))], {"dtype": "float64"}),
                Sample([np.arange(4, dtype=np.int32)], {"dtype": "float16"})]


@register
class AmpMulticast(Op):
    """Casts every floating input to the widest floating dtype among them (the narrowest with
    ``cast_narrow``); other inputs pass unchanged. ``num_outputs`` is the number of inputs.
    """

    name = "amp_multicast"
    inputs = ("*data",)
    attrs = (Attr("num_outputs", "int"), Attr("cast_narrow", "bool", False))

    def num_outputs(attrs):
        return attrs["num_outputs"]

    def infer(in_shapes, in_dtypes, num_outputs, cast_narrow):
        if len(in_shapes) != num_outputs:
            raise AttrError(f"amp_multicast: num_outputs={num_outputs} but {len(in_shapes)} "
                            "inputs")
        floats = [np.dtype(d) for d in in_dtypes if d is not None and _is_float(d)]
        target = None
        if floats:
            target = (min if cast_narrow else max)(floats, key=lambda d: d.itemsize)
        outs = [target if d is not None and _is_float(d) else d for d in in_dtypes]
        return in_shapes, list(in_shapes), outs

    def forward(ctx, *xs, num_outputs, cast_narrow):
        _, _, dtypes = AmpMulticast.infer([x.shape for x in xs], [x.dtype for x in xs],
                                          num_outputs, cast_narrow)
        ctx.dtypes = [x.dtype for x in xs]
        return tuple(x.astype(d) for x, d in zip(xs, dtypes))

    def vjp(ctx, *gys, num_outputs, cast_narrow):
        return tuple(g.astype(d) for g, d in zip(gys, ctx.dtypes))

    def samples(rng):
        n = rng.normal
        return [Sample([n(size=(3,)), n(size=(2, 2)).astype(np.float32)], {"num_outputs": 2},
                       grad=(0,)),
                Sample([n(size=(3,)), np.arange(2, dtype=np.int32)],
                       {"num_outputs": 2, "cast_narrow": True}, grad=(0,))]


@register
class CastStorage(Op):
    """``data`` in storage type ``stype``. hybrid's arrays are dense, so only ``'default'`` (a
    copy) is supported; ``row_sparse`` and ``csr`` raise (see ``hybrid.api_coverage``).
    """

    name = "cast_storage"
    attrs = (Attr("stype", "str", choices=("default", "row_sparse", "csr")),)

    def infer(in_shapes, in_dtypes, stype):
        if stype != "default":
            raise AttrError(f"cast_storage: stype={stype!r} is sparse storage, which hybrid does "
                            "not have; only 'default' (dense) is supported")
        return in_shapes, [in_shapes[0]], [in_dtypes[0]]

    def forward(ctx, x, stype):
        return x.copy()

    def vjp(ctx, gy, stype):
        return (gy,)

    def samples(rng):
        return [Sample([rng.normal(size=(3, 4))], {"stype": "default"})]
