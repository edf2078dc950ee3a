"""The ONNX package's own backend node test cases, run through ``from_onnx`` for every ONNX op
type the importer maps.

The cases are generated in the test run from the Python definitions the onnx wheel ships
(``onnx.backend.test.case.node``), never downloaded. Each case's single-node model is imported,
run eagerly and compared with the case's numpy reference outputs. Operands that hybrid reads as
attributes (shapes, axes, pads, ...) are graph inputs in the node tests; the harness turns them
into initializers from the case's data, which is what a real model holds.

``KNOWN_UNSUPPORTED`` lists the cases a mapped op does not cover, each with the reason; such a
case must still fail (a case that starts passing fails the test, so the list cannot go stale).
``test_summary_table`` prints the pass count per op.
"""

from __future__ import annotations

import collections
import functools
import re
import warnings

import numpy as np
import onnx
import pytest
from hybrid.export.import_rules import RULES
from hybrid.export.import_rules.shape_folding import FOLDS
from hybrid.export.importer import CONSTANT_NODES, from_onnx
from onnx import numpy_helper

import hybrid

# Input indices of operands read as attributes, per op type (see the module docstring).
SHAPE_OPERANDS = {
    "Reshape": (1,), "Expand": (1,), "Tile": (1,), "Squeeze": (1,), "Unsqueeze": (1,),
    "Split": (1,), "Slice": (1, 2, 3, 4), "Pad": (1, 2, 3), "Clip": (1, 2), "Dropout": (1, 2),
    "ReduceSum": (1,), "ReduceMean": (1,), "ReduceMax": (1,), "ReduceMin": (1,),
    "ReduceProd": (1,), "ReduceL1": (1,), "ReduceL2": (1,), "ReduceSumSquare": (1,),
    "ReduceLogSum": (1,), "ReduceLogSumExp": (1,), "ConstantOfShape": (0,),
    "CumSum": (1,), "TopK": (1,), "OneHot": (1, 2), "Trilu": (1,),
}  # fmt: skip

# (regex on the case name, reason); a case that matches must fail.
KNOWN_UNSUPPORTED = [
    (r"^test_cast(like)?_(e8m0_)?(FLOAT|FLOAT16)_to_FLOAT8",
     "ONNX saturates casts to float8 (saturate=1, rounding modes); numpy's cast overflows"),
    (r"pool.*dilations", "MXNet's Pooling has no dilation"),
    (r"ceil_last_window_starts_on_pad|ceil_output_size_reduce_by_one",
     "MXNet's 'full' convention keeps a last window that starts in the padding; ONNX drops it"),
    (r"with_argmax", "MaxPool's Indices output has no MXNet equivalent"),
    (r"training_mode|training_dropout", "import is inference only"),
    (r"matmul_(bcast|1d_3d)", "MatMul with broadcast batch dims"),
    (r"wrap_pad", "MXNet's Pad has no wrap mode"),
    (r"reduce_(max|min|log_sum_exp)_empty_set", "max/min over an empty axis (ONNX gives "
     "-inf/inf; log-sum-exp is shifted by that maximum)"),
    (r"allowzero", "Reshape's allowzero=1 with a 0 in the shape (empty tensors)"),
    (r"^test_gru_", "ONNX's default GRU resets before the recurrent product "
     "(linear_before_reset=0); MXNet's GRU, hence the RNN op, resets after it"),
    (r"^test_shape_start_greater_than_end|constantofshape_int_shape_zero",
     "an empty tensor, which hybrid cannot hold"),
    (r"lstm_with_peepholes", "MXNet's LSTM has no peephole connections"),
    (r"mod_float_edge_cases", "MXNet's mod gives NaN, not +-0 / +-inf, for infinite or zero "
     "operands"),
    (r"^test_(if|loop\d+)_(seq|opt)", "sequence and optional values: hybrid holds tensors only"),
    (r"^test_loop11$", "a trip count given as a graph input: _while_loop's max_iterations is "
     "an attribute"),
    (r"^test_scan_sum$", "Scan of opset 8 (batch axis, sequence_lens input); opset 9's imports"),
    (r"^test_tri[lu]_zero$", "an empty tensor, which hybrid cannot hold"),
    (r"^test_top_k_uint64$", "uint64 data: MXNet 1.x has no uint64 arrays (topk negates to "
     "sort descending)"),
    (r"^test_gathernd_example_int32_batch_dim1$", "batch_dims=1: MXNet's gather_nd indexes from "
     "the first axis only"),
    (r"^test_scatternd_add$", "repeated indices: MXNet's scatter_nd leaves them undefined (no "
     "accumulation)"),
    (r"^test_scatternd_(multiply|max|min)", "reduction mul/max/min: MXNet's scatter_nd has no "
     "reduction"),
    (r"^test_einsum_(batch_matmul|sum)_bfloat16$", "bfloat16 arithmetic: numpy (hence hybrid) "
     "has no bfloat16 type"),
    (r"^test_einsum_scalar$", "0-d operands: MXNet 1.x has no 0-d arrays"),
]  # fmt: skip

RTOL, ATOL = 1e-4, 1e-5
# Ops with an import rule, and those the importer evaluates (FOLDS: Shape; Constant nodes).
MAPPED = set(RULES) | set(FOLDS) | set(CONSTANT_NODES)


def _known_reason(name: str) -> str | None:
    for pattern, reason in KNOWN_UNSUPPORTED:
        if re.search(pattern, name):
            return reason
    return None


@functools.cache
def _cases() -> dict[str, list]:
    """Single-node cases per mapped op type, from the onnx wheel's case definitions."""
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = collect_testcases()
    by_op: dict[str, list] = collections.defaultdict(list)
    for case in cases:
        nodes = case.model.graph.node
        if len(nodes) == 1 and nodes[0].op_type in MAPPED and not nodes[0].domain:
            by_op[nodes[0].op_type].append(case)
    return by_op


def _frozen(model: onnx.ModelProto, inputs: list) -> tuple[onnx.ModelProto, list]:
    """The model with its shape-like graph inputs made initializers, and the remaining inputs."""
    node = model.graph.node[0]
    names = {node.input[i] for i in SHAPE_OPERANDS.get(node.op_type, ()) if i < len(node.input)}
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    kept, data = [], []
    for info, x in zip(list(graph.input), inputs):
        if info.name in names:
            graph.initializer.append(numpy_helper.from_array(np.asarray(x), info.name))
        else:
            kept.append(info)
            data.append(x)
    del graph.input[:]
    graph.input.extend(kept)
    return model, data


def _array(x: object) -> np.ndarray:
    return numpy_helper.to_array(x) if isinstance(x, onnx.TensorProto) else np.asarray(x)


def _run_case(case: object) -> str | None:
    """None when the case passes, else why it fails."""
    try:
        for inputs, expected in case.data_sets:
            inputs = [_array(x) for x in inputs]
            model, data = _frozen(case.model, inputs)
            block = from_onnx(model)
            outs = block(*[hybrid.nd.array(x, dtype=x.dtype) for x in data])
            outs = outs if isinstance(outs, list) else [outs]
            for got, want in zip(outs, expected):
                got, want = got.asnumpy(), _array(want)
                # MXNet 1.x has no 0-d arrays: a scalar result has shape (1,).
                if want.ndim == 0 and got.shape == (1,):
                    got = got.reshape(())
                if got.dtype != want.dtype or got.shape != want.shape:
                    return f"got {got.shape} {got.dtype}, expected {want.shape} {want.dtype}"
                np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    except Exception as e:  # noqa: BLE001 - any failure of a case is reported, not raised
        return f"{type(e).__name__}: {e}"
    return None


@functools.cache
def _results() -> dict[str, list[tuple[str, str | None]]]:
    return {op: [(c.name, _run_case(c)) for c in cases] for op, cases in _cases().items()}


@pytest.mark.parametrize("op_type", sorted(MAPPED))
def test_node_cases(op_type: str) -> None:
    results = _results().get(op_type, [])
    unexpected = [
        f"{name}: {error}" for name, error in results if error and not _known_reason(name)
    ]
    stale = [name for name, error in results if not error and _known_reason(name)]
    assert not unexpected, f"{op_type}: failing node cases:\n" + "\n".join(unexpected)
    assert not stale, f"{op_type}: cases listed as unsupported now pass: {stale}"


def test_every_mapped_op_is_exercised() -> None:
    # Ops without any ONNX node case (none today) would go untested here; list them to see.
    untested = sorted(op for op in MAPPED if op != "Constant" and not _cases().get(op))
    assert untested == [], f"mapped ops without ONNX node cases: {untested}"


def test_summary_table(capsys: pytest.CaptureFixture) -> None:
    rows = []
    for op, results in sorted(_results().items()):
        passed = sum(error is None for _, error in results)
        known = sum(error is not None and _known_reason(n) is not None for n, error in results)
        rows.append(f"{op:<24}{passed:>6}/{len(results):<6}{known:>8}")
    total = sum(len(r) for r in _results().values())
    passed = sum(e is None for r in _results().values() for _, e in r)
    with capsys.disabled():
        print("\nONNX backend node cases through from_onnx")
        print(f"{'op':<24}{'passed':>13}{'known':>8}")
        print("\n".join(rows))
        print(f"{'total':<24}{passed:>6}/{total:<6}")
    assert passed > 0.8 * total
