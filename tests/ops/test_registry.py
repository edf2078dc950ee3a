"""Every registered op is complete: rules, samples, docstring; the nd namespace matches the
registry.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import hybrid
from hybrid.ops.registry import REGISTRY, Op, all_ops

OPS = all_ops()


def _overrides(op: type[Op], method: str) -> bool:
    return getattr(op, method) is not getattr(Op, method)


@pytest.mark.parametrize("op", OPS, ids=lambda o: o.name)
def test_op_is_complete(op):
    assert _overrides(op, "forward"), f"{op.name} has no forward"
    assert _overrides(op, "infer"), f"{op.name} has no infer"
    assert _overrides(op, "vjp") or not op.differentiable, (
        f"{op.name} has no vjp and is not marked differentiable = False"
    )
    assert not (_overrides(op, "vjp") and not op.differentiable), (
        f"{op.name} is marked non-differentiable but defines a vjp"
    )
    assert op.samples(np.random.default_rng(0)), f"{op.name} declares no samples"
    assert op.__doc__ and op.__doc__.strip(), f"{op.name} has no docstring"


@pytest.mark.parametrize("op", OPS, ids=lambda o: o.name)
def test_nd_function_resolves_to_op(op):
    for key in (op.name, *op.aliases):
        fn = getattr(hybrid.nd, key)
        assert fn.__name__ == op.name
        assert fn.__doc__ == op.__doc__
        params = inspect.signature(fn).parameters
        for a in op.attr_specs:
            if a != "is_train":
                assert a in params, f"nd.{key} lacks attribute parameter {a}"


def test_registry_names_are_unique_and_canonical():
    names = [op.name for op in OPS]
    assert len(names) == len(set(names))
    for key, op in REGISTRY.items():
        assert key == op.name or key in op.aliases
