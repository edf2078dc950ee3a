"""Triton's C++ HTTP front end through PyTriton, answering with ONNX Runtime: a benchmark peer.

Run inside a venv that has ``nvidia-pytriton`` and ``onnxruntime``::

    python pytriton_server.py MODEL_NAME MODEL.onnx PORT
"""
from __future__ import annotations

import sys

import numpy as np
import onnxruntime as ort
from pytriton.decorators import batch
from pytriton.model_config import DynamicBatcher, ModelConfig, Tensor
from pytriton.triton import Triton, TritonConfig


def main() -> None:
    name, path, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    x, y = session.get_inputs()[0], session.get_outputs()[0]

    @batch
    def infer(**inputs):
        return {y.name: session.run(None, {x.name: inputs[x.name]})[0]}

    config = TritonConfig(http_port=port, grpc_port=port + 1, metrics_port=port + 2)
    with Triton(config=config) as triton:
        triton.bind(model_name=name, infer_func=infer,
                    inputs=[Tensor(name=x.name, dtype=np.float32, shape=tuple(x.shape[1:]))],
                    outputs=[Tensor(name=y.name, dtype=np.float32, shape=(-1,))],
                    config=ModelConfig(max_batch_size=64,
                                       batcher=DynamicBatcher(max_queue_delay_microseconds=2000)))
        triton.serve()


if __name__ == "__main__":
    main()
