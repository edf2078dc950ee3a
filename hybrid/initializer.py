"""Weight initializers with MXNet 1.9's names, defaults and dispatch (``hybrid.init``).

An initializer is called as ``init(InitDesc(name, attrs), arr)`` and fills ``arr`` (an NDArray or a
numpy array) in place. All randomness comes from ``hybrid.random.generator()``, so
``hybrid.random.seed(n)`` makes initialization reproducible.

Note [Initializer dispatch]
---------------------------
MXNet picks what to do from the descriptor:

- if ``desc.attrs['__init__']`` is set (Gluon puts a parameter's own ``init`` there, e.g. Dense's
  ``bias_initializer='zeros'``), that initializer's ``_init_weight`` fills the array whatever the
  name is: the parameter's own initializer wins over the global one;
- otherwise the name's suffix decides: ``weight`` -> ``_init_weight`` (the subclass's rule),
  ``bias`` -> 0, ``gamma`` -> 1, ``beta`` -> 0, ``min`` -> 0, ``max`` -> 1, ``running_mean`` /
  ``moving_mean`` / ``moving_inv_var`` / ``moving_avg`` -> 0, ``running_var`` / ``moving_var`` -> 1;
  any other name is an error.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from . import random as _random
from .base import HybridError
from .class_registry import ClassRegistry

__all__ = [
    "InitDesc",
    "Initializer",
    "register",
    "alias",
    "create",
    "Mixed",
    "Zero",
    "One",
    "Constant",
    "Uniform",
    "Normal",
    "Orthogonal",
    "Xavier",
    "MSRAPrelu",
    "Bilinear",
    "LSTMBias",
]

_CLASSES = ClassRegistry("initializer")

# Suffix -> method of the base class; the order matters (``weight`` before ``bias`` ...), and is
# MXNet's. See Note [Initializer dispatch].
_SUFFIX_RULES = (
    ("weight", "_init_weight"),
    ("bias", "_init_bias"),
    ("gamma", "_init_gamma"),
    ("beta", "_init_beta"),
    ("running_mean", "_init_zero"),
    ("running_var", "_init_one"),
    ("moving_mean", "_init_zero"),
    ("moving_var", "_init_one"),
    ("moving_inv_var", "_init_zero"),
    ("moving_avg", "_init_zero"),
    ("min", "_init_zero"),
    ("max", "_init_one"),
)


class InitDesc(str):
    """The name of a variable to initialize, with its attributes (a ``str`` subclass, as in MXNet).

    Parameters
    ----------
    name : str
        Name of the variable, e.g. ``dense0_weight``.
    attrs : dict, optional
        Attributes; ``'__init__'`` names an initializer that overrides the global one.
    global_init : Initializer, optional
        The global initializer to fall back to.
    """

    attrs: dict
    global_init: Initializer | None

    def __new__(cls, name: str, attrs: dict | None = None, global_init: Any = None) -> InitDesc:
        desc = super().__new__(cls, name)
        desc.attrs = attrs or {}
        desc.global_init = global_init
        return desc


def _buffer(arr: Any) -> np.ndarray:
    """The numpy buffer to fill: an NDArray's ``_data`` or the numpy array itself."""
    data = getattr(arr, "_data", arr)
    if not isinstance(data, np.ndarray):
        raise HybridError(f"initializer: expected an NDArray or numpy array, got {type(arr)}")
    return data


class Initializer:
    """Base class of initializers: ``init(desc, arr)`` fills ``arr`` in place.

    Subclasses define ``_init_weight(name, arr)``; biases, gammas, betas and running statistics
    get MXNet's fixed values. See Note [Initializer dispatch].
    """

    def __init__(self, **kwargs: Any):
        self._kwargs = kwargs

    def dumps(self) -> str:
        """JSON ``[name, kwargs]`` describing this initializer, e.g. ``'["normal", {"sigma":
        0.5}]'``.
        """
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])

    def __eq__(self, other: object) -> bool:
        # Two initializers of one type with the same arguments are equal, as in MXNet (shared
        # parameters compare their init when a block takes another's params).
        if not isinstance(other, Initializer):
            return NotImplemented
        return type(self) is type(other) and self._kwargs == other._kwargs

    __hash__ = object.__hash__

    def set_verbosity(self, verbose: bool = False, print_func: Any = None) -> Initializer:
        """Accepted for compatibility; hybrid does not log initialization."""
        return self

    def __call__(self, desc: Any, arr: Any) -> None:
        if not isinstance(desc, InitDesc):
            desc = InitDesc(str(desc))
        if desc.global_init is None:
            desc.global_init = self
        init = desc.attrs.get("__init__", "")
        if init:
            create(init)._init_weight(desc, arr)
            return
        for suffix, method in _SUFFIX_RULES:
            if desc.endswith(suffix):
                getattr(self, method)(desc, arr)
                return
        self._init_default(desc, arr)

    def _init_zero(self, _: str, arr: Any) -> None:
        _buffer(arr)[...] = 0.0

    def _init_one(self, _: str, arr: Any) -> None:
        _buffer(arr)[...] = 1.0

    _init_bias = _init_zero
    _init_beta = _init_zero
    _init_gamma = _init_one

    def _init_weight(self, name: str, arr: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define _init_weight")

    def _init_default(self, name: str, _: Any) -> None:
        raise HybridError(
            f"initializer: unknown initialization pattern for {name!r}; names ending in weight, "
            "bias, gamma, beta, running_mean/var or moving_mean/var have a default, other "
            "parameters need their own init="
        )

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._kwargs.items())
        return f"{type(self).__name__}({args})"


def register(klass: type) -> type:
    """Register an Initializer subclass under its lowercased class name, for ``create``."""
    return _CLASSES.register(klass, Initializer)


def alias(*names: str) -> Any:
    """Class decorator registering extra names for an initializer (``@alias('zeros')``)."""
    return _CLASSES.alias(*names)


def create(initializer: Any, *args: Any, **kwargs: Any) -> Initializer:
    """An initializer from an instance (returned as is), a class, a registered name such as
    ``'xavier'`` or ``'zeros'``, or a ``dumps()`` JSON string.
    """
    if isinstance(initializer, (Initializer, Mixed)):
        return initializer
    if isinstance(initializer, type) and issubclass(initializer, Initializer):
        return initializer(*args, **kwargs)
    if isinstance(initializer, str):
        if initializer.startswith("["):
            name, saved = json.loads(initializer)
            return create(name, **saved)
        return _CLASSES.get(initializer)(*args, **kwargs)
    raise HybridError(f"initializer: cannot create an initializer from {initializer!r}")


class Mixed:
    """Initialize each parameter with the first initializer whose regex matches its name.

    Parameters
    ----------
    patterns : list of str
        Regular expressions, matched with ``re.match`` against the parameter name.
    initializers : list of Initializer
        One initializer per pattern.
    """

    def __init__(self, patterns: list[str], initializers: list[Any]):
        if len(patterns) != len(initializers):
            raise HybridError(
                f"Mixed: {len(patterns)} patterns but {len(initializers)} initializers"
            )
        self.map = [(re.compile(p), create(i)) for p, i in zip(patterns, initializers)]

    def __call__(self, name: Any, arr: Any) -> None:
        for prog, init in self.map:
            if prog.match(name):
                init(name, arr)
                return
        raise HybridError(
            f"Mixed: parameter name {str(name)!r} matched no pattern; add a '.*' pattern with a "
            "default initializer at the end"
        )


@register
@alias("zeros")
class Zero(Initializer):
    """Fill weights with 0."""

    def _init_weight(self, _: str, arr: Any) -> None:
        _buffer(arr)[...] = 0.0


@register
@alias("ones")
class One(Initializer):
    """Fill weights with 1."""

    def _init_weight(self, _: str, arr: Any) -> None:
        _buffer(arr)[...] = 1.0


@register
class Constant(Initializer):
    """Fill weights with ``value`` (a scalar, or an array broadcastable to the weight's shape)."""

    def __init__(self, value: Any):
        value = getattr(value, "_data", value)
        super().__init__(value=value.tolist() if isinstance(value, np.ndarray) else value)
        self.value = value

    def _init_weight(self, _: str, arr: Any) -> None:
        _buffer(arr)[...] = self.value


@register
class Uniform(Initializer):
    """Weights drawn uniformly from ``[-scale, scale]`` (default scale 0.07)."""

    def __init__(self, scale: float = 0.07):
        super().__init__(scale=scale)
        self.scale = scale

    def _init_weight(self, _: str, arr: Any) -> None:
        data = _buffer(arr)
        data[...] = _random.generator().uniform(-self.scale, self.scale, size=data.shape)


@register
class Normal(Initializer):
    """Weights drawn from ``N(0, sigma^2)`` (default sigma 0.01)."""

    def __init__(self, sigma: float = 0.01):
        super().__init__(sigma=sigma)
        self.sigma = sigma

    def _init_weight(self, _: str, arr: Any) -> None:
        data = _buffer(arr)
        data[...] = _random.generator().normal(0.0, self.sigma, size=data.shape)


@register
class Orthogonal(Initializer):
    """An orthogonal matrix times ``scale`` (Saxe et al., 2013).

    The weight is viewed as ``(shape[0], prod(shape[1:]))``; a random matrix of that shape (uniform
    in [-1, 1] or standard normal, per ``rand_type``) is replaced by the orthonormal factor of its
    SVD that has its shape, so rows (or columns, whichever are fewer) are orthonormal.
    """

    def __init__(self, scale: float = 1.414, rand_type: str = "uniform"):
        if rand_type not in ("uniform", "normal"):
            raise HybridError(
                f"Orthogonal: rand_type must be 'uniform' or 'normal', got {rand_type!r}"
            )
        super().__init__(scale=scale, rand_type=rand_type)
        self.scale = scale
        self.rand_type = rand_type

    def _init_weight(self, _: str, arr: Any) -> None:
        data = _buffer(arr)
        nout, nin = data.shape[0], int(np.prod(data.shape[1:]))
        gen = _random.generator()
        if self.rand_type == "uniform":
            tmp = gen.uniform(-1.0, 1.0, size=(nout, nin))
        else:
            tmp = gen.normal(0.0, 1.0, size=(nout, nin))
        u, _s, v = np.linalg.svd(tmp, full_matrices=False)
        res = u if u.shape == tmp.shape else v
        data[...] = self.scale * res.reshape(data.shape)


@register
class Xavier(Initializer):
    """Xavier/Glorot initialization: ``scale = sqrt(magnitude / factor)``.

    ``fan_in = shape[1] * prod(shape[2:])`` and ``fan_out = shape[0] * prod(shape[2:])`` (so a
    convolution weight ``(out, in, kh, kw)`` counts its kernel window); ``factor`` is their mean
    (``'avg'``), ``fan_in`` (``'in'``) or ``fan_out`` (``'out'``). ``rnd_type='uniform'`` draws from
    ``[-scale, scale]``, ``'gaussian'`` from ``N(0, scale^2)``.

    Parameters
    ----------
    rnd_type : {'uniform', 'gaussian'}
    factor_type : {'avg', 'in', 'out'}
    magnitude : float
    """

    def __init__(self, rnd_type: str = "uniform", factor_type: str = "avg", magnitude: float = 3):
        if rnd_type not in ("uniform", "gaussian"):
            raise HybridError(f"Xavier: rnd_type must be 'uniform' or 'gaussian', got {rnd_type!r}")
        if factor_type not in ("avg", "in", "out"):
            raise HybridError(
                f"Xavier: factor_type must be 'avg', 'in' or 'out', got {factor_type!r}"
            )
        super().__init__(rnd_type=rnd_type, factor_type=factor_type, magnitude=magnitude)
        self.rnd_type = rnd_type
        self.factor_type = factor_type
        self.magnitude = float(magnitude)

    def _init_weight(self, name: str, arr: Any) -> None:
        data = _buffer(arr)
        shape = data.shape
        if len(shape) < 2:
            raise HybridError(
                f"Xavier: cannot initialize {str(name)!r} of shape {shape}; it needs at least 2 "
                "dims"
            )
        hw_scale = float(np.prod(shape[2:])) if len(shape) > 2 else 1.0
        fan_in, fan_out = shape[1] * hw_scale, shape[0] * hw_scale
        factor = {"avg": (fan_in + fan_out) / 2.0, "in": fan_in, "out": fan_out}[self.factor_type]
        scale = np.sqrt(self.magnitude / factor)
        gen = _random.generator()
        if self.rnd_type == "uniform":
            data[...] = gen.uniform(-scale, scale, size=shape)
        else:
            data[...] = gen.normal(0.0, scale, size=shape)


@register
class MSRAPrelu(Xavier):
    """He/MSRA initialization for (P)ReLU networks: Gaussian Xavier with magnitude
    ``2 / (1 + slope^2)``.
    """

    def __init__(self, factor_type: str = "avg", slope: float = 0.25):
        super().__init__("gaussian", factor_type, 2.0 / (1 + slope**2))
        self._kwargs = {"factor_type": factor_type, "slope": slope}


# The layer-specific initializers live in their own module (registered on import).
from ._initializer_layers import Bilinear, LSTMBias  # noqa: E402
