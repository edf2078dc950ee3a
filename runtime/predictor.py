"""``Predictor``: one ONNX Runtime session with metadata, input validation and batched inference."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import onnxruntime as ort

from .errors import ExecutionError, InvalidInputError, ModelLoadError
from .spec import TensorSpec, check_names, check_shapes, format_shape

__all__ = ["Predictor"]

Arrays = Mapping[str, Any] | np.ndarray | Sequence[Any]


class Predictor:
    """Run an ONNX model with ONNX Runtime, checking inputs against the model's metadata first.

    Parameters
    ----------
    path : str, os.PathLike or bytes
        The ``.onnx`` file, or a serialized model.
    providers : list of str, optional
        ONNX Runtime execution providers in order of preference; by default
        ``["CPUExecutionProvider"]``.
    intra_op_threads : int, optional
        Threads used inside one operator (ONNX Runtime's default when ``None``: one per core).
    inter_op_threads : int, optional
        Threads running independent operators in parallel; above 1 it switches the session to
        parallel execution mode.

    Notes
    -----
    A Predictor is safe to call from several threads at once: it keeps no per-call state, and
    ONNX Runtime sessions allow concurrent ``run`` calls.

    Examples
    --------
    >>> p = Predictor("model.onnx")                          # doctest: +SKIP
    >>> [s.describe() for s in p.inputs]                     # doctest: +SKIP
    ['data FP32 (batch_size, 1, 28, 28)']
    >>> p.predict(np.zeros((2, 1, 28, 28), np.float32)).shape   # doctest: +SKIP
    (2, 10)
    """

    def __init__(self, path: str | os.PathLike | bytes, providers: Sequence[str] | None = None,
                 intra_op_threads: int | None = None,
                 inter_op_threads: int | None = None) -> None:
        self.name = "<bytes>" if isinstance(path, bytes) else os.fspath(path)
        options = ort.SessionOptions()
        if intra_op_threads is not None:
            options.intra_op_num_threads = _positive(intra_op_threads, "intra_op_threads")
        if inter_op_threads is not None:
            options.inter_op_num_threads = _positive(inter_op_threads, "inter_op_threads")
            if inter_op_threads > 1:
                options.execution_mode = ort.ExecutionMode.ORT_PARALLEL
        providers = list(providers) if providers else ["CPUExecutionProvider"]
        available = ort.get_available_providers()
        unknown = [p for p in providers if isinstance(p, str) and p not in available]
        if unknown:
            raise ModelLoadError(f"model '{self.name}': unknown execution providers {unknown}; "
                                 f"available are {available}")
        source = path if isinstance(path, bytes) else self.name
        try:
            self._session = ort.InferenceSession(source, sess_options=options, providers=providers)
        except Exception as err:  # ORT raises several unrelated pybind classes.
            raise ModelLoadError(f"cannot load ONNX model '{self.name}': {err}") from err
        self.inputs = tuple(TensorSpec.from_ort(a) for a in self._session.get_inputs())
        self.outputs = tuple(TensorSpec.from_ort(a) for a in self._session.get_outputs())

    def __repr__(self) -> str:
        ins = ", ".join(s.describe() for s in self.inputs)
        outs = ", ".join(s.describe() for s in self.outputs)
        return f"Predictor('{self.name}', inputs=[{ins}], outputs=[{outs}])"

    @property
    def label(self) -> str:
        """``model '<path>'``, the prefix of this predictor's error messages."""
        return f"model '{self.name}'"

    def predict(self, data: Arrays, outputs: Sequence[str] | None = None) -> Any:
        """Run the model once.

        Parameters
        ----------
        data : dict, numpy.ndarray or list
            A dict from input name to array; a single array for a one-input model; or a list of
            arrays in the model's input order. numpy arrays must have the input's dtype exactly;
            Python lists and scalars are converted to it.
        outputs : list of str, optional
            The outputs to compute; all of them by default.

        Returns
        -------
        dict or numpy.ndarray or list
            A dict from output name to array when ``data`` is a dict; otherwise the one array
            when one output is computed, or a list of arrays in output order.
        """
        feeds = self._feeds(data)
        names = self._output_names(outputs)
        check_shapes(self.label, self.inputs, {k: v.shape for k, v in feeds.items()})
        return _pack(data, names, self.run_unchecked(feeds, names))

    def predict_batches(self, data: Arrays, batch_size: int,
                        outputs: Sequence[str] | None = None) -> Any:
        """Run the model over the first axis of large inputs, ``batch_size`` rows at a time.

        Takes and returns the same forms as :meth:`predict`; outputs are concatenated along
        their first axis, so every computed output must keep the batch dimension.
        """
        feeds = self._feeds(data)
        names = self._output_names(outputs)
        batch_size = _positive(batch_size, "batch_size")
        n = _common_rows(self.label, feeds)
        starts = range(0, n, batch_size) if n else [0]
        # Check the first and the last chunk (the only two sizes) before any work is done.
        for s in {starts[0], starts[-1]}:
            check_shapes(self.label, self.inputs,
                         {k: v[s:s + batch_size].shape for k, v in feeds.items()})
        parts = []
        for s in starts:
            chunk = {k: v[s:s + batch_size] for k, v in feeds.items()}
            rows = min(batch_size, n - s)
            part = self.run_unchecked(chunk, names)
            for name, y in zip(names, part):
                if y.ndim == 0 or y.shape[0] != rows:
                    raise ExecutionError(f"{self.label}: output '{name}' has shape "
                                         f"{format_shape(y.shape)} for {rows} input rows; "
                                         "predict_batches needs outputs with a batch axis")
            parts.append(part)
        merged = [np.concatenate([p[i] for p in parts]) for i in range(len(names))]
        return _pack(data, names, merged)

    def run_unchecked(self, feeds: Mapping[str, np.ndarray],
                      output_names: Sequence[str] | None = None) -> list[np.ndarray]:
        """Run ONNX Runtime on feeds that were already validated (the server's fast path)."""
        try:
            return self._session.run(list(output_names) if output_names else None, dict(feeds))
        except Exception as err:  # ORT raises several unrelated pybind classes.
            raise ExecutionError(f"{self.label}: ONNX Runtime failed: {err}") from err

    def _feeds(self, data: Arrays) -> dict[str, np.ndarray]:
        if isinstance(data, Mapping):
            given = dict(data)
        elif isinstance(data, (list, tuple)):
            if len(data) != len(self.inputs):
                raise InvalidInputError(f"{self.label}: got {len(data)} arrays, expected "
                                        f"{len(self.inputs)} ({[s.name for s in self.inputs]})")
            given = {s.name: v for s, v in zip(self.inputs, data)}
        else:
            if len(self.inputs) != 1:
                raise InvalidInputError(f"{self.label}: got one array, but the model has "
                                        f"{len(self.inputs)} inputs; pass a dict by name")
            given = {self.inputs[0].name: data}
        check_names(self.label, self.inputs, given)
        return {s.name: _as_input(self.label, s, given[s.name]) for s in self.inputs}

    def _output_names(self, outputs: Sequence[str] | None) -> list[str]:
        if outputs is None:
            return [s.name for s in self.outputs]
        names = [outputs] if isinstance(outputs, str) else list(outputs)
        check_names(self.label, self.outputs, names, kind="output", require_all=False)
        return names


def _as_input(label: str, spec: TensorSpec, value: Any) -> np.ndarray:
    if spec.dtype is None:
        raise InvalidInputError(f"{label}: input '{spec.name}' has datatype {spec.datatype}, "
                                "which hybrid.runtime does not support")
    if isinstance(value, np.ndarray):
        if value.dtype != spec.dtype:
            raise InvalidInputError(f"{label}: input '{spec.name}' has dtype {value.dtype}, "
                                    f"expected {spec.dtype}")
        return np.ascontiguousarray(value)
    try:
        return np.asarray(value, dtype=spec.dtype)
    except (TypeError, ValueError, OverflowError) as err:
        raise InvalidInputError(f"{label}: input '{spec.name}' cannot be converted to "
                                f"{spec.dtype}: {err}") from err


def _common_rows(label: str, feeds: Mapping[str, np.ndarray]) -> int:
    rows = {name: (a.shape[0] if a.ndim else None) for name, a in feeds.items()}
    if None in rows.values() or len(set(rows.values())) != 1:
        raise InvalidInputError(f"{label}: predict_batches needs inputs with the same first "
                                f"dimension, got {rows}")
    return next(iter(rows.values()))


def _pack(data: Arrays, names: list[str], results: list[np.ndarray]) -> Any:
    if isinstance(data, Mapping):
        return dict(zip(names, results))
    return results[0] if len(results) == 1 else list(results)


def _positive(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InvalidInputError(f"{what} must be a positive integer, got {value!r}")
    return int(value)
