"""The gradient ops MXNet shows in ``nd.contrib`` (``backward_quadratic``, ``backward_index_copy``,
``backward_hawkesll``; ``backward_gradientmultiplier`` is an alias of ``_mul_scalar``): each is
its forward op's ``vjp`` run as an op of its own, taking the output gradient first and then the
forward op's inputs, and giving one gradient per input (zeros where the op gives none). No copy
of any rule is made.
"""

from __future__ import annotations

import numpy as np

from . import hawkes, scatter, ste  # noqa: F401  (the forward ops, registered first)
from .registry import Ctx, Op, Sample, get_op, register

__all__ = ["declare_backward", "BACKWARD_OPS"]


def declare_backward(forward_name: str, name: str) -> type[Op]:
    """Register ``name``: the VJP of the op ``forward_name`` as an op."""
    op = get_op(forward_name)

    def infer(in_shapes, in_dtypes, **attrs):
        return in_shapes, list(in_shapes[1:]), list(in_dtypes[1:])

    def forward(ctx, gy, *xs, **attrs):
        inner = Ctx()
        inner.needs_grad = (True,) * len(xs)
        op.forward(inner, *xs, **attrs)
        grads = op.vjp(inner, gy, **attrs)
        return tuple(np.zeros_like(x) if g is None else g.astype(x.dtype, copy=False)
                     for g, x in zip(grads, xs))

    def samples(rng):
        out = []
        for s in op.samples(rng):
            attrs = op.parse_attrs(s.attrs)
            shapes = [np.shape(x) for x in s.inputs]
            dtypes = [np.asarray(x).dtype for x in s.inputs]
            y_shape = op.infer(shapes, dtypes, **attrs)[1][0]
            out.append(Sample([rng.normal(size=y_shape), *s.inputs], s.attrs))
        return out

    body = {
        "name": name,
        "inputs": ("out_grad", *op.inputs),
        "attrs": op.attrs,
        "differentiable": False,
        "__doc__": f"The gradients of ``{forward_name}``'s inputs given the gradient of its "
        f"output (``out_grad``) and its inputs: ``{forward_name}``'s VJP as an op.",
        "num_outputs": staticmethod(lambda attrs: len(op.inputs)),
        "infer": infer,
        "forward": forward,
        "samples": samples,
        "xfail": {"onnx": "gradient ops have no ONNX form (exported models run inference)"},
    }
    return register(type(name, (Op,), body))


BACKWARD_OPS = {
    "_contrib_backward_quadratic": "_contrib_quadratic",
    "_contrib_backward_index_copy": "_contrib_index_copy",
    "_contrib_backward_hawkesll": "_contrib_hawkesll",
}
for _name, _forward in BACKWARD_OPS.items():
    declare_backward(_forward, _name)
