"""Convolution and transposed convolution layers (MXNet 1.9 ``gluon.nn``)."""

from __future__ import annotations

from typing import Any

from ...base import HybridError, numeric_types
from ...ops._layout import CHANNEL_LAST, shape_to_last
from ..block import HybridBlock
from .activations import Activation
from .basic_layers import infer_param_shapes

__all__ = [
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
]


def as_tuple(layer: str, name: str, value: Any, n: int) -> tuple:
    """An int repeated ``n`` times, or a tuple checked to have ``n`` entries."""
    if isinstance(value, numeric_types):
        return (int(value),) * n
    value = tuple(value)
    if len(value) != n:
        raise HybridError(f"{layer}: {name}={value} must be an int or a tuple of {n} ints")
    return value


_CHANNEL_FIRST = {1: "NCW", 2: "NCHW", 3: "NCDHW"}
_CHANNEL_LAST = {1: "NWC", 2: "NHWC", 3: "NDHWC"}


def check_layout(layer: str, layout: str, n: int, channel_last: bool = True) -> None:
    """``layout`` must be the channel-first one of ``n`` spatial dims or, when allowed, the
    channel-last one (MXNet 1.9's 1-D convolutions are channel-first only).
    """
    allowed = (_CHANNEL_FIRST[n], _CHANNEL_LAST[n]) if channel_last else (_CHANNEL_FIRST[n],)
    if layout not in allowed:
        raise HybridError(
            f"{layer}: layout={layout!r} is not supported; expected one of {allowed}"
        )


class _Conv(HybridBlock):
    """Family base of the convolution layers (the ``Convolution`` or ``Deconvolution`` op).

    The weight is ``(channels, in_channels / groups, *kernel_size)`` for a convolution and
    ``(in_channels, channels / groups, *kernel_size)`` for a transposed one.
    """

    def __init__(
        self,
        channels: int,
        kernel_size: Any,
        strides: Any,
        padding: Any,
        dilation: Any,
        groups: int,
        layout: str,
        in_channels: int = 0,
        activation: str | None = None,
        use_bias: bool = True,
        weight_initializer: Any = None,
        bias_initializer: Any = "zeros",
        op_name: str = "Convolution",
        adj: Any = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        name = type(self).__name__
        n = len(kernel_size) if isinstance(kernel_size, (tuple, list)) else len(layout) - 2
        check_layout(name, layout, n, channel_last=n > 1)
        with self.name_scope():
            self._channels = channels
            self._in_channels = in_channels
            self._op_name = op_name
            kernel = as_tuple(name, "kernel_size", kernel_size, n)
            self._kwargs = {
                "kernel": kernel,
                "stride": as_tuple(name, "strides", strides, n),
                "dilate": as_tuple(name, "dilation", dilation, n),
                "pad": as_tuple(name, "padding", padding, n),
                "num_filter": channels,
                "num_group": groups,
                "no_bias": not use_bias,
                "layout": layout,
            }
            if adj is not None:
                self._kwargs["adj"] = as_tuple(name, "output_padding", adj, n)
            if op_name == "Convolution":
                wshape = (channels, in_channels // groups, *kernel)
            else:
                wshape = (in_channels, channels // groups, *kernel)
            if layout in CHANNEL_LAST:
                wshape = shape_to_last(wshape)
            self.weight = self.params.get(
                "weight", shape=wshape, init=weight_initializer, allow_deferred_init=True
            )
            self.bias = (
                self.params.get(
                    "bias", shape=(channels,), init=bias_initializer, allow_deferred_init=True
                )
                if use_bias
                else None
            )
            self.act = Activation(activation, prefix=activation + "_") if activation else None

    def _alias(self) -> str:
        return "conv"

    def infer_shape(self, x: Any, *args: Any) -> None:
        params = [self.weight] + ([self.bias] if self.bias is not None else [])
        infer_param_shapes(self._op_name, x, params, **self._kwargs)

    def hybrid_forward(self, F: Any, x: Any, weight: Any, bias: Any = None) -> Any:
        op = getattr(F, self._op_name)
        if bias is None:
            out = op(x, weight, name="fwd", **self._kwargs)
        else:
            out = op(x, weight, bias, name="fwd", **self._kwargs)
        return self.act(out) if self.act is not None else out

    def __repr__(self) -> str:
        k = self._kwargs
        n = len(k["kernel"])
        shape = self.weight.shape
        if self._op_name != "Convolution":
            in_ch = shape[0]
        else:
            in_ch = shape[-1] if k["layout"] in CHANNEL_LAST else shape[1]
        s = f"{type(self).__name__}({in_ch or None} -> {self._channels}, "
        s += f"kernel_size={k['kernel']}, stride={k['stride']}"
        if k["pad"] != (0,) * n:
            s += f", padding={k['pad']}"
        if k["dilate"] != (1,) * n:
            s += f", dilation={k['dilate']}"
        if k.get("adj", (0,) * n) != (0,) * n:
            s += f", output_padding={k['adj']}"
        if k["num_group"] != 1:
            s += f", groups={k['num_group']}"
        if self.bias is None:
            s += ", bias=False"
        if self.act is not None:
            s += f", {self.act}"
        return s + ")"


_CONV_DOC = """{n}-D convolution layer: ``out = activation(conv(x, weight) + bias)``.

    Parameters
    ----------
    channels : int
        Output channels.
    kernel_size : int or tuple of {n} ints
    strides, padding, dilation : int or tuple of {n} ints, default 1, 0, 1
    groups : int, default 1
        Channel groups convolved separately.
    layout : str, default '{layout}'
        The channel-first layout, or (2-D and 3-D) the channel-last one ('NHWC', 'NDHWC'):
        data ``(batch_size, *spatial, in_channels)`` and weight
        ``(channels, *kernel_size, in_channels / groups)``.
    activation : str, optional
    use_bias : bool, default True
    weight_initializer : Initializer, optional
    bias_initializer : Initializer or str, default 'zeros'
    in_channels : int, default 0
        Input channels; 0 infers them from the first input.

    Attributes: ``weight`` ``(channels, in_channels / groups, *kernel_size)``, ``bias``
    ``(channels,)``.
    Inputs: ``data`` ``(batch_size, in_channels, *spatial)``. Outputs:
    ``(batch_size, channels, *out)`` with ``out = floor((x + 2p - d(k-1) - 1) / s) + 1``.
    """

_DECONV_DOC = """{n}-D transposed convolution (deconvolution) layer.

    Parameters are Conv{n}D's plus ``output_padding`` (int or tuple of {n} ints, default 0):
    extra rows added at the end of the output. Layout default '{layout}'; 2-D and 3-D layers
    also take the channel-last one, with weight ``(in_channels, *kernel_size, channels / groups)``.

    Attributes: ``weight`` ``(in_channels, channels / groups, *kernel_size)``, ``bias``
    ``(channels,)``.
    Outputs: ``(batch_size, channels, *out)`` with
    ``out = s(x-1) + d(k-1) + 1 - 2p + output_padding``.
    """


class _ConvND(_Conv):
    """An ``_ndim``-D convolution layer with MXNet's positional argument order."""

    _ndim = 0

    def __init__(
        self,
        channels: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        layout: str | None = None,
        activation: str | None = None,
        use_bias: bool = True,
        weight_initializer: Any = None,
        bias_initializer: Any = "zeros",
        in_channels: int = 0,
        **kwargs: Any,
    ):
        n = self._ndim
        super().__init__(
            channels,
            as_tuple(type(self).__name__, "kernel_size", kernel_size, n),
            strides,
            padding,
            dilation,
            groups,
            layout or _CHANNEL_FIRST[n],
            in_channels,
            activation,
            use_bias,
            weight_initializer,
            bias_initializer,
            **kwargs,
        )


class _ConvNDTranspose(_Conv):
    """An ``_ndim``-D transposed convolution layer; ``output_padding`` follows ``padding``."""

    _ndim = 0

    def __init__(
        self,
        channels: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        layout: str | None = None,
        activation: str | None = None,
        use_bias: bool = True,
        weight_initializer: Any = None,
        bias_initializer: Any = "zeros",
        in_channels: int = 0,
        **kwargs: Any,
    ):
        n = self._ndim
        super().__init__(
            channels,
            as_tuple(type(self).__name__, "kernel_size", kernel_size, n),
            strides,
            padding,
            dilation,
            groups,
            layout or _CHANNEL_FIRST[n],
            in_channels,
            activation,
            use_bias,
            weight_initializer,
            bias_initializer,
            op_name="Deconvolution",
            adj=output_padding,
            **kwargs,
        )
        self.outpad = self._kwargs["adj"]


class Conv1D(_ConvND):
    __doc__ = _CONV_DOC.format(n=1, layout="NCW")
    _ndim = 1


class Conv2D(_ConvND):
    __doc__ = _CONV_DOC.format(n=2, layout="NCHW")
    _ndim = 2


class Conv3D(_ConvND):
    __doc__ = _CONV_DOC.format(n=3, layout="NCDHW")
    _ndim = 3


class Conv1DTranspose(_ConvNDTranspose):
    __doc__ = _DECONV_DOC.format(n=1, layout="NCW")
    _ndim = 1


class Conv2DTranspose(_ConvNDTranspose):
    __doc__ = _DECONV_DOC.format(n=2, layout="NCHW")
    _ndim = 2


class Conv3DTranspose(_ConvNDTranspose):
    __doc__ = _DECONV_DOC.format(n=3, layout="NCDHW")
    _ndim = 3
