"""MXNet 1.9.1's contributed layers: SparseEmbedding (with dense storage), SyncBatchNorm and the
pixel shuffles.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .... import ndarray as nd
from ....base import HybridError
from ...block import Block, HybridBlock
from ...nn import BatchNorm


class SparseEmbedding(Block):
    """``Embedding`` as MXNet's contrib block for huge vocabularies: ``out[..., :] =
    weight[data[...], :]``.

    MXNet keeps the weight and its gradient as row-sparse arrays; hybrid has no sparse storage,
    so both are dense (the gradient has zero rows for unused indices): the values, and every
    optimizer's update, are those of a dense ``Embedding``.

    Parameters
    ----------
    input_dim : int
        Vocabulary size.
    output_dim : int
        Vector size.
    dtype : str, default 'float32'
    weight_initializer : Initializer, optional

    Attributes: ``weight`` ``(input_dim, output_dim)``.
    Inputs: ``data`` of shape ``(x1, ..., xN-1)``. Outputs: ``(x1, ..., xN-1, output_dim)``.
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        dtype: Any = "float32",
        weight_initializer: Any = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self._kwargs = {"input_dim": input_dim, "output_dim": output_dim, "dtype": dtype}
        self.weight = self.params.get(
            "weight", shape=(input_dim, output_dim), init=weight_initializer, dtype=dtype
        )

    def forward(self, x: Any) -> Any:
        return nd.Embedding(x, self.weight.data(x.context), name="fwd", **self._kwargs)

    def __repr__(self) -> str:
        k = self._kwargs
        return f"{type(self).__name__}({k['input_dim']} -> {k['output_dim']}, {k['dtype']})"


class SyncBatchNorm(BatchNorm):
    """Batch normalization over channel axis 1 whose training-mode mean and variance are those
    of the whole batch across the workers of the distributed KVStore (``dist_sync`` under
    ``hybrid-run``); in one process it is :class:`~hybrid.gluon.nn.BatchNorm` exactly.

    Parameters
    ----------
    in_channels : int, default 0
        Number of channels; 0 infers it from the first input.
    num_devices : int, optional
        MXNet's count of devices to synchronise (passed on as ``ndev``); default 1, with the
        warning MXNet gives. The workers reduced over are the distributed store's.
    momentum, epsilon, center, scale, use_global_stats, beta_initializer, gamma_initializer,
    running_mean_initializer, running_variance_initializer : as :class:`BatchNorm`.

    Inputs: ``data`` ``(batch, channels, ...)``. Outputs: the same shape.
    """

    _op_name = "_contrib_SyncBatchNorm"

    def __init__(
        self,
        in_channels: int = 0,
        num_devices: int | None = None,
        momentum: float = 0.9,
        epsilon: float = 1e-5,
        center: bool = True,
        scale: bool = True,
        use_global_stats: bool = False,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        running_mean_initializer: Any = "zeros",
        running_variance_initializer: Any = "ones",
        **kwargs: Any,
    ):
        super().__init__(
            axis=1,
            momentum=momentum,
            epsilon=epsilon,
            center=center,
            scale=scale,
            use_global_stats=use_global_stats,
            beta_initializer=beta_initializer,
            gamma_initializer=gamma_initializer,
            running_mean_initializer=running_mean_initializer,
            running_variance_initializer=running_variance_initializer,
            in_channels=in_channels,
            **kwargs,
        )
        if num_devices is None:
            warnings.warn(
                "Caution using SyncBatchNorm: if not using all the GPUs, please mannually set "
                "num_devices",
                UserWarning,
                stacklevel=2,
            )
            num_devices = 1  # NOTE: MXNet counts GPUs here; hybrid has none
        del self._kwargs["axis"]  # BatchNorm's attributes; the op's channel axis is always 1
        self._kwargs.update(ndev=num_devices, key=self.prefix)

    def hybrid_forward(
        self, F: Any, x: Any, gamma: Any, beta: Any, running_mean: Any, running_var: Any
    ) -> Any:
        return F.contrib.SyncBatchNorm(
            x, gamma, beta, running_mean, running_var, name="fwd", **self._kwargs
        )


def _factors(layer: str, factor: Any, ndim: int) -> tuple:
    values = (factor,) * ndim if isinstance(factor, int) else tuple(factor)
    if len(values) != ndim or not all(int(f) == f and f > 0 for f in values):
        raise HybridError(f"{layer}: factor must be a positive int or {ndim} of them, got {factor}")
    return tuple(int(f) for f in values)


class _PixelShuffle(HybridBlock):
    """Moves groups of ``prod(factors)`` channels into blocks of the spatial dims:
    ``(N, C * f1 * ... * fk, d1, ..., dk) -> (N, C, d1 * f1, ..., dk * fk)``, channel
    ``c * prod(f) + offset`` landing at block offset ``offset`` (row-major over ``f``).
    """

    _ndim = 0

    def __init__(self, factor: Any):
        super().__init__()
        self._factors = _factors(type(self).__name__, factor, self._ndim)

    def hybrid_forward(self, F: Any, x: Any) -> Any:
        f, k = self._factors, self._ndim
        x = F.reshape(x, (0, -4, -1, math.prod(f)) + (0,) * k)  # (N, C, prod(f), d1..dk)
        for i in range(k - 1):  # split off one factor at a time: (N, C, f1..fi, rest, d1..dk)
            x = F.reshape(x, (0,) * (2 + i) + (-4, f[i], -1) + (0,) * k)
        order = (0, 1) + tuple(a for j in range(k) for a in (2 + k + j, 2 + j))
        x = F.transpose(x, order)  # (N, C, d1, f1, ..., dk, fk)
        return F.reshape(x, (0, 0) + (-3,) * k)  # (N, C, d1*f1, ..., dk*fk)

    def __repr__(self) -> str:
        shown = self._factors[0] if self._ndim == 1 else self._factors
        return f"{type(self).__name__}({shown})"


class PixelShuffle1D(_PixelShuffle):
    """Pixel shuffle along W: ``(N, f*C, W) -> (N, C, W*f)``.

    Parameters
    ----------
    factor : int or 1-tuple of int
        Upsampling factor.

    Examples
    --------
    >>> import hybrid
    >>> from hybrid.gluon.contrib.nn import PixelShuffle1D, PixelShuffle2D, PixelShuffle3D
    >>> PixelShuffle1D(2)(hybrid.nd.zeros((1, 8, 3))).shape
    (1, 4, 6)
    """

    _ndim = 1


class PixelShuffle2D(_PixelShuffle):
    """Pixel shuffle along H and W: ``(N, f1*f2*C, H, W) -> (N, C, H*f1, W*f2)`` (the sub-pixel
    convolution upsampling of Shi et al., 2016).

    Parameters
    ----------
    factor : int or 2-tuple of int
        Upsampling factors for H and W.

    Examples
    --------
    >>> import hybrid
    >>> from hybrid.gluon.contrib.nn import PixelShuffle1D, PixelShuffle2D, PixelShuffle3D
    >>> PixelShuffle2D((2, 3))(hybrid.nd.zeros((1, 12, 3, 5))).shape
    (1, 2, 6, 15)
    """

    _ndim = 2


class PixelShuffle3D(_PixelShuffle):
    """Pixel (voxel) shuffle along D, H and W: ``(N, f1*f2*f3*C, D, H, W) ->
    (N, C, D*f1, H*f2, W*f3)``.

    Parameters
    ----------
    factor : int or 3-tuple of int
        Upsampling factors for D, H and W.

    Examples
    --------
    >>> import hybrid
    >>> from hybrid.gluon.contrib.nn import PixelShuffle1D, PixelShuffle2D, PixelShuffle3D
    >>> PixelShuffle3D((2, 3, 4))(hybrid.nd.zeros((1, 48, 3, 5, 7))).shape
    (1, 2, 6, 15, 28)
    """

    _ndim = 3
