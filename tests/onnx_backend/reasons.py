"""Why ONNX backend node cases do not pass through ``from_onnx`` (read by test_node_cases.py).

``KNOWN_UNSUPPORTED``: cases of op types the importer maps that it does not cover, by a regex on
the case name. ``UNMAPPED``: op types without an import rule. Both are checked against the
cases the onnx wheel defines, so neither can go stale.
"""

from __future__ import annotations

# (regex on the case name, reason); a case that matches must fail.
KNOWN_UNSUPPORTED = [
    (r"^test_cast(like)?_(e8m0_)?(FLOAT|FLOAT16)_to_FLOAT8",
     "ONNX saturates casts to float8 (saturate=1, rounding modes); numpy's cast overflows"),
    (r"pool.*dilations", "MXNet's Pooling has no dilation"),
    (r"ceil_last_window_starts_on_pad|ceil_output_size_reduce_by_one",
     "MXNet's 'full' convention keeps a last window that starts in the padding; ONNX drops it"),
    (r"with_argmax", "MaxPool's Indices output has no MXNet equivalent"),
    (r"training_mode|training_dropout", "import is inference only"),
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
    (r"^test_causal_conv_with_state_kernel_size_one$", "kernel size 1: the state is an empty "
     "tensor, which hybrid cannot hold"),
    (r"^test_tri[lu]_zero$", "an empty tensor, which hybrid cannot hold"),
    (r"^test_top_k_uint64$", "uint64 data: MXNet 1.x has no uint64 arrays (topk negates to "
     "sort descending)"),
    (r"^test_gathernd_example_int32_batch_dim1$", "batch_dims=1: MXNet's gather_nd indexes from "
     "the first axis only"),
    (r"^test_scatternd_add$", "repeated indices: MXNet's scatter_nd leaves them undefined (no "
     "accumulation)"),
    (r"^test_scatternd_(multiply|max|min)|^test_scatter_elements_with_reduction",
     "reduction mul/max/min: MXNet's scatter_nd has no reduction"),
    (r"^test_scatter_elements_with_duplicate_indices$", "reduction add over repeated indices: "
     "MXNet's scatter_nd leaves them undefined (no accumulation)"),
    (r"^test_einsum_(batch_matmul|sum)_bfloat16$", "bfloat16 arithmetic: numpy (hence hybrid) "
     "has no bfloat16 type"),
    (r"^test_einsum_scalar$", "0-d operands: MXNet 1.x has no 0-d arrays"),
    (r"^test_quantizelinear_(e4m3fn|e5m2|u?int[24]|float4e2m1)$", "float8, float4 and 2-/4-bit "
     "integer outputs: numpy (hence hybrid) has no such types"),
    (r"^test_swiglu_float16$", "float16 rounding: ONNX's reference rounds the gate to float16 "
     "before the product (one float16 ulp apart; the harness's 1e-4 is a float32 tolerance)"),
    (r"^test_attention_.*bf16$", "bfloat16 arithmetic: numpy (hence hybrid) has no bfloat16 "
     "type"),
    (r"^test_attention_4d_(causal_|gqa_with_past_and_present_|gqa_causal_nonpad_decode_)?fp16$",
     "float16 rounding: ONNX's reference rounds at other steps (float16 ulps apart; the "
     "harness's 1e-4 is a float32 tolerance)"),
    (r"^test_gridsample_volumetric", "5-D data: MXNet's BilinearSampler samples 2-D images only"),
    (r"^test_gridsample_(nearest|bicubic)", "MXNet has no nearest or bicubic grid sampler: its "
     "one sampler of a grid given at run time, BilinearSampler, weighs the 4 neighbours "
     "bilinearly (a composition of gather_nd at indices rounded from the grid is not written)"),
]  # fmt: skip


_STRINGS = "strings: hybrid's arrays are numeric"
_SEQUENCES = "sequence and optional values: hybrid holds tensors only"
_DYNAMIC = "the output's shape depends on the input's values; hybrid's graphs are statically shaped"
_SIGNAL = ("signal processing (DFT): MXNet 1.9.1's contrib.fft runs on GPUs only ('fft is only "
           "available for GPU' on CPU)")

UNMAPPED = {
    "Bernoulli": "random: the expected values are one draw of ONNX's reference generator",
    "BitCast": "reinterpreting bits as another type: MXNet has no such op",
    "BitShift": "MXNet 1.9.1 has no bit shift op",
    "Compress": _DYNAMIC,
    "CumProd": "MXNet has no cumulative product",
    "DFT": _SIGNAL,
    "ImageDecoder": "decoding encoded image bytes inside a graph: MXNet's imdecode is not a "
                    "graph op over uint8 tensors of any format",
    "MaxUnpool": "MXNet has no unpooling op",
    "MelWeightMatrix": "a mel filter bank matrix: MXNet has no such op",
    "NonMaxSuppression": _DYNAMIC,
    "NonZero": _DYNAMIC,
    "OptionalGetElement": _SEQUENCES,
    "OptionalHasElement": _SEQUENCES,
    "RegexFullMatch": _STRINGS,
    "RoiAlign": "not imported: MXNet's contrib.ROIAlign samples differently from ONNX's near "
                "box edges (tried: 2 and 9 of 75 elements of the two avg cases differ) and has "
                "no max mode",
    "STFT": _SIGNAL,
    "SequenceInsert": _SEQUENCES,
    "SequenceMap": _SEQUENCES,
    "SplitToSequence": _SEQUENCES,
    "StringConcat": _STRINGS,
    "StringNormalizer": _STRINGS,
    "StringSplit": _STRINGS,
    "TfIdfVectorizer": _STRINGS,
    "Unique": _DYNAMIC,
}
