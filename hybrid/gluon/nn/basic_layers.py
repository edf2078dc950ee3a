"""Basic layers: Dense, Dropout, Embedding, Flatten, Identity, Lambda (MXNet 1.9 ``gluon.nn``).

The containers (Sequential, Concatenate and their hybrid forms) are in ``containers.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import ndarray
from ...base import HybridError
from ...ops.registry import get_op
from ..block import Block, HybridBlock
from .activations import Activation

__all__ = [
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "Identity",
    "Lambda",
    "HybridLambda",
    "infer_param_shapes",
]


def infer_param_shapes(op_name: str, x: Any, params: list, **attrs: Any) -> None:
    """Fill the unknown dims of ``params`` (the op's inputs after ``data``) from ``x``'s shape.

    Uses the op's two-way ``infer``, the same rule the tracer uses (see Note [Deferred
    initialization] in hybrid.gluon.parameter).
    """
    op = get_op(op_name)
    shapes = [tuple(x.shape)] + [p.shape for p in params]
    dtypes = [np.dtype(x.dtype)] * len(shapes)
    in_shapes = op.infer(shapes, dtypes, **op.parse_attrs(attrs))[0]
    for param, shape in zip(params, in_shapes[1:]):
        param.shape = shape


class Dense(HybridBlock):
    """Densely connected layer: ``out = activation(dot(x, weight.T) + bias)``.

    Parameters
    ----------
    units : int
        Output size.
    activation : str, optional
        Activation applied to the output (see :class:`Activation`).
    use_bias : bool, default True
    flatten : bool, default True
        Flatten all input dims but the first; else apply to the last dim only.
    dtype : str, default 'float32'
    weight_initializer : Initializer, optional
        Default: the global initializer given to ``initialize()``.
    bias_initializer : Initializer or str, default 'zeros'
    in_units : int, default 0
        Input size; 0 infers it from the first input (deferred initialization).

    Attributes: ``weight`` ``(units, in_units)``, ``bias`` ``(units,)``.
    Inputs: ``data`` ``(batch_size, x1, ..., xn)``. Outputs: ``(batch_size, units)`` with
    ``flatten=True``, else ``(x1, ..., xn-1, units)``.

    Examples
    --------
    >>> import hybrid as mx
    >>> layer = mx.gluon.nn.Dense(120)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((10, 400))).shape, layer.weight.shape
    ((10, 120), (120, 400))
    """

    def __init__(
        self,
        units: int,
        activation: str | None = None,
        use_bias: bool = True,
        flatten: bool = True,
        dtype: Any = "float32",
        weight_initializer: Any = None,
        bias_initializer: Any = "zeros",
        in_units: int = 0,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._flatten = flatten
        with self.name_scope():
            self._units = units
            self._in_units = in_units
            self.weight = self.params.get(
                "weight",
                shape=(units, in_units),
                init=weight_initializer,
                dtype=dtype,
                allow_deferred_init=True,
            )
            self.bias = (
                self.params.get(
                    "bias",
                    shape=(units,),
                    init=bias_initializer,
                    dtype=dtype,
                    allow_deferred_init=True,
                )
                if use_bias
                else None
            )
            self.act = Activation(activation, prefix=activation + "_") if activation else None

    def infer_shape(self, x: Any, *args: Any) -> None:
        params = [self.weight] + ([self.bias] if self.bias is not None else [])
        infer_param_shapes(
            "FullyConnected",
            x,
            params,
            num_hidden=self._units,
            no_bias=self.bias is None,
            flatten=self._flatten,
        )

    def hybrid_forward(self, F: Any, x: Any, weight: Any, bias: Any = None) -> Any:
        out = F.FullyConnected(
            x,
            weight,
            bias,
            no_bias=bias is None,
            num_hidden=self._units,
            flatten=self._flatten,
            name="fwd",
        )
        return self.act(out) if self.act is not None else out

    def __repr__(self) -> str:
        units, in_units = self.weight.shape
        act = self.act if self.act is not None else "linear"
        return f"{type(self).__name__}({in_units or None} -> {units}, {act})"


class Dropout(HybridBlock):
    """Dropout in training mode: zeroes elements with probability ``rate``, scales the rest by
    ``1 / (1 - rate)``; the identity in inference mode.

    Parameters
    ----------
    rate : float
        Fraction of the input units to drop, in [0, 1].
    axes : tuple of int, default ()
        Axes on which the dropout mask is shared (variational dropout).
    """

    def __init__(self, rate: float, axes: tuple = (), **kwargs: Any):
        super().__init__(**kwargs)
        self._rate = rate
        self._axes = axes

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        if self._rate > 0:
            return F.Dropout(x, p=self._rate, axes=self._axes, name="fwd")
        return F.identity(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p = {self._rate}, axes={self._axes})"


class Embedding(HybridBlock):
    """Maps integer indices to dense vectors: ``out[..., :] = weight[data[...], :]``.

    Parameters
    ----------
    input_dim : int
        Vocabulary size.
    output_dim : int
        Vector size.
    dtype : str, default 'float32'
    weight_initializer : Initializer, optional
    sparse_grad : bool, default False
        MXNet's row-sparse gradient; hybrid accepts it and keeps the gradient dense (the same
        values, zero in the rows not picked).

    Attributes: ``weight`` ``(input_dim, output_dim)``.
    Inputs: ``data`` of any shape (indices). Outputs: ``data.shape + (output_dim,)``.
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        dtype: Any = "float32",
        weight_initializer: Any = None,
        sparse_grad: bool = False,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        grad_stype = "row_sparse" if sparse_grad else "default"
        self._kwargs = {
            "input_dim": input_dim,
            "output_dim": output_dim,
            "dtype": dtype,
            "sparse_grad": sparse_grad,
        }
        self.weight = self.params.get(
            "weight",
            shape=(input_dim, output_dim),
            init=weight_initializer,
            dtype=dtype,
            allow_deferred_init=True,
            grad_stype=grad_stype,
        )

    def hybrid_forward(self, F: Any, x: Any, weight: Any) -> Any:
        return F.Embedding(x, weight, name="fwd", **self._kwargs)

    def __repr__(self) -> str:
        k = self._kwargs
        return f"{type(self).__name__}({k['input_dim']} -> {k['output_dim']}, {k['dtype']})"


class Flatten(HybridBlock):
    """Flattens the input to two dims: ``(batch_size, x1 * ... * xn)``."""

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.Flatten(x)

    def __repr__(self) -> str:
        return type(self).__name__


class Identity(HybridBlock):
    """Passes its input through unchanged (a branch of ``HybridConcurrent`` that keeps ``x``).

    Examples
    --------
    >>> import hybrid as mx
    >>> mx.gluon.nn.Identity()(mx.nd.ones((2,))).asnumpy().tolist()
    [1.0, 1.0]
    """

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return x


def _function_name(function: Any) -> str:
    return function if isinstance(function, str) else getattr(function, "__name__", "<lambda>")


class Lambda(Block):
    """Wraps a function (or the name of an ``nd`` function) as a Block.

    Examples
    --------
    >>> import hybrid as mx
    >>> mx.gluon.nn.Lambda('tanh')(mx.nd.zeros((2,))).asnumpy()
    array([0., 0.], dtype=float32)
    """

    def __init__(self, function: Any, prefix: str | None = None):
        super().__init__(prefix=prefix)
        if isinstance(function, str):
            if not hasattr(ndarray, function):
                raise HybridError(f"Lambda: no function named {function!r} in hybrid.nd")
            function = getattr(ndarray, function)
        elif not callable(function):
            raise HybridError(f"Lambda: expected a function or a name, got {function!r}")
        self._func_impl = function

    def forward(self, *args: Any) -> Any:
        return self._func_impl(*args)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_function_name(self._func_impl)})"


class HybridLambda(HybridBlock):
    """Wraps ``function(F, x, *args)`` (or the name of an op in ``F``) as a HybridBlock."""

    def __init__(self, function: Any, prefix: str | None = None):
        super().__init__(prefix=prefix)
        if isinstance(function, str):
            if not hasattr(ndarray, function):
                raise HybridError(f"HybridLambda: no function named {function!r} in hybrid.nd")
            name = function
            self._func = lambda F, *args: getattr(F, name)(*args)
        elif callable(function):
            self._func = function
        else:
            raise HybridError(f"HybridLambda: expected a function or a name, got {function!r}")
        self._func_name = _function_name(function)

    def hybrid_forward(self, F: Any, x: Any, *args: Any) -> Any:
        return self._func(F, x, *args)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._func_name})"
