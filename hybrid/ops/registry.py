"""The op registry: the Op record, ``register()``, attribute parsing and the one dispatch function.

Every computation in hybrid is an op declared here once (see STYLE.md, section 1). An op is a class
used as a record: it is never instantiated, its methods are plain functions (or classmethods in
family bases).

``invoke`` is the single entry from the ``nd`` namespace, ``NDArray`` operators and the graph
executor. Given NDArrays it runs ``forward`` and, while ``autograd.record()`` is on and an input
needs a gradient, appends a tape entry; given Symbols it hands over to the symbol front end, which
runs ``infer`` and appends a graph node.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import autograd
from ..base import AttrError, HybridError, ShapeError
from ..context import Context, cpu
from ._binding import build_function
from .attrs import REQUIRED, Attr

__all__ = [
    "Op",
    "Sample",
    "register",
    "REGISTRY",
    "get_op",
    "all_ops",
    "invoke",
    "build_function",
    "Ctx",
    "Attr",
    "REQUIRED",
]

Shape = tuple[int, ...]


class Sample(NamedTuple):
    """One representative call of an op, used by every registry-driven test.

    ``inputs`` are float64 (or integer) numpy arrays; ``attrs`` raw attributes; ``grad`` the indices
    of inputs to check gradients for (None: every floating input); ``train`` the autograd mode to
    run in.
    """

    inputs: list
    attrs: dict = {}
    grad: tuple | None = None
    train: bool = False


class Ctx:
    """What one op call keeps for its backward: attributes set by ``forward``, plus
    ``needs_grad``.
    """

    needs_grad: tuple = ()



_PLAIN = (str, int, float, bool, type(None))


def _attrs_key(raw: dict[str, Any]) -> tuple | None:
    """A cache key for raw attributes, or None when a value is not a plain scalar or a tuple of
    them. Types are part of the key: ``1``, ``1.0`` and ``True`` are equal but parse differently.
    """
    key = []
    for name, value in raw.items():
        if type(value) is tuple:
            if not all(type(e) in _PLAIN for e in value):
                return None
            key.append((name, tuple(type(e) for e in value), value))
        elif type(value) in _PLAIN:
            key.append((name, type(value), value))
        else:
            return None
    return tuple(key)


class Op:
    """Declaration of one op. Subclass, set the fields, write the rules, decorate with
    ``@register``.

    Fields: ``name`` (MXNet's), ``aliases``, ``inputs`` (MXNet argument names; a single ``'*data'``
    means any number), ``attrs`` (a tuple of :class:`Attr`), ``differentiable``, ``train_aware``
    (the dispatcher passes ``is_train``, the autograd mode, as an attribute), ``aux_writeback``
    (input indices whose buffers are updated from the trailing outputs of ``forward``, e.g.
    BatchNorm's running statistics), ``check_eager`` (run ``infer`` before every eager call to
    validate shapes; cheap elementwise families turn it off and rely on numpy's own errors, which
    the dispatcher explains through ``infer``), ``completes`` (indices of inputs whose unknown
    shapes ``infer`` completes from the others and the attributes, e.g. FullyConnected's weight),
    ``deterministic`` (False for ops whose outputs are random draws), ``tolerance`` (per-op test
    tolerances, with reason) and ``xfail`` (test name -> reason, for known gaps).

    Rules:
    - ``forward(ctx, *arrays, **attrs)``: numpy in, numpy out (a tuple for several outputs).
    - ``vjp(ctx, *out_grads, **attrs)``: one gradient per input (None where not needed/defined).
    - ``infer(in_shapes, in_dtypes, **attrs) -> (in_shapes, out_shapes, out_dtypes)``: the two-way
      shape and dtype rule. Unknown dims are 0 and an unknown shape is None; it returns the input
      shapes completed.
    - ``num_outputs(attrs)``: how many outputs the op shows.
    - ``grad_graph(F, inputs, out_grads, **attrs)``, optional: the VJP written with ``F``'s
      registered ops on arrays, for higher-order gradients (``hybrid/ops/grad_graph.py``).
    - ``samples(rng)``: a list of :class:`Sample`.
    """

    name: str = ""
    aliases: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ("data",)
    attrs: tuple[Attr, ...] = ()
    differentiable: bool = True
    train_aware: bool = False
    aux_writeback: tuple[int, ...] = ()
    check_eager: bool = True
    completes: tuple[int, ...] = ()
    deterministic: bool = True
    # False where MXNet registers the op without input names (FListInputNames): its monitor
    # (Block.register_op_hook) then calls the inputs input0, input1, ...
    named_inputs: bool = True
    # Input name -> the ``__init__`` attribute (an initializer's JSON) MXNet gives the variable a
    # symbol call makes for that input when it is left out (prelu's gamma starts at 0.25).
    input_inits: dict[str, str] = {}
    tolerance: dict = {}
    xfail: dict = {}
    # Filled by register():
    attr_specs: dict[str, Attr] = {}
    default_attrs: dict[str, Any] | None = None
    variadic: bool = False
    plain: bool = False

    def forward(ctx: Ctx, *arrays: np.ndarray, **attrs: Any) -> np.ndarray | tuple:
        raise NotImplementedError

    def vjp(ctx: Ctx, *out_grads: np.ndarray, **attrs: Any) -> tuple:
        raise NotImplementedError

    def infer(in_shapes: list, in_dtypes: list, **attrs: Any) -> tuple[list, list, list]:
        raise NotImplementedError

    grad_graph: Any = None

    def num_outputs(attrs: dict) -> int:
        return 1

    def samples(rng: np.random.Generator) -> list[Sample]:
        return []

    @classmethod
    def parse_attrs(cls, raw: dict[str, Any]) -> dict[str, Any]:
        """Clean attribute values from raw ones (Python values or MXNet strings), with defaults
        filled. Parses of hashable plain values are remembered per op: eager code passes the
        same attributes on every call. Each call gets its own dict (callers add ``is_train``).
        """
        key = _attrs_key(raw)
        cache = cls.__dict__.get("_parsed_attrs")
        if cache is None:
            cache = {}
            cls._parsed_attrs = cache
        hit = cache.get(key) if key is not None else None
        if hit is not None:
            return dict(hit)
        attrs = cls._parse_attrs(raw)
        if key is not None:
            if len(cache) >= 1024:
                cache.clear()
            cache[key] = dict(attrs)
        return attrs

    @classmethod
    def _parse_attrs(cls, raw: dict[str, Any]) -> dict[str, Any]:
        specs = cls.attr_specs
        unknown = [k for k in raw if k not in specs]
        if unknown and not cls.attrs:
            # NOTE: MXNet ops without a parameter struct (relu, broadcast_add, ...) ignore
            # attributes they do not know; ops with attributes reject them, as here.
            raw = {k: v for k, v in raw.items() if k in specs}
        elif unknown:
            known = ", ".join(specs) or "none"
            raise AttrError(f"{cls.name}: unknown attribute {', '.join(unknown)} (known: {known})")
        attrs = {}
        for name, spec in specs.items():
            if name in raw:
                attrs[name] = spec(cls.name, raw[name])
            elif spec.default is REQUIRED:
                raise AttrError(f"{cls.name}: attribute {name} is required")
            else:
                attrs[name] = spec.default
        return attrs

    @classmethod
    def arguments(cls, attrs: dict[str, Any]) -> list[str]:
        """The inputs this call has, given its attributes (MXNet's ``ListArguments``): every
        declared input, without ``bias`` under ``no_bias`` and without an input ``X`` whose
        ``use_X`` attribute is off (``sequence_length``, ``length``...). Ops with other
        optional inputs override it. The symbol front end makes variables for the ones left out.
        """
        names = [n for n in cls.inputs if attrs.get(f"use_{n}", True) is not False]
        if attrs.get("no_bias") and "bias" in names:
            names.remove("bias")
        return names

    @classmethod
    def input_names(cls, n: int) -> list[str]:
        """Names of the first ``n`` inputs (``data0, data1, ...`` for a variadic op)."""
        if cls.variadic:
            return [f"{cls.inputs[0][1:]}{i}" for i in range(n)]
        return list(cls.inputs[:n])


REGISTRY: dict[str, type[Op]] = {}
_CANONICAL: dict[str, type[Op]] = {}
_TRAIN_ATTR = Attr("is_train", "bool", False)


def register(op: type[Op]) -> type[Op]:
    """Add an op (under its name and aliases) after checking its declaration."""
    if not op.name:
        raise HybridError(f"{op.__qualname__}: an op needs a name")
    for key in (op.name, *op.aliases):
        if key in REGISTRY:
            raise HybridError(f"op name {key!r} is registered twice")
    specs = {a.name: a for a in op.attrs}
    if len(specs) != len(op.attrs):
        raise HybridError(f"{op.name}: duplicate attribute names")
    if op.train_aware:
        specs["is_train"] = _TRAIN_ATTR
    op.attr_specs = specs
    op.variadic = len(op.inputs) == 1 and op.inputs[0].startswith("*")
    op.plain = not (op.train_aware or op.check_eager or op.aux_writeback)
    required = any(a.default is REQUIRED for a in specs.values())
    op.default_attrs = None if required else {n: a.default for n, a in specs.items()}
    for key in (op.name, *op.aliases):
        REGISTRY[key] = op
    _CANONICAL[op.name] = op
    return op


def get_op(name: str) -> type[Op]:
    try:
        return REGISTRY[name]
    except KeyError:
        raise HybridError(f"no op named {name!r}") from None


def all_ops() -> list[type[Op]]:
    """Every registered op once, sorted by name."""
    return [_CANONICAL[k] for k in sorted(_CANONICAL)]


# Front ends plug in here: the NDArray class wraps results of ops without inputs, the symbol front
# end takes Symbol inputs.
#
# Note [Result array type]: an op's results are wrapped by the ``_wrap`` classmethod of its first
# input's class, so ``nd`` inputs give NDArrays and ``np`` inputs give ``np.ndarray`` (a subclass
# sharing NDArray's slots) with no per-call conversion. Ops without inputs (creation) give
# ``array_type``; ``hybrid.numpy._dispatch.call`` re-labels those as ``np.ndarray``.
array_type: Any = None
symbol_invoke: Callable[..., Any] | None = None
# Something that watches every op call (``hybrid.profiler`` while it runs), else None. Its
# ``invoke`` runs the call through :func:`invoke` again with its ``busy`` flag set; the graph
# executor asks its ``step`` for a timed forward. Off, the cost is one ``is not None`` per call.
observer: Any = None


def invoke(
    op: type[Op], args: Sequence[Any], attrs: dict[str, Any], out: Any = None, name: Any = None
) -> Any:
    """Run ``op`` on NDArrays (recording a tape entry when needed), or trace it on Symbols.

    ``attrs`` must already be parsed (``op.parse_attrs``) except for ``is_train``, which is filled
    here. ``name`` names the graph node when tracing.
    """
    if observer is not None and not observer.busy:
        return observer.invoke(op, args, attrs, out, name)
    try:
        datas = [a._data for a in args]
    except AttributeError:
        return _invoke_other(op, args, attrs, out, name)
    state = autograd._state
    if op.plain and out is None and not state.recording:
        # The common eager call: no mode, no shape check, no aux update, nothing to record.
        try:
            res = op.forward(Ctx(), *datas, **attrs)
        except HybridError:
            raise
        except (ValueError, IndexError, TypeError) as e:
            raise _explain(op, datas, attrs, e) from e
        # Results take the array type of the first input (NDArray or np.ndarray): see Note
        # [Result array type].
        if args:
            where, wrap = args[0]._ctx, args[0]._wrap
        else:
            where, wrap = _ctx_attr(attrs), array_type._wrap
        if type(res) is tuple:
            return _placed([wrap(r) for r in res], where)
        out = wrap(res)
        if where is not None:
            out._ctx = where
        return out
    if op.train_aware:
        attrs = {**attrs, "is_train": state.training}
    if op.check_eager:
        op.infer([d.shape for d in datas], [d.dtype for d in datas], **attrs)
    ctx = Ctx()
    record = False
    if state.recording and op.differentiable:
        needs = tuple(a._entry is not None or a._grad is not None for a in args)
        if True in needs:
            ctx.needs_grad = needs
            record = True
    try:
        res = op.forward(ctx, *datas, **attrs)
    except HybridError:
        raise
    except (ValueError, IndexError, TypeError) as e:
        raise _explain(op, datas, attrs, e) from e
    outs = res if type(res) is tuple else (res,)
    if op.aux_writeback:
        n = len(outs) - len(op.aux_writeback)
        for i, value in zip(op.aux_writeback, outs[n:]):
            if value is not None:
                datas[i][...] = value
        outs = outs[:n]
    wrap = args[0]._wrap if args else array_type._wrap
    results = _placed([wrap(o) for o in outs], args[0]._ctx if args else _ctx_attr(attrs))
    if record:
        entry = autograd.TapeEntry(
            op, ctx, attrs, tuple(args), tuple((o.shape, o.dtype) for o in outs)
        )
        for i, r in enumerate(results):
            r._entry, r._out_index = entry, i
    if out is not None:
        return _write_out(op, results, out)
    return results[0] if len(results) == 1 else results


_DEFAULT_CTX = cpu()


def _ctx_attr(attrs: dict) -> Any:
    """The placement an array-making op's ``ctx`` attribute asks for (None: the default)."""
    where = attrs.get("ctx")
    return where if isinstance(where, Context) and where != _DEFAULT_CTX else None


def _placed(results: list, where: Any) -> list:
    """``results`` labelled with the context ``where`` (see NDArray's ``_ctx``)."""
    if where is not None:
        for r in results:
            r._ctx = where
    return results


def _invoke_other(
    op: type[Op], args: Sequence[Any], attrs: dict[str, Any], out: Any, name: Any
) -> Any:
    if symbol_invoke is not None and any(hasattr(a, "_is_symbol") for a in args):
        return symbol_invoke(op, args, attrs, name)
    bad = [
        f"{name}: {type(a).__name__}"
        for name, a in zip(op.input_names(len(args)), args)
        if not isinstance(a, array_type)
    ]
    raise HybridError(
        f"{op.name}: inputs must be NDArrays (or Symbols when tracing), got {', '.join(bad)}"
    )


def _explain(op: type[Op], datas: list, attrs: dict, error: Exception) -> HybridError:
    """A failing forward becomes an error naming the op; ``infer`` usually says what is wrong."""
    try:
        op.infer([d.shape for d in datas], [d.dtype for d in datas], **attrs)
    except HybridError as e:
        return e
    except Exception:  # noqa: BLE001 - the original error below is the better message
        pass
    shapes = ", ".join(f"{n}{tuple(d.shape)}" for n, d in zip(op.input_names(len(datas)), datas))
    return ShapeError(f"{op.name}: {error} (inputs {shapes})")


def _write_out(op: type[Op], results: list, out: Any) -> Any:
    outs = out if isinstance(out, (list, tuple)) else [out]
    if len(outs) != len(results):
        raise HybridError(
            f"{op.name}: out= has {len(outs)} arrays, the op has {len(results)} outputs"
        )
    for o, r in zip(outs, results):
        if o.shape != r.shape:
            raise ShapeError(f"{op.name}: out= has shape {o.shape}, expected {r.shape}")
        o._data[...] = r._data
        o._entry, o._out_index = r._entry, r._out_index
    return out
