"""Pooling and padding layers (MXNet 1.9 ``gluon.nn``)."""

from __future__ import annotations

from typing import Any

from ...base import HybridError, numeric_types
from ..block import HybridBlock
from .conv_layers import as_tuple, check_layout

__all__ = [
    "MaxPool1D",
    "MaxPool2D",
    "MaxPool3D",
    "AvgPool1D",
    "AvgPool2D",
    "AvgPool3D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPool3D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalAvgPool3D",
    "ReflectionPad2D",
]


class _Pooling(HybridBlock):
    """Family base of the pooling layers (the ``Pooling`` op) of ``_ndim`` spatial dims."""

    _ndim = 0

    def __init__(
        self,
        pool_size: Any,
        strides: Any,
        padding: Any,
        ceil_mode: bool,
        global_pool: bool,
        pool_type: str,
        layout: str,
        count_include_pad: bool | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        name, n = type(self).__name__, self._ndim
        check_layout(name, layout, n)
        pool_size = as_tuple(name, "pool_size", pool_size, n)
        strides = pool_size if strides is None else strides
        self._kwargs = {
            "kernel": pool_size,
            "stride": as_tuple(name, "strides", strides, n),
            "pad": as_tuple(name, "padding", padding, n),
            "global_pool": global_pool,
            "pool_type": pool_type,
            "layout": layout,
            "pooling_convention": "full" if ceil_mode else "valid",
        }
        if count_include_pad is not None:
            self._kwargs["count_include_pad"] = count_include_pad

    def _alias(self) -> str:
        return "pool"

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.Pooling(x, name="fwd", **self._kwargs)

    def __repr__(self) -> str:
        k = self._kwargs
        return (
            f"{type(self).__name__}(size={k['kernel']}, stride={k['stride']}, padding={k['pad']}, "
            f"ceil_mode={k['pooling_convention'] == 'full'}, global_pool={k['global_pool']}, "
            f"pool_type={k['pool_type']}, layout={k['layout']})"
        )


_POOL_DOC = """{n}-D {kind} pooling.

    Parameters
    ----------
    pool_size : int or tuple of {n} ints, default 2
    strides : int or tuple of {n} ints, optional
        Default: ``pool_size``.
    padding : int or tuple of {n} ints, default 0
    layout : str, default '{layout}'
        Or the channel-last layout: data ``(batch_size, *spatial, channels)``.
    ceil_mode : bool, default False
        Round the output size up instead of down.{extra}

    Inputs: ``data`` ``(batch_size, channels, *spatial)``. Outputs:
    ``(batch_size, channels, *out)`` with ``out = floor((x + 2p - k) / s) + 1`` (ceil with
    ``ceil_mode``).
    """
_COUNT_PAD = """
    count_include_pad : bool, default True
        Count padded elements in the average."""


class MaxPool1D(_Pooling):
    __doc__ = _POOL_DOC.format(n=1, kind="max", layout="NCW", extra="")
    _ndim = 1

    def __init__(
        self,
        pool_size: Any = 2,
        strides: Any = None,
        padding: Any = 0,
        layout: str = "NCW",
        ceil_mode: bool = False,
        **kwargs: Any,
    ):
        super().__init__(pool_size, strides, padding, ceil_mode, False, "max", layout, **kwargs)


class MaxPool2D(_Pooling):
    __doc__ = _POOL_DOC.format(n=2, kind="max", layout="NCHW", extra="")
    _ndim = 2

    def __init__(
        self,
        pool_size: Any = (2, 2),
        strides: Any = None,
        padding: Any = 0,
        layout: str = "NCHW",
        ceil_mode: bool = False,
        **kwargs: Any,
    ):
        super().__init__(pool_size, strides, padding, ceil_mode, False, "max", layout, **kwargs)


class MaxPool3D(_Pooling):
    __doc__ = _POOL_DOC.format(n=3, kind="max", layout="NCDHW", extra="")
    _ndim = 3

    def __init__(
        self,
        pool_size: Any = (2, 2, 2),
        strides: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        layout: str = "NCDHW",
        **kwargs: Any,
    ):
        super().__init__(pool_size, strides, padding, ceil_mode, False, "max", layout, **kwargs)


class AvgPool1D(_Pooling):
    __doc__ = _POOL_DOC.format(n=1, kind="average", layout="NCW", extra=_COUNT_PAD)
    _ndim = 1

    def __init__(
        self,
        pool_size: Any = 2,
        strides: Any = None,
        padding: Any = 0,
        layout: str = "NCW",
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        **kwargs: Any,
    ):
        super().__init__(
            pool_size,
            strides,
            padding,
            ceil_mode,
            False,
            "avg",
            layout,
            count_include_pad,
            **kwargs,
        )


class AvgPool2D(_Pooling):
    __doc__ = _POOL_DOC.format(n=2, kind="average", layout="NCHW", extra=_COUNT_PAD)
    _ndim = 2

    def __init__(
        self,
        pool_size: Any = (2, 2),
        strides: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        layout: str = "NCHW",
        count_include_pad: bool = True,
        **kwargs: Any,
    ):
        super().__init__(
            pool_size,
            strides,
            padding,
            ceil_mode,
            False,
            "avg",
            layout,
            count_include_pad,
            **kwargs,
        )


class AvgPool3D(_Pooling):
    __doc__ = _POOL_DOC.format(n=3, kind="average", layout="NCDHW", extra=_COUNT_PAD)
    _ndim = 3

    def __init__(
        self,
        pool_size: Any = (2, 2, 2),
        strides: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        layout: str = "NCDHW",
        count_include_pad: bool = True,
        **kwargs: Any,
    ):
        super().__init__(
            pool_size,
            strides,
            padding,
            ceil_mode,
            False,
            "avg",
            layout,
            count_include_pad,
            **kwargs,
        )


class _GlobalPooling(_Pooling):
    """Family base: one value per channel; the spatial dims stay, with size 1."""

    _pool_type = "max"

    def __init__(self, layout: str | None = None, **kwargs: Any):
        layout = layout or self._default_layout
        super().__init__((1,) * self._ndim, None, 0, True, True, self._pool_type, layout, **kwargs)


def _global_doc(n: int, kind: str, layout: str) -> str:
    return (
        f"Global {n}-D {kind} pooling: ``(batch_size, channels, *spatial)`` to "
        f"``(batch_size, channels{', 1' * n})``; layout default '{layout}'."
    )


class GlobalMaxPool1D(_GlobalPooling):
    __doc__ = _global_doc(1, "max", "NCW")
    _ndim = 1
    _default_layout = "NCW"


class GlobalMaxPool2D(_GlobalPooling):
    __doc__ = _global_doc(2, "max", "NCHW")
    _ndim = 2
    _default_layout = "NCHW"


class GlobalMaxPool3D(_GlobalPooling):
    __doc__ = _global_doc(3, "max", "NCDHW")
    _ndim = 3
    _default_layout = "NCDHW"


class GlobalAvgPool1D(_GlobalPooling):
    __doc__ = _global_doc(1, "average", "NCW")
    _ndim = 1
    _default_layout = "NCW"
    _pool_type = "avg"


class GlobalAvgPool2D(_GlobalPooling):
    __doc__ = _global_doc(2, "average", "NCHW")
    _ndim = 2
    _default_layout = "NCHW"
    _pool_type = "avg"


class GlobalAvgPool3D(_GlobalPooling):
    __doc__ = _global_doc(3, "average", "NCDHW")
    _ndim = 3
    _default_layout = "NCDHW"
    _pool_type = "avg"


class ReflectionPad2D(HybridBlock):
    """Pads the two spatial dims of ``(batch_size, channels, height, width)`` by reflection.

    Parameters
    ----------
    padding : int or tuple of 8 ints, default 0
        An int pads every spatial side by that much; a tuple is ``pad_width`` of ``nd.pad``.
    """

    def __init__(self, padding: Any = 0, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(padding, numeric_types):
            padding = (0, 0, 0, 0, padding, padding, padding, padding)
        if len(padding) != 8:
            raise HybridError(f"ReflectionPad2D: padding={padding}, expected an int or 8 ints")
        self._padding = tuple(padding)

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        return F.pad(x, mode="reflect", pad_width=self._padding)
