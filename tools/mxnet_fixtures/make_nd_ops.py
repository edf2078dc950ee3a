"""Record MXNet 1.9.1's outputs (and gradients) of tricky ``nd`` ops as ``.npz`` fixtures.

Run with a Python that has ``mxnet==1.9.1`` (not hybrid's venv)::

    python tools/mxnet_fixtures/make_nd_ops.py

Writes ``tests/fixtures/mxnet/nd_ops/<case>.npz``, each holding ``meta`` (JSON: the ``nd``
function path, attributes, which inputs have gradients), ``in<i>``, ``out<i>``, ``head<i>`` (the
head gradients used) and ``grad<i>``. ``tests/ops/test_mxnet_nd_ops.py`` replays them on hybrid.
"""

from __future__ import annotations

import json
import os
import pathlib
import tempfile

import mxnet as mx
import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "mxnet" / "nd_ops"
RNG = np.random.default_rng(0)


def _spd(n: int, batch: tuple = ()) -> np.ndarray:
    a = RNG.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _arr(*values) -> np.ndarray:
    return np.array(values, dtype=np.float64)


# (case name, nd function path, inputs, attrs, input indices to differentiate)
CASES = [
    ("rint", "rint", [_arr(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 1.7, -1.7)], {}, ()),
    ("fix", "fix", [_arr(-2.5, -1.5, -0.5, 0.5, 1.7, -1.7)], {}, ()),
    ("gamma", "gamma", [_arr(0.5, 1.0, 2.5, -0.5, -1.5, 0.0, -2.0, 7.3, -3.7)], {}, ()),
    ("gamma_grad", "gamma", [_arr(0.3, 0.7, 1.9, 4.2)], {}, (0,)),
    ("gammaln", "gammaln", [_arr(0.5, 1.0, 2.5, -0.5, -1.5, 0.0, -2.0, 7.3)], {}, ()),
    ("gammaln_grad", "gammaln", [_arr(0.3, 0.7, 1.9, 4.2)], {}, (0,)),
    ("erfinv", "erfinv", [_arr(-1.0, -0.5, 0.0, 0.3, 0.9, 1.0, 1.5)], {}, ()),
    ("erfinv_grad", "erfinv", [_arr(-0.7, 0.1, 0.6)], {}, (0,)),
    ("cbrt", "cbrt", [_arr(-8.0, -0.5, 0.0, 2.0, 27.0)], {}, ()),
    ("hard_sigmoid", "hard_sigmoid", [_arr(-4.0, -1.0, 0.3, 2.0, 3.0)],
     {"alpha": 0.3, "beta": 0.4}, (0,)),
    ("extracttrian_upper", "linalg.extracttrian", [RNG.normal(size=(2, 3, 3))],
     {"lower": False}, (0,)),
    ("extracttrian_offset", "linalg.extracttrian", [RNG.normal(size=(4, 4))], {"offset": 1}, ()),
    ("extracttrian_neg", "linalg.extracttrian", [RNG.normal(size=(4, 4))],
     {"offset": -1, "lower": False}, ()),
    ("maketrian_upper", "linalg.maketrian", [RNG.normal(size=(2, 6))], {"lower": False}, (0,)),
    ("maketrian_offset", "linalg.maketrian", [RNG.normal(size=(3,))], {"offset": 1}, ()),
    ("extractdiag", "linalg.extractdiag", [RNG.normal(size=(2, 4, 4))], {"offset": -1}, (0,)),
    ("makediag", "linalg.makediag", [RNG.normal(size=(2, 3))], {"offset": 2}, (0,)),
    ("syevd", "linalg.syevd", [_spd(3, (2,))], {}, (0,)),
    ("gelqf", "linalg.gelqf", [RNG.normal(size=(2, 3, 4))], {}, (0,)),
    ("potrf", "linalg.potrf", [_spd(3, (2,))], {}, (0,)),
    ("potri", "linalg.potri", [np.linalg.cholesky(_spd(3))], {}, (0,)),
    ("slogdet", "linalg.slogdet", [_spd(3) - 4 * np.eye(3)], {}, (0,)),
    ("det", "linalg.det", [RNG.normal(size=(2, 3, 3))], {}, (0,)),
    ("sumlogdiag", "linalg.sumlogdiag", [_spd(3, (2,))], {}, (0,)),
    ("inverse", "linalg.inverse", [_spd(3)], {}, (0,)),
    ("gemm_axis", "linalg.gemm",
     [RNG.normal(size=(3, 2, 4)), RNG.normal(size=(4, 2, 5)), RNG.normal(size=(3, 2, 5))],
     {"axis": 0, "alpha": 0.5, "beta": 2.0}, (0, 1, 2)),
    ("gemm2_t", "linalg.gemm2", [RNG.normal(size=(4, 3)), RNG.normal(size=(5, 4))],
     {"transpose_a": True, "transpose_b": True}, (0, 1)),
    ("trmm_right_upper", "linalg.trmm", [RNG.normal(size=(3, 3)), RNG.normal(size=(2, 3))],
     {"rightside": True, "lower": False, "transpose": True, "alpha": 2.0}, (0, 1)),
    ("trsm", "linalg.trsm",
     [np.tril(RNG.normal(size=(2, 3, 3))) + 3 * np.eye(3), RNG.normal(size=(2, 3, 2))],
     {"transpose": True, "alpha": 0.5}, (0, 1)),
    ("pdf_normal", "random_pdf_normal", [RNG.uniform(0, 2, (2, 3)), _arr(2.0, 3.0), _arr(0.5, 2.0)],
     {"is_log": True}, (0, 1, 2)),
    ("pdf_gamma", "random_pdf_gamma", [RNG.uniform(0.1, 3, (2, 3)), _arr(2.0, 3.0),
                                        _arr(0.5, 2.0)], {}, (0, 1, 2)),
    ("pdf_exponential", "random_pdf_exponential", [RNG.uniform(0, 3, (2, 3)), _arr(0.5, 2.0)],
     {}, (0, 1)),
    ("pdf_uniform", "random_pdf_uniform", [_arr(0.5, 1.5, 2.6, 1.0, 3.0, 0.2).reshape(2, 3),
                                            _arr(0.0, 1.0), _arr(2.8, 3.5)], {}, (1, 2)),
    ("pdf_poisson", "random_pdf_poisson", [_arr(0, 1, 3, 2, 0, 5).reshape(2, 3), _arr(0.5, 2.0)],
     {}, (1,)),
    ("pdf_negative_binomial", "random_pdf_negative_binomial",
     [_arr(0, 1, 3, 2, 0, 5).reshape(2, 3), _arr(2.0, 3.0), _arr(0.3, 0.6)], {"is_log": True},
     (1, 2)),
    ("pdf_generalized_negative_binomial", "random_pdf_generalized_negative_binomial",
     [_arr(0, 1, 3, 2, 0, 5).reshape(2, 3), _arr(2.0, 3.0), _arr(0.3, 0.6)], {}, (1, 2)),
    ("pdf_dirichlet", "random_pdf_dirichlet",
     [_arr(0.2, 0.3, 0.5, 0.1, 0.1, 0.8).reshape(1, 2, 3), _arr(1.5, 2.0, 3.0).reshape(1, 3)],
     {"is_log": True}, (0, 1)),
    ("im2col", "im2col", [RNG.normal(size=(2, 2, 5, 4))],
     {"kernel": (3, 3), "stride": (2, 1), "pad": (1, 1)}, (0,)),
    ("col2im", "col2im", [RNG.normal(size=(2, 18, 12))],
     {"output_size": (5, 4), "kernel": (3, 3), "stride": (2, 1), "pad": (1, 1)}, (0,)),
    ("hawkesll", "contrib.hawkesll",
     [RNG.uniform(0.5, 1.5, (3, 2)), _arr(0.3, 0.5), _arr(0.8, 1.7), RNG.uniform(0, 1, (3, 2)),
      RNG.uniform(0.1, 1.0, (3, 5)), np.array([[0, 1, 1, 0, 1], [1, 1, 0, 0, 0], [0, 0, 0, 1, 1]],
                                               np.int32), _arr(5, 3, 0), _arr(4.0, 3.5, 1.0)],
     {}, ()),
    ("syrk", "linalg.syrk", [RNG.normal(size=(2, 3, 4))], {"transpose": True, "alpha": 0.5},
     (0,)),
]


def _function(path: str):
    fn = mx.nd
    for part in path.split("."):
        fn = getattr(fn, part)
    return fn


def record(name: str, path: str, inputs: list, attrs: dict, grads: tuple) -> None:
    arrays = [mx.nd.array(x, dtype=x.dtype) for x in inputs]
    for i in grads:
        arrays[i].attach_grad()
    with mx.autograd.record():
        outs = _function(path)(*arrays, **attrs)
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    data = {f"in{i}": x for i, x in enumerate(inputs)}
    data.update({f"out{i}": o.asnumpy() for i, o in enumerate(outs)})
    if grads:
        heads = [RNG.normal(size=o.shape) for o in outs]
        mx.autograd.backward(outs, [mx.nd.array(h, dtype=np.float64) for h in heads])
        data.update({f"head{i}": h for i, h in enumerate(heads)})
        data.update({f"grad{i}": arrays[i].grad.asnumpy() for i in grads})
    meta = {"function": path, "attrs": attrs, "grads": list(grads)}
    data["meta"] = np.array(json.dumps(meta))
    fd, tmp = tempfile.mkstemp(dir=OUT, suffix=".npz")
    os.close(fd)
    np.savez(tmp, **data)
    os.replace(tmp, OUT / f"{name}.npz")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        record(*case)
    print(f"wrote {len(CASES)} fixtures to {OUT}")


if __name__ == "__main__":
    main()
