"""KServe's Python model server (V2 protocol) answering with ONNX Runtime: a benchmark peer.

Run inside a venv that has ``kserve`` and ``onnxruntime`` (see ``benchmarks/serve.py``)::

    python kserve_server.py MODEL_NAME MODEL.onnx PORT
"""
from __future__ import annotations

import asyncio
import sys

import onnxruntime as ort
from kserve import InferOutput, InferRequest, InferResponse, Model, ModelServer


class OnnxModel(Model):
    def __init__(self, name: str, path: str) -> None:
        super().__init__(name)
        self.session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.output = self.session.get_outputs()[0].name
        self.ready = True

    async def predict(self, payload: InferRequest, headers=None, response_headers=None):
        x = payload.inputs[0].as_numpy()
        # ONNX Runtime on the default executor: the event loop keeps serving meanwhile.
        loop = asyncio.get_running_loop()
        y = (await loop.run_in_executor(None, self.session.run, None, {self.input: x}))[0]
        out = InferOutput(name=self.output, shape=list(y.shape), datatype="FP32")
        out.set_data_from_numpy(y, binary_data=False)
        return InferResponse(model_name=self.name, infer_outputs=[out],
                             response_id=payload.id or "")


if __name__ == "__main__":
    name, path, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sys.argv = sys.argv[:1]  # kserve parses the command line itself
    ModelServer(http_port=port, grpc_port=port + 1, enable_grpc=False,
                workers=1).start([OnnxModel(name, path)])
