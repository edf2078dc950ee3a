"""The ONNX package's own backend node test cases, run through ``from_onnx`` for every ONNX op
type the importer maps.

The cases are generated in the test run from the Python definitions the onnx wheel ships
(``onnx.backend.test.case.node``), never downloaded. Each case's single-node model is imported,
run eagerly and compared with the case's numpy reference outputs. Operands that hybrid reads as
attributes (shapes, axes, pads, ...) are graph inputs in the node tests; the harness turns them
into initializers from the case's data, which is what a real model holds.

``reasons.KNOWN_UNSUPPORTED`` lists the cases a mapped op does not cover, each with the reason;
such a case must still fail (a case that starts passing fails the test, so the list cannot go
stale). ``reasons.UNMAPPED`` gives, for each op type without an import rule, why. Run
``test_summary_table`` with ``-s`` for the pass count per op and the op types not imported.
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
from tests.onnx_backend.reasons import KNOWN_UNSUPPORTED, UNMAPPED

# Input indices of operands read as attributes, per op type (see the module docstring).
SHAPE_OPERANDS = {
    "Reshape": (1,), "Expand": (1,), "Tile": (1,), "Squeeze": (1,), "Unsqueeze": (1,),
    "Split": (1,), "Slice": (1, 2, 3, 4), "Pad": (1, 2, 3), "Clip": (1, 2), "Dropout": (1, 2),
    "ReduceSum": (1,), "ReduceMean": (1,), "ReduceMax": (1,), "ReduceMin": (1,),
    "ReduceProd": (1,), "ReduceL1": (1,), "ReduceL2": (1,), "ReduceSumSquare": (1,),
    "ReduceLogSum": (1,), "ReduceLogSumExp": (1,), "ConstantOfShape": (0,),
    "CumSum": (1,), "TopK": (1,), "OneHot": (1, 2), "Trilu": (1,), "Range": (0, 1, 2),
    "HannWindow": (0,), "HammingWindow": (0,), "BlackmanWindow": (0,), "Col2Im": (1, 2),
    "CenterCropPad": (1,), "Resize": (1, 2, 3), "Upsample": (1,),
    "AffineGrid": (1,),
}  # fmt: skip

RTOL, ATOL = 1e-4, 1e-5
# Ops with an import rule, and those the importer evaluates (FOLDS: Shape; Constant nodes).
MAPPED = set(RULES) | set(FOLDS) | set(CONSTANT_NODES)


def _known_reason(name: str) -> str | None:
    for pattern, reason in KNOWN_UNSUPPORTED:
        if re.search(pattern, name):
            return reason
    return None


@functools.cache
def _all_cases() -> dict[str, list]:
    """Single-node cases of the default domain per op type, from the onnx wheel's case
    definitions."""
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = collect_testcases()
    by_op: dict[str, list] = collections.defaultdict(list)
    for case in cases:
        nodes = case.model.graph.node
        if len(nodes) == 1 and not nodes[0].domain:
            by_op[nodes[0].op_type].append(case)
    return by_op


def _cases() -> dict[str, list]:
    """The cases of the op types the importer maps."""
    return {op: cases for op, cases in _all_cases().items() if op in MAPPED}


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


def test_every_op_type_is_imported_or_has_a_reason() -> None:
    """An op type with node cases either has an import rule or a reason in UNMAPPED; a reason
    for an op type that gets a rule (or loses its cases) fails, so the table cannot go stale.
    """
    without = sorted(op for op in _all_cases() if op not in MAPPED and op not in UNMAPPED)
    stale = sorted(op for op in UNMAPPED if op in MAPPED or op not in _all_cases())
    assert without == [], f"op types with neither an import rule nor a reason: {without}"
    assert stale == [], f"UNMAPPED lists op types that are mapped or have no cases: {stale}"


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
        print("\nop types not imported (cases), each with the reason")
        for op in sorted(UNMAPPED):
            print(f"{op:<28}{len(_all_cases().get(op, ())):>4}  {UNMAPPED[op]}")
        print(f"{'total':<28}{sum(len(_all_cases().get(op, ())) for op in UNMAPPED):>4}")
    assert passed > 0.8 * total
