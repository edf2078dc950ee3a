"""Predictor: metadata, predict forms, validation before ONNX Runtime, batches, threads."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hybrid.runtime import (
    ExecutionError,
    InvalidInputError,
    ModelLoadError,
    Predictor,
)

from hybrid.base import HybridError

from . import models


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    path = tmp_path_factory.mktemp("predictor") / "classifier.onnx"
    path.write_bytes(models.classifier(0))
    return Predictor(path, intra_op_threads=1, inter_op_threads=1)


@pytest.fixture(scope="module")
def elementwise():
    return Predictor(models.elementwise())


def _x(rows: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((rows, 4)).astype(np.float32)


def test_metadata_names_shapes_dtypes(classifier, elementwise):
    (x,) = classifier.inputs
    assert (x.name, x.shape, x.datatype, x.dtype) == ("x", ("batch", 4), "FP32", np.float32)
    assert x.kserve_shape == [-1, 4]
    assert [o.describe() for o in classifier.outputs] == ["probs FP32 (batch, 3)"]
    assert [s.name for s in elementwise.inputs] == ["a", "b"]
    assert [s.name for s in elementwise.outputs] == ["sum", "prod"]
    assert "classifier.onnx" in repr(classifier)


def test_predict_array_matches_numpy_reference(classifier):
    x = _x(5)
    np.testing.assert_allclose(classifier.predict(x), models.classifier_reference(x),
                               rtol=1e-5, atol=1e-6)


def test_predict_dict_returns_dict_and_selects_outputs(elementwise):
    a, b = _x(3, 1), _x(3, 2)
    both = elementwise.predict({"a": a, "b": b})
    assert list(both) == ["sum", "prod"]
    np.testing.assert_allclose(both["sum"], a + b, rtol=1e-6)
    only = elementwise.predict({"a": a, "b": b}, outputs=["prod"])
    assert list(only) == ["prod"]
    np.testing.assert_allclose(only["prod"], a * b, rtol=1e-6)


def test_predict_list_returns_list_in_output_order(elementwise):
    a, b = _x(2, 1), _x(2, 2)
    total, product = elementwise.predict([a, b])
    np.testing.assert_allclose(total, a + b, rtol=1e-6)
    np.testing.assert_allclose(product, a * b, rtol=1e-6)


def test_python_lists_are_converted_to_the_input_dtype():
    typed = Predictor(models.typed())
    doubled, negated, halves = typed.predict([[1, 2], [True, False], [0.5, 1.5]])
    assert doubled.dtype == np.int32 and doubled.tolist() == [2, 4]
    assert negated.tolist() == [False, True]
    assert halves.dtype == np.float16 and halves.tolist() == [1.0, 3.0]


@pytest.mark.parametrize("data, message", [
    ({"x": np.zeros((2, 4), np.float64)}, "input 'x' has dtype float64, expected float32"),
    ({"x": np.zeros((2, 5), np.float32)}, "dim 1 must be 4"),
    ({"x": np.zeros((2, 4, 1), np.float32)}, "expected rank 2"),
    ({"y": np.zeros((2, 4), np.float32)}, "unknown input 'y'"),
    ({}, "missing input 'x'"),
    ({"x": [["a", "b", "c", "d"]]}, "cannot be converted to float32"),
    ([np.zeros((1, 4), np.float32)] * 2, "got 2 arrays, expected 1"),
])
def test_invalid_inputs_raise_clear_errors(classifier, data, message):
    with pytest.raises(InvalidInputError, match=message) as info:
        classifier.predict(data)
    assert "classifier.onnx" in str(info.value)
    assert isinstance(info.value, HybridError)


def test_symbolic_dims_must_agree_across_inputs(elementwise):
    with pytest.raises(InvalidInputError, match=r"dim 1 \('width'\) is 4 in input 'a'"):
        elementwise.predict({"a": _x(2), "b": np.zeros((2, 3), np.float32)})


def test_unknown_output_and_single_array_for_two_inputs(elementwise):
    with pytest.raises(InvalidInputError, match="unknown output 'diff'"):
        elementwise.predict({"a": _x(1), "b": _x(1)}, outputs=["diff"])
    with pytest.raises(InvalidInputError, match="has 2 inputs; pass a dict"):
        elementwise.predict(_x(1))


def test_fixed_dims_are_checked():
    fixed = Predictor(models.fixed_batch())
    assert fixed.inputs[0].shape == (2, 3)
    with pytest.raises(InvalidInputError, match=r"expected \(2, 3\): dim 0 must be 2"):
        fixed.predict(np.zeros((3, 3), np.float32))


def test_predict_batches_equals_one_big_predict(classifier, elementwise):
    x = _x(103, 3)
    np.testing.assert_allclose(classifier.predict_batches(x, 10), classifier.predict(x),
                               rtol=1e-6)
    a, b = _x(7, 4), _x(7, 5)
    out = elementwise.predict_batches({"a": a, "b": b}, batch_size=3, outputs=["sum"])
    np.testing.assert_allclose(out["sum"], a + b, rtol=1e-6)


def test_predict_batches_rejects_bad_arguments(classifier, elementwise):
    with pytest.raises(InvalidInputError, match="batch_size must be a positive integer"):
        classifier.predict_batches(_x(4), 0)
    with pytest.raises(InvalidInputError, match="same first dimension"):
        elementwise.predict_batches({"a": _x(4), "b": _x(3)}, 2)
    fixed = Predictor(models.fixed_batch())
    with pytest.raises(InvalidInputError, match="dim 0 must be 2"):
        fixed.predict_batches(np.zeros((5, 3), np.float32), 2)  # the last chunk has 1 row


def test_concurrent_callers_get_their_own_results(classifier):
    inputs = [_x(1 + i % 7, seed=i) for i in range(64)]
    with ThreadPoolExecutor(8) as pool:
        outputs = list(pool.map(classifier.predict, inputs))
    for x, y in zip(inputs, outputs):
        np.testing.assert_allclose(y, models.classifier_reference(x), rtol=1e-5, atol=1e-6)


def test_load_errors_name_the_file(tmp_path):
    path = tmp_path / "broken.onnx"
    path.write_bytes(models.BROKEN)
    with pytest.raises(ModelLoadError, match="broken.onnx"):
        Predictor(path)
    with pytest.raises(ModelLoadError, match="no_such.onnx"):
        Predictor(tmp_path / "no_such.onnx")
    with pytest.raises(ModelLoadError, match="unknown execution providers"):
        Predictor(models.classifier(), providers=["NoSuchExecutionProvider"])
    with pytest.raises(InvalidInputError, match="intra_op_threads"):
        Predictor(models.classifier(), intra_op_threads=0)


def test_runtime_failures_are_wrapped():
    fixed = Predictor(models.fixed_batch())
    with pytest.raises(ExecutionError, match="ONNX Runtime failed"):
        fixed.run_unchecked({"x": np.zeros((3, 3), np.float32)})
