"""``from_onnx`` given a damaged file: garbage, empty or truncated bytes raise one error type,
``hybrid.base.FileFormatError``, whose message names the file; the intact file imports.
"""

from __future__ import annotations

import numpy as np
import pytest
from hybrid.export.importer import from_onnx
from onnx import TensorProto, helper, numpy_helper

import hybrid
from hybrid.base import FileFormatError


def _model_bytes() -> bytes:
    w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4), "w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])],
        [w],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


def _damaged() -> dict[str, bytes]:
    good = _model_bytes()
    ends = {"1": 1, "7": 7, "third": len(good) // 3, "half": len(good) // 2, "end-5": len(good) - 5}
    cuts = {f"truncated_{k}": good[:n] for k, n in ends.items()}
    return {"empty": b"", "garbage": bytes(range(256)) * 3, "text": b"not an onnx model\n", **cuts}


@pytest.mark.parametrize("kind", sorted(_damaged()))
def test_damaged_file_raises_naming_it(tmp_path, kind):
    path = tmp_path / f"{kind}.onnx"
    path.write_bytes(_damaged()[kind])
    with pytest.raises(FileFormatError, match=f"{kind}.onnx"):
        from_onnx(str(path))


def test_intact_file_imports(tmp_path):
    path = tmp_path / "model.onnx"
    path.write_bytes(_model_bytes())
    x = np.ones((2, 3), np.float32)
    y = from_onnx(path)(hybrid.nd.array(x)).asnumpy()
    np.testing.assert_allclose(y, x @ np.arange(12, dtype=np.float32).reshape(3, 4))
