"""The machinery of the fused recurrent layers (``rnn_layer.py``): MXNet's parameter names and
file keys, begin states, deferred input sizes, and the one call of the registry's fused ``RNN``
op over the whole sequence.
"""

from __future__ import annotations

import re
from typing import Any

from ... import ndarray
from ...base import AttrError, HybridError, ShapeError
from ...ops.rnn import GATES
from ..block import HybridBlock
from ..parameter import Parameter
from ._util import is_tensor, make_state, set_deferred_shape

__all__ = ["FusedRNNLayer"]

_KEY = re.compile(r"(l|r)(\d+)_(i2h|h2h)_(weight|bias)\Z")


class FusedRNNLayer(HybridBlock):
    """Shared implementation of the fused layers: parameters, states, the one ``RNN`` call."""

    def __init__(
        self,
        hidden_size: int,
        num_layers: int,
        layout: str,
        dropout: float,
        bidirectional: bool,
        input_size: int,
        i2h_weight_initializer: Any,
        h2h_weight_initializer: Any,
        i2h_bias_initializer: Any,
        h2h_bias_initializer: Any,
        mode: str,
        projection_size: int | None = None,
        h2r_weight_initializer: Any = None,
        lstm_state_clip_min: float | None = None,
        lstm_state_clip_max: float | None = None,
        lstm_state_clip_nan: bool = False,
        dtype: Any = "float32",
        use_sequence_length: bool = False,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        if layout not in ("TNC", "NTC"):
            raise AttrError(f"{name}: invalid layout {layout!r}; must be 'TNC' or 'NTC'")
        if projection_size or lstm_state_clip_min is not None or lstm_state_clip_max is not None:
            raise AttrError(f"{name}: projection_size and state clipping are not supported")
        self._hidden_size, self._num_layers, self._mode = hidden_size, num_layers, mode
        self._layout, self._dropout, self._dir = layout, dropout, 2 if bidirectional else 1
        self._input_size, self._dtype = input_size, dtype
        self._use_sequence_length = use_sequence_length
        self._gates = GATES[mode]
        self.skip_states: bool | None = None
        ng, ni, nh = self._gates, input_size, hidden_size
        inits = {
            "i2h_weight": i2h_weight_initializer,
            "h2h_weight": h2h_weight_initializer,
            "i2h_bias": i2h_bias_initializer,
            "h2h_bias": h2h_bias_initializer,
        }
        for i in range(num_layers):
            for j in "lr"[: self._dir]:
                shapes = {
                    "i2h_weight": (ng * nh, ni),
                    "h2h_weight": (ng * nh, nh),
                    "i2h_bias": (ng * nh,),
                    "h2h_bias": (ng * nh,),
                }
                for kind, shape in shapes.items():
                    key = f"{j}{i}_{kind}"
                    param = self.params.get(
                        key, shape=shape, init=inits[kind], dtype=dtype, allow_deferred_init=True
                    )
                    setattr(self, key, param)
            ni = nh * self._dir

    def __repr__(self) -> str:
        shape = self.l0_i2h_weight.shape
        s = f"{type(self).__name__}({shape[1] or None} -> {shape[0] // self._gates}, {self._layout}"
        if self._num_layers != 1:
            s += f", num_layers={self._num_layers}"
        if self._dropout != 0:
            s += f", dropout={self._dropout}"
        if self._dir == 2:
            s += ", bidirectional"
        return s + ")"

    def _collect_params_with_prefix(self, prefix: str = "") -> dict[str, Parameter]:
        """MXNet 1.9 saves fused layers under the unfused cells' names
        (``_unfused.0.i2h_weight``, bidirectional ``_unfused.0.l_cell.i2h_weight``), so files
        move between the fused layer and a stack of cells.
        """
        if prefix:
            prefix += "."
        out = {}
        for key, param in self._reg_params.items():
            d, layer, g, t = _KEY.match(key).groups()
            cell = f"{d}_cell." if self._dir == 2 else ""
            out[f"{prefix}_unfused.{layer}.{cell}{g}_{t}"] = param
        return out

    def state_info(self, batch_size: int = 0) -> list[dict]:
        """Shape, layout and dtype of each begin state."""
        shape = (self._num_layers * self._dir, batch_size, self._hidden_size)
        n = 2 if self._mode == "lstm" else 1
        return [{"shape": shape, "__layout__": "LNC", "dtype": self._dtype} for _ in range(n)]

    def begin_state(self, batch_size: int = 0, func: Any = ndarray.zeros, **kwargs: Any) -> list:
        """Initial states made by ``func`` (``nd.zeros`` by default) from :meth:`state_info`."""
        states = []
        for i, info in enumerate(self.state_info(batch_size)):
            info.update(kwargs)
            states.append(make_state(func, f"{self.prefix}h0_{i}", info))
        return states

    def __call__(
        self, inputs: Any, *args: Any, states: Any = None, sequence_length: Any = None
    ) -> Any:
        """``layer(inputs, states=None, sequence_length=None)``; ``states`` is a list (or one
        tensor). The states may also come one by one after ``inputs``, as a traced call passes
        them.
        """
        rest = list(args)
        if states is None and rest:
            first = rest.pop(0)
            if isinstance(first, (list, tuple)) or first is None:
                states = first
            else:
                n = len(rest) - (self._use_sequence_length and sequence_length is None)
                states, rest = [first, *rest[:n]], rest[n:]
        if self._use_sequence_length and sequence_length is None and rest:
            sequence_length = rest.pop(0)
        if rest:
            raise HybridError(f"{self.name}: too many arguments ({len(args) + 1})")
        self.skip_states = states is None or len(states) == 0
        states = [] if states is None else [states] if is_tensor(states) else list(states)
        self._complete_input_size(inputs)
        call = [inputs, *states]
        if self._use_sequence_length:
            if sequence_length is None:
                raise ShapeError(f"{self.name}: use_sequence_length=True needs sequence_length")
            call.append(sequence_length)
        return super().__call__(*call)

    def _complete_input_size(self, inputs: Any) -> None:
        shape = getattr(inputs, "shape", None)
        if shape is None or len(shape) != 3:
            raise ShapeError(
                f"{self.name}: input must be 3-D ({self._layout}), got shape "
                f"{None if shape is None else tuple(shape)}"
            )
        for j in "lr"[: self._dir]:
            param = self.params.get(f"{j}0_i2h_weight")
            if param.shape[1] == 0 and shape[2]:
                set_deferred_shape(param, (param.shape[0], shape[2]))
            elif shape[2] and param.shape[1] != shape[2]:
                raise ShapeError(
                    f"{self.name}: input has {shape[2]} features (shape "
                    f"{tuple(shape)}, layout {self._layout}), expected "
                    f"{param.shape[1]} from {param.name} {param.shape}"
                )

    def infer_shape(self, *args: Any) -> None:
        """Input-dependent shapes were set when the call began (``_complete_input_size``)."""

    def _zero_states(self, F: Any, x: Any) -> list:
        """Zero begin states: ``nd.zeros`` eagerly; in a graph, zeros that follow the input's
        batch size at run time (so exported models keep a dynamic batch axis).
        """
        if isinstance(x, ndarray.NDArray):  # eager, nd or np
            batch = x.shape[1]
            return self.begin_state(batch, ctx=x.context, dtype=x.dtype)
        first = F.slice_axis(x, axis=0, begin=0, end=1)  # (1, N, C)
        zero = F.zeros_like(F.sum(first, axis=2, keepdims=True))  # (1, N, 1)
        state = F.tile(zero, reps=(self._num_layers * self._dir, 1, self._hidden_size))
        return [state] * (2 if self._mode == "lstm" else 1)

    def _open_states_follow_batch(self, F: Any, x: Any, states: list) -> list:
        """Traced ``begin_state(batch_size=0, func=F.zeros)``: the 0 is the batch size, which
        MXNet infers from the data; such zeros become zeros that follow the batch at run time.
        """
        zeros = None
        out = []
        for state in states:
            node = state._outputs[0].node
            if node is not None and node.op.name == "_zeros" and 0 in tuple(state.shape):
                zeros = zeros or self._zero_states(F, x)
                state = zeros[len(out)]
            out.append(state)
        return out

    def _check_states(self, states: list, batch: int, open_batch: bool = False) -> None:
        infos = self.state_info(batch)
        if len(states) != len(infos):
            raise ShapeError(
                f"{self.name}: expected {len(infos)} recurrent states, got {len(states)}"
            )
        for state, info in zip(states, infos):
            # NOTE: while tracing a 0 dim is open (begin_state(batch_size=0)), as in MXNet,
            # which checks state shapes of NDArrays only.
            shape = tuple(state.shape)
            if len(shape) != len(info["shape"]) or any(
                    d != e and not (open_batch and d == 0) for d, e in zip(shape, info["shape"])):
                raise ShapeError(
                    f"{self.name}: invalid recurrent state shape. Expecting "
                    f"{info['shape']}, got {tuple(state.shape)}"
                )

    def hybrid_forward(self, F: Any, inputs: Any, *args: Any, **params: Any) -> Any:
        lengths = args[-1] if self._use_sequence_length else None
        states = list(args[:-1] if self._use_sequence_length else args)
        if self._layout == "NTC":
            inputs = F.swapaxes(inputs, dim1=0, dim2=1)
        skip = not states
        if skip:
            states = self._zero_states(F, inputs)
        elif inputs.shape is not None:
            tracing = not isinstance(inputs, ndarray.NDArray)  # eager F differs in numpy mode
            self._check_states(states, inputs.shape[1], open_batch=tracing)
            if tracing:
                states = self._open_states_follow_batch(F, inputs, states)
        flat = F._rnn_param_concat(
            *(
                params[f"{d}{layer}_{g}_{t}"].reshape(-1)
                for t in ("weight", "bias")
                for layer in range(self._num_layers)
                for d in "lr"[: self._dir]
                for g in ("i2h", "h2h")
            ),
            dim=0,
        )
        extra = [lengths] if lengths is not None else []
        rnn = F.RNN(
            inputs,
            flat,
            *states,
            *extra,
            use_sequence_length=self._use_sequence_length,
            state_size=self._hidden_size,
            num_layers=self._num_layers,
            bidirectional=self._dir == 2,
            p=self._dropout,
            state_outputs=True,
            mode=self._mode,
        )
        out, *new_states = rnn
        if self._layout == "NTC":
            out = F.swapaxes(out, dim1=0, dim2=1)
        return out if skip else (out, new_states)
