"""Typed op attributes: declared once per op, parsed once per invocation.

Values arrive as Python objects (``nd.Pooling(x, kernel=(2, 2))``) or as the strings MXNet writes in
its graph JSON (``"kernel": "(2, 2)"``); both parse to the same clean Python value, so rules never
see strings.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..base import AttrError

__all__ = ["Attr", "CTX", "REQUIRED", "parse_dtype"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def _literal(value: Any) -> Any:
    """MXNet writes attributes as Python-ish literals: '(2, 2)', 'True', 'None', '[1,2]',
    '1e-05'.
    """
    if not isinstance(value, str):
        return value
    return _literal_text(value.strip())


# Eager calls pass the same few strings ('relu', '(2, 2)') on every call; a failed literal_eval
# costs an exception each time, so each text is parsed once. Callers never mutate the result.
@functools.lru_cache(maxsize=4096)
def _literal_text(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "none":
            return None
        return text


def _int(v: Any) -> int:
    v = _literal(v)
    if (
        isinstance(v, bool)
        or not isinstance(v, (int, np.integer, float, np.floating))
        or int(v) != v
    ):
        raise ValueError("an integer")
    return int(v)


def _float(v: Any) -> float:
    v = _literal(v)
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise ValueError("a number")
    return float(v)


def _bool(v: Any) -> bool:
    v = _literal(v)
    if isinstance(v, (bool, np.bool_)) or v in (0, 1):
        return bool(v)
    raise ValueError("a boolean")


def _str(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError("a string")
    return v


def _shape(v: Any) -> tuple[int, ...]:
    v = _literal(v)
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v),)
    if isinstance(v, np.ndarray) and v.ndim == 1:  # MXNet takes a 1-D integer array too
        v = v.tolist()
    if isinstance(v, (tuple, list)):
        return tuple(_int(d) for d in v)
    raise ValueError("a shape tuple")


def _floats(v: Any) -> tuple[float, ...]:
    v = _literal(v)
    if isinstance(v, (tuple, list)):
        return tuple(_float(d) for d in v)
    return (_float(v),)


def _axis(v: Any) -> int | tuple[int, ...] | None:
    v = _literal(v)
    if v is None or v == ():
        return None if v is None else ()
    if isinstance(v, (tuple, list)):
        return tuple(_int(d) for d in v)
    return _int(v)


def parse_dtype(v: Any) -> np.dtype:
    """A dtype from a numpy dtype, a type or MXNet's name ('float32', 'int64', ...)."""
    if isinstance(v, str) and v.strip() in ("None", ""):
        raise ValueError("a dtype")
    try:
        return np.dtype(v)
    except TypeError as e:
        raise ValueError("a dtype") from e


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def parse_or_none(v: Any) -> Any:
        return None if _literal(v) is None else parse(v)

    return parse_or_none


_KINDS: dict[str, Callable[[Any], Any]] = {
    "int": _int,
    "float": _float,
    "bool": _bool,
    "str": _str,
    "shape": _shape,
    "axis": _axis,
    "floats": _floats,
    "dtype": parse_dtype,
    "any": lambda v: v,
}


class Attr:
    """One attribute of an op: ``Attr('kernel', 'shape', REQUIRED)``.

    ``kind`` is one of int, float, bool, str, shape, floats (a number or a tuple of numbers),
    axis, dtype, any; suffix ``?`` allows None
    (``'int?'``). ``choices`` limits the parsed value; ``check`` is a predicate with a description
    (``(lambda v: v > 0, 'positive')``).
    """

    __slots__ = ("name", "kind", "default", "choices", "check", "parse")

    def __init__(
        self,
        name: str,
        kind: str,
        default: Any = REQUIRED,
        choices: tuple = (),
        check: tuple[Callable[[Any], bool], str] | None = None,
    ):
        optional = kind.endswith("?")
        base = _KINDS[kind.rstrip("?")]
        self.name, self.kind, self.default = name, kind, default
        self.choices, self.check = tuple(choices), check
        self.parse = _optional(base) if optional else base

    def __call__(self, op_name: str, value: Any) -> Any:
        try:
            parsed = self.parse(value)
        except ValueError as e:
            raise AttrError(f"{op_name}: attribute {self.name}={value!r} is not {e}") from None
        # An optional attribute given None explicitly is its default, whatever the choices.
        none_ok = parsed is None and self.kind.endswith("?")
        if self.choices and not none_ok and parsed not in self.choices:
            raise AttrError(
                f"{op_name}: attribute {self.name}={parsed!r}, expected one of "
                f"{', '.join(map(repr, self.choices))}"
            )
        if self.check is not None and parsed is not None and not self.check[0](parsed):
            raise AttrError(
                f"{op_name}: attribute {self.name}={parsed!r}, expected {self.check[1]}"
            )
        return parsed

    def __repr__(self) -> str:
        return f"Attr({self.name!r}, {self.kind!r}, {self.default!r})"


def _cpu_only(ctx: object) -> bool:
    return not str(ctx).startswith("gpu")


# MXNet's ``ctx`` attribute of the ops that make arrays from nothing: every array lives on the CPU.
CTX = Attr("ctx", "any", None, check=(_cpu_only, "a CPU context (hybrid has no GPU backend)"))
