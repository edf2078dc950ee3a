"""Normalization layers: BatchNorm, InstanceNorm, LayerNorm, GroupNorm (MXNet 1.9 ``gluon.nn``).

Each owns ``gamma`` and ``beta`` of shape ``(in_channels,)``; with ``in_channels=0`` the size comes
from the first input (deferred initialization through the op's ``infer``). GroupNorm's are
``(num_groups,)``, as in MXNet.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..block import HybridBlock
from .basic_layers import infer_param_shapes

__all__ = ["BatchNorm", "BatchNormReLU", "InstanceNorm", "LayerNorm", "GroupNorm"]


class _AffineNorm(HybridBlock):
    """Family base: creates ``gamma``/``beta`` and prints ``Name(k=v, ..., in_channels=c)``."""

    _op_name = ""

    def _affine_params(
        self,
        op_kwargs: dict,
        center: bool,
        scale: bool,
        beta_init: Any,
        gamma_init: Any,
        in_channels: int,
    ) -> None:
        """Keep the op's attributes; create ``gamma`` (trained when ``scale``) and ``beta``
        (trained when ``center``)."""
        self._kwargs = op_kwargs
        self._epsilon = op_kwargs["eps"]
        self.gamma = self.params.get(
            "gamma",
            grad_req="write" if scale else "null",
            shape=(in_channels,),
            init=gamma_init,
            allow_deferred_init=True,
            differentiable=scale,
        )
        self.beta = self.params.get(
            "beta",
            grad_req="write" if center else "null",
            shape=(in_channels,),
            init=beta_init,
            allow_deferred_init=True,
            differentiable=center,
        )

    def _param_list(self) -> list:
        return [self.gamma, self.beta]

    def _data_for_infer(self, x: Any) -> Any:
        return x

    def infer_shape(self, x: Any, *args: Any) -> None:
        attrs = {k: v for k, v in self._kwargs.items() if k not in ("center", "scale")}
        infer_param_shapes(self._op_name, self._data_for_infer(x), self._param_list(), **attrs)

    def __repr__(self) -> str:
        content = ", ".join(f"{k}={v!r}" for k, v in self._kwargs.items())
        in_channels = self.gamma.shape[0]
        return f"{type(self).__name__}({content}, in_channels={in_channels or None})"


class BatchNorm(_AffineNorm):
    """Batch normalization: ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta`` per channel.

    In training mode the batch's mean and variance are used and the running statistics move
    towards them: ``running = momentum * running + (1 - momentum) * batch``. In inference mode
    (or with ``use_global_stats``) the running statistics are used.

    Parameters
    ----------
    axis : int, default 1
        The channel axis.
    momentum : float, default 0.9
    epsilon : float, default 1e-5
    center : bool, default True
        Add ``beta``; when False beta stays 0 and is not trained.
    scale : bool, default True
        Multiply by ``gamma``; when False gamma is fixed at 1.
    use_global_stats : bool, default False
    beta_initializer, gamma_initializer : default 'zeros', 'ones'
    running_mean_initializer, running_variance_initializer : default 'zeros', 'ones'
    in_channels : int, default 0
        Number of channels; 0 infers it from the first input.

    Attributes: ``gamma``, ``beta``, ``running_mean``, ``running_var``, each ``(in_channels,)``;
    the running statistics have ``grad_req='null'``.
    Inputs: ``data`` of any shape. Outputs: the same shape.
    """

    _op_name = "BatchNorm"

    def __init__(
        self,
        axis: int = 1,
        momentum: float = 0.9,
        epsilon: float = 1e-5,
        center: bool = True,
        scale: bool = True,
        use_global_stats: bool = False,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        running_mean_initializer: Any = "zeros",
        running_variance_initializer: Any = "ones",
        in_channels: int = 0,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._axis = axis
        if in_channels != 0:
            self.in_channels = in_channels
        attrs = {
            "axis": axis,
            "eps": epsilon,
            "momentum": momentum,
            "fix_gamma": not scale,
            "use_global_stats": use_global_stats,
        }
        self._affine_params(attrs, center, scale, beta_initializer, gamma_initializer, in_channels)
        self.running_mean = self.params.get(
            "running_mean",
            grad_req="null",
            shape=(in_channels,),
            init=running_mean_initializer,
            allow_deferred_init=True,
            differentiable=False,
        )
        self.running_var = self.params.get(
            "running_var",
            grad_req="null",
            shape=(in_channels,),
            init=running_variance_initializer,
            allow_deferred_init=True,
            differentiable=False,
        )

    def _param_list(self) -> list:
        return [self.gamma, self.beta, self.running_mean, self.running_var]

    def cast(self, dtype: Any) -> None:
        # NOTE: MXNet keeps BatchNorm in float32 when a network is cast to float16.
        if np.dtype(dtype) == np.float16:
            dtype = "float32"
        super().cast(dtype)

    def hybrid_forward(
        self, F: Any, x: Any, gamma: Any, beta: Any, running_mean: Any, running_var: Any
    ) -> Any:
        return F.BatchNorm(x, gamma, beta, running_mean, running_var, name="fwd", **self._kwargs)


class BatchNormReLU(BatchNorm):
    """Batch normalization followed by ``relu``: ``y = max(BatchNorm(x), 0)`` (MXNet fuses the
    two into one kernel; here they are two ops, with the same parameters and arguments as
    :class:`BatchNorm`).
    """

    def hybrid_forward(
        self, F: Any, x: Any, gamma: Any, beta: Any, running_mean: Any, running_var: Any
    ) -> Any:
        return F.relu(super().hybrid_forward(F, x, gamma, beta, running_mean, running_var))


class InstanceNorm(_AffineNorm):
    """Instance normalization: moments over the spatial axes of each sample and channel.

    ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    Parameters
    ----------
    axis : int, default 1
        The channel axis.
    epsilon : float, default 1e-5
    center : bool, default True
    scale : bool, default False
    beta_initializer, gamma_initializer : default 'zeros', 'ones'
    in_channels : int, default 0

    Inputs: ``data`` ``(batch_size, channels, ...)`` (channels at ``axis``). Outputs: the same.
    """

    _op_name = "InstanceNorm"

    def __init__(
        self,
        axis: int = 1,
        epsilon: float = 1e-5,
        center: bool = True,
        scale: bool = False,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        in_channels: int = 0,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._axis = axis
        self._affine_params(
            {"eps": epsilon, "axis": axis, "center": center, "scale": scale},
            center,
            scale,
            beta_initializer,
            gamma_initializer,
            in_channels,
        )

    def infer_shape(self, x: Any, *args: Any) -> None:
        shape = list(x.shape)
        shape[1], shape[self._axis] = shape[self._axis], shape[1]
        infer_param_shapes(
            "InstanceNorm", _Shaped(shape, x.dtype), self._param_list(), eps=self._epsilon
        )

    def hybrid_forward(self, F: Any, x: Any, gamma: Any, beta: Any) -> Any:
        if self._axis == 1:
            return F.InstanceNorm(x, gamma, beta, name="fwd", eps=self._epsilon)
        x = x.swapaxes(1, self._axis)
        return F.InstanceNorm(x, gamma, beta, name="fwd", eps=self._epsilon).swapaxes(1, self._axis)


class _Shaped:
    """A shape and dtype standing in for an array in ``infer_param_shapes``."""

    def __init__(self, shape: list, dtype: Any):
        self.shape, self.dtype = tuple(shape), dtype


class LayerNorm(_AffineNorm):
    """Layer normalization: moments over ``axis`` of each sample.

    ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    Parameters
    ----------
    axis : int, default -1
    epsilon : float, default 1e-5
    center, scale : bool, default True
    beta_initializer, gamma_initializer : default 'zeros', 'ones'
    in_channels : int, default 0
        Size of ``axis``; 0 infers it from the first input.

    Inputs: ``data`` of any shape. Outputs: the same shape.
    """

    _op_name = "LayerNorm"

    def __init__(
        self,
        axis: int = -1,
        epsilon: float = 1e-5,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        in_channels: int = 0,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._axis = axis
        self._affine_params(
            {"eps": epsilon, "axis": axis, "center": center, "scale": scale},
            center,
            scale,
            beta_initializer,
            gamma_initializer,
            in_channels,
        )

    def hybrid_forward(self, F: Any, data: Any, gamma: Any, beta: Any) -> Any:
        return F.LayerNorm(data, gamma=gamma, beta=beta, axis=self._axis, eps=self._epsilon)


class GroupNorm(_AffineNorm):
    """Group normalization: channels split into ``num_groups``; moments over each group.

    ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta`` with one gamma and one beta per
    group: both have shape ``(num_groups,)``, as in MXNet 1.9.1.

    Parameters
    ----------
    num_groups : int, default 1
    epsilon : float, default 1e-5
    center, scale : bool, default True
    beta_initializer, gamma_initializer : default 'zeros', 'ones'

    Inputs: ``data`` ``(batch_size, channels, ...)`` with ``channels`` divisible by
    ``num_groups``. Outputs: the same shape.
    """

    _op_name = "GroupNorm"

    def __init__(
        self,
        num_groups: int = 1,
        epsilon: float = 1e-5,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._num_groups = num_groups
        self._affine_params(
            {"eps": epsilon, "num_groups": num_groups, "center": center, "scale": scale},
            center,
            scale,
            beta_initializer,
            gamma_initializer,
            num_groups,
        )

    def __repr__(self) -> str:
        content = ", ".join(f"{k}={v!r}" for k, v in self._kwargs.items())
        return f"{type(self).__name__}({content})"

    def hybrid_forward(self, F: Any, data: Any, gamma: Any, beta: Any) -> Any:
        return F.GroupNorm(
            data, gamma=gamma, beta=beta, num_groups=self._num_groups, eps=self._epsilon
        )
