"""``mx.test_utils``' checks of a Symbol: forward against expected values, backward against
expected gradients, gradients against finite differences, and agreement across dtypes.

A symbol runs through :meth:`Symbol.eval` (the graph executor); its gradients come from recording
that run with ``autograd`` and calling ``backward`` with the given output gradients, so the checks
exercise exactly what a hybridized block runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import autograd
from . import ndarray as nd
from .base import HybridError

__all__ = ["check_numeric_gradient", "check_symbolic_forward", "check_symbolic_backward",
           "check_consistency"]


def _named(names: list[str], values: Any, what: str) -> dict[str, np.ndarray]:
    """``values`` (a list in ``names`` order, or a dict) as a dict of numpy arrays."""
    if values is None:
        values = {}
    if isinstance(values, dict):
        missing = [n for n in names if n not in values]
        if missing:
            raise HybridError(f"{what}: no value for {missing} (expected {names})")
        return {n: _np(values[n]) for n in names}
    values = list(values)
    if len(values) != len(names):
        raise HybridError(f"{what}: {len(values)} arrays for {len(names)} names {names}")
    return {n: _np(v) for n, v in zip(names, values)}


def _np(value: Any) -> np.ndarray:
    return value.asnumpy() if hasattr(value, "asnumpy") else np.asarray(value)


def _arrays(values: dict, dtype: Any) -> dict[str, nd.NDArray]:
    """NDArrays of ``values``; ``dtype='asnumpy'`` keeps each array's own dtype."""
    return {k: nd.array(v, dtype=v.dtype if dtype == "asnumpy" else dtype)
            for k, v in values.items()}


def _inputs(sym: Any, location: Any, aux_states: Any, dtype: Any) -> tuple[dict, dict]:
    args = _arrays(_named(sym.list_arguments(), location, "location"), dtype)
    aux = _arrays(_named(sym.list_auxiliary_states(), aux_states, "aux_states"), dtype)
    return args, aux


def _run(sym: Any, args: dict, aux: dict, is_train: bool, out_grads: list | None = None,
         grad_req: dict | None = None) -> list:
    """Outputs of ``sym``; with ``out_grads`` also backward into the ``.grad`` of ``args``."""
    if out_grads is None:
        with autograd.train_mode() if is_train else autograd.predict_mode():
            return sym.eval(**args, **aux)
    with autograd.record(train_mode=is_train):
        outs = sym.eval(**args, **aux)
    if any(req != "null" for req in (grad_req or {}).values()):
        autograd.backward(outs, out_grads)
    return outs


def _attach(args: dict, grad_req: dict, initial: dict) -> None:
    for name, req in grad_req.items():
        if req == "null":
            continue
        args[name].attach_grad(req)
        args[name].grad[:] = initial[name]


def _grad_reqs(names: list[str], grad_req: Any) -> dict[str, str]:
    if isinstance(grad_req, str):
        return {n: grad_req for n in names}
    if isinstance(grad_req, dict):
        return {n: grad_req.get(n, "null") for n in names}
    return dict(zip(names, grad_req))


def check_symbolic_forward(sym: Any, location: Any, expected: Any, rtol: Any = None,
                           atol: Any = None, aux_states: Any = None, ctx: Any = None,
                           equal_nan: bool = False, dtype: Any = np.float32) -> list:
    """Assert that ``sym``'s outputs (inference mode) at ``location`` equal ``expected`` (a list
    in output order or a dict by output name); returns the outputs as numpy arrays."""
    from .test_utils import assert_almost_equal

    args, aux = _inputs(sym, location, aux_states, dtype)
    expected = _named(sym.list_outputs(), expected, "expected")
    outs = [o.asnumpy() for o in _run(sym, args, aux, is_train=False)]
    for name, got in zip(sym.list_outputs(), outs):
        assert_almost_equal(expected[name], got, rtol, atol, (f"EXPECTED_{name}",
                            f"FORWARD_{name}"), equal_nan=equal_nan)
    return outs


def check_symbolic_backward(sym: Any, location: Any, out_grads: Any, expected: Any,
                            rtol: Any = None, atol: Any = None, aux_states: Any = None,
                            grad_req: Any = "write", ctx: Any = None, grad_stypes: Any = None,
                            equal_nan: bool = False, dtype: Any = np.float32) -> dict:
    """Assert that the gradients of ``sym``'s arguments, given output gradients ``out_grads``
    (None: ones), equal ``expected`` (a list in argument order or a dict by name).

    ``grad_req`` per argument: 'write', 'add' (gradients are added to random starting values,
    and ``expected`` is compared with the difference) or 'null' (left untouched). Returns the
    gradients as numpy arrays by name.
    """
    from .test_utils import assert_almost_equal

    names = sym.list_arguments()
    args, aux = _inputs(sym, location, aux_states, dtype)
    reqs = _grad_reqs(names, grad_req)
    if isinstance(expected, dict):
        expected = {n: _np(v) for n, v in expected.items()}
    else:
        expected = {n: _np(v) for n, v in zip(names, expected)}
    initial = {n: np.random.normal(size=args[n].shape).astype(args[n].dtype) for n in names}
    _attach(args, reqs, initial)
    with autograd.predict_mode():
        shapes = [o.shape for o in sym.eval(**args, **aux)]
    if out_grads is None:
        grads = [nd.ones(s, dtype=args[names[0]].dtype) for s in shapes]
    else:
        grads = [nd.array(v, dtype=args[names[0]].dtype)
                 for v in _named(sym.list_outputs(), out_grads, "out_grads").values()]
    _run(sym, args, aux, is_train=True, out_grads=grads, grad_req=reqs)
    got = {n: args[n].grad.asnumpy() if reqs[n] != "null" else initial[n] for n in names}
    for name, want in expected.items():
        value = got[name]
        if reqs[name] == "add":
            value = value - initial[name]
        elif reqs[name] == "null":
            value = initial[name]
            want = initial[name]
        assert_almost_equal(want, value, rtol, atol, (f"EXPECTED_{name}",
                            f"BACKWARD_{name}"), equal_nan=equal_nan)
    return got


def check_numeric_gradient(sym: Any, location: Any, aux_states: Any = None,
                           numeric_eps: Any = None, rtol: Any = None, atol: Any = None,
                           grad_nodes: Any = None, use_forward_train: bool = True,
                           ctx: Any = None, grad_stype_dict: Any = None,
                           dtype: Any = np.float32) -> None:
    """Assert that backward agrees with central finite differences of
    ``sum(sym(location) * P)`` for a random projection ``P`` (MXNet's method), for the
    arguments in ``grad_nodes`` (default: all; a dict gives each a grad_req)."""
    from .test_utils import assert_almost_equal, default_numeric_eps, get_tolerance

    if np.dtype(dtype) not in (np.float16, np.float32, np.float64):
        raise HybridError(f"check_numeric_gradient: dtype must be a float type, got {dtype}")
    args, aux = _inputs(sym, location, aux_states, dtype)
    if grad_nodes is None or isinstance(grad_nodes, (list, tuple)):
        reqs = {n: "write" for n in (grad_nodes or sym.list_arguments())}
    else:
        reqs = dict(grad_nodes)
    initial = {n: np.random.normal(0, 0.01, size=args[n].shape) for n in reqs}
    _attach(args, reqs, initial)
    with autograd.train_mode():
        out = sym.eval(**args, **aux)
    if len(out) != 1:
        raise HybridError(f"check_numeric_gradient: the symbol has {len(out)} outputs, need 1")
    proj = np.random.rand(*out[0].shape) + 0.1
    _run(sym, args, aux, True, [nd.array(proj, dtype=out[0].dtype)], reqs)
    eps = get_tolerance(out[0], numeric_eps, default_numeric_eps())
    for name, req in reqs.items():
        sym_grad = args[name].grad.asnumpy() if req != "null" else initial[name]
        if req == "add":
            sym_grad = sym_grad - initial[name].astype(sym_grad.dtype)
        fd_grad = (initial[name] if req == "null"
                   else _finite_differences(sym, args, aux, name, proj, eps, use_forward_train))
        assert_almost_equal(fd_grad, sym_grad, rtol, atol,
                            (f"NUMERICAL_{name}", f"BACKWARD_{name}"))


def _finite_differences(sym: Any, args: dict, aux: dict, name: str, proj: np.ndarray,
                        eps: float, is_train: bool) -> np.ndarray:
    """d sum(sym * proj) / d args[name], one central difference per element."""
    base = args[name].asnumpy()
    grad = np.zeros(base.shape, dtype=base.dtype)
    probe = dict(args)

    def f(x: np.ndarray) -> float:
        probe[name] = nd.array(x, dtype=base.dtype)
        with autograd.train_mode() if is_train else autograd.predict_mode():
            (y,) = sym.eval(**probe, **aux)
        return float((y.asnumpy().astype(np.float64) * proj).sum())

    # NOTE: a loop over elements is the method here: each element needs its own two forwards.
    for i in range(base.size):
        x = base.copy()
        x.flat[i] += eps / 2
        up = f(x)
        x.flat[i] -= eps
        grad.flat[i] = (up - f(x)) / eps
    return grad


def check_consistency(sym: Any, ctx_list: list, scale: float = 1.0, grad_req: Any = "write",
                      arg_params: dict | None = None, aux_params: dict | None = None,
                      rtol: Any = None, atol: Any = None, raise_on_err: bool = True,
                      ground_truth: dict | None = None, equal_nan: bool = False,
                      use_uniform: bool = False, rand_type: Any = np.float64) -> dict:
    """Run ``sym`` (or one symbol per entry) once per entry of ``ctx_list`` (``{'ctx': cpu(),
    '<arg>': shape, 'type_dict': {'<arg>': dtype}}``) on the same random inputs and assert that
    outputs and gradients agree with the most precise entry's; returns that entry's values by
    name (outputs, then argument gradients)."""
    from .test_utils import assert_almost_equal

    if len(ctx_list) < 2:
        raise HybridError("check_consistency: give at least two entries in ctx_list")
    syms = sym if isinstance(sym, (list, tuple)) else [sym] * len(ctx_list)
    names, outputs = syms[0].list_arguments(), syms[0].list_outputs()
    runs = []
    for s, entry in zip(syms, ctx_list):
        entry = dict(entry)
        entry.pop("ctx").check_backend()
        types = entry.pop("type_dict", {})
        arg_shapes, _, aux_shapes = s.infer_shape(**entry)
        dtypes = {n: np.dtype(types.get(n, np.float32)) for n in names}
        runs.append((s, dict(zip(names, arg_shapes)), dtypes,
                     dict(zip(s.list_auxiliary_states(), aux_shapes))))
    arg_params = dict(arg_params or {})
    aux_params = dict(aux_params or {})
    for n in sorted(names):
        if n not in arg_params:
            shape = runs[0][1][n]
            arg_params[n] = (np.random.uniform(-0.92 * scale, 0.92 * scale, shape)
                             if use_uniform else np.random.normal(size=shape, scale=scale))
            arg_params[n] = arg_params[n].astype(rand_type)
    results = []
    for s, _, dtypes, aux_shapes in runs:
        args = {n: nd.array(arg_params[n], dtype=dtypes[n]) for n in names}
        aux = {n: nd.array(np.broadcast_to(aux_params.get(n, 0), shp), dtype=dtypes[names[0]])
               for n, shp in aux_shapes.items()}
        results.append((s, args, aux))
    precision = [np.dtype(dt[names[0]]).itemsize for _, _, dt, _ in runs]
    gt_idx = int(np.argmax(precision))
    reqs = _grad_reqs(names, grad_req)
    recorded = []
    for s, args, aux in results:
        _attach(args, reqs, {n: np.zeros(args[n].shape) for n in names})
        with autograd.record(train_mode=True):
            recorded.append(s.eval(**args, **aux))
    # Every run gets the same output gradients: the first run's outputs in the least precise
    # dtype, as MXNet does.
    least = min(precision)
    golden = [o.asnumpy().astype(f"f{least}") for o in recorded[0]]
    values = []
    for (_, args, _), outs in zip(results, recorded):
        if any(r != "null" for r in reqs.values()):
            autograd.backward(outs, [nd.array(g, dtype=o.dtype) for g, o in zip(golden, outs)])
        entry = {n: o.asnumpy() for n, o in zip(outputs, outs)}
        entry.update({n: args[n].grad.asnumpy() for n in names if reqs[n] != "null"})
        values.append(entry)
    gt = ground_truth if ground_truth is not None else values[gt_idx]
    for i, entry in enumerate(values):
        if i == gt_idx:
            continue
        for name, arr in entry.items():
            try:
                assert_almost_equal(arr, gt[name], rtol=rtol, atol=atol, equal_nan=equal_nan,
                                    names=(f"ctx{i}_{name}", f"ctx{gt_idx}_{name}"))
            except AssertionError:
                if raise_on_err:
                    raise
    return gt
