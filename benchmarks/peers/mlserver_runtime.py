"""An MLServer custom runtime answering with ONNX Runtime: a benchmark peer.

``benchmarks/serve.py`` writes the settings files next to a copy of this module and starts
``mlserver start`` on that folder, inside a venv that has ``mlserver`` and ``onnxruntime``.
"""
from __future__ import annotations

import asyncio

import onnxruntime as ort
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.types import InferenceRequest, InferenceResponse


class OnnxRuntime(MLModel):
    async def load(self) -> bool:
        self.session = ort.InferenceSession(self.settings.parameters.uri,
                                            providers=["CPUExecutionProvider"])
        self.input = self.session.get_inputs()[0].name
        self.output = self.session.get_outputs()[0].name
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        x = NumpyCodec.decode_input(payload.inputs[0])
        loop = asyncio.get_running_loop()
        y = (await loop.run_in_executor(None, self.session.run, None, {self.input: x}))[0]
        return InferenceResponse(model_name=self.name, id=payload.id,
                                 outputs=[NumpyCodec.encode_output(self.output, y)])
