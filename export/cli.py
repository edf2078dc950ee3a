"""``hybrid-export``: check an ONNX model, or convert a saved graph and its parameters to ONNX.

hybrid-export check model.onnx
hybrid-export convert model-symbol.json model-0000.params model.onnx [--input-shape 1,1,28,28]
"""

from __future__ import annotations

import argparse
import collections
import sys
from typing import Any

import onnx
from google.protobuf.message import DecodeError

from hybrid.base import HybridError

from .exporter import check_model, save_model, to_onnx
from .shapes import open_ranks, settle_shapes, symbolic_model


def _shape(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(d) for d in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a shape: {text!r} (write e.g. 1,3,224,224)"
        ) from None


def check(path: str) -> str:
    """Run the ONNX checks on ``path``; returns a report with the opset and an op histogram."""
    model = onnx.load(path)
    check_model(model)
    ops = collections.Counter(n.op_type for n in model.graph.node)
    opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import)
    lines = [
        f"{path}: passes onnx.checker (full) and shape inference",
        f"opset: {opsets}",
        f"producer: {model.producer_name} {model.producer_version}".rstrip(),
        f"inputs: {', '.join(i.name for i in model.graph.input)}",
        f"outputs: {', '.join(o.name for o in model.graph.output)}",
        f"initializers: {len(model.graph.initializer)}",
        "ops:",
    ]
    lines += [f"  {op:24s} {count}" for op, count in sorted(ops.items())]
    return "\n".join(lines)


def convert(
    symbol_file: str,
    params_file: str,
    out: str,
    input_shapes: list[tuple[int, ...]],
    input_names: list[str],
    opset: int | None,
) -> str:
    """Load a saved graph with its parameters and export it to ``out``.

    Inputs are the variables the parameter file does not hold (in graph order) unless
    ``input_names`` says otherwise. Without a shape for every input, the shapes are settled
    from the parameters and the unknown dims written symbolic where the graph allows (see
    Note [Symbolic dims by probing]). Returns what was written.
    """
    from hybrid.gluon import SymbolBlock

    names = input_names or _data_names(symbol_file, params_file)
    block = SymbolBlock.imports(symbol_file, names, params_file)
    given = dict(zip(names, input_shapes))
    if len(given) == len(names):
        model = to_onnx(block, out, input_shapes=input_shapes, input_names=names, opset=opset)
        how = "batch axis dynamic"
    else:
        first, second = settle_shapes(block, names, given)
        models = [
            to_onnx(block, input_shapes=[s[n] for n in names], input_names=names, opset=opset,
                    dynamic_batch=False)
            for s in ([first, second] if second else [first])
        ]
        model, symbolic = symbolic_model(models[0], models[1] if second else None)
        how = "unknown dims symbolic" if symbolic else (
            "shapes fixed at the probed sizes: the graph depends on them; pass --input-shape "
            "to choose")
        how += _rank_note(block, names, given, first)
        check_model(model)
        save_model(model, out)
    shapes = {i.name: _dims(i) for i in model.graph.input}
    outputs = {o.name: _dims(o) for o in model.graph.output}
    return (
        f"wrote {out}: {len(model.graph.node)} nodes, opset {model.opset_import[0].version}; "
        f"inputs {_listing(shapes)}; outputs {_listing(outputs)} ({how})"
    )


def _rank_note(block: Any, names: list[str], given: dict, first: dict) -> str:
    """What the report says about inputs whose rank nothing settles (see Note [Symbolic dims
    by probing]): the written model holds the probed rank.
    """
    open_rank = open_ranks(block, names, given)
    if not open_rank:
        return ""
    ranks = ", ".join(f"{n} rank {len(first[n])}" for n in open_rank)
    return f"; nothing in the graph fixes the rank of an input, taken as {ranks}: pass " \
        "--input-shape for others"


def _data_names(symbol_file: str, params_file: str) -> list[str]:
    """The graph's variables that the parameter file lacks, except labels of loss heads."""
    from hybrid import nd
    from hybrid import symbol as sym

    graph = sym.load(symbol_file)._graph()
    saved = nd.load(params_file)
    held = {k.split(":", 1)[-1] for k in (saved if isinstance(saved, dict) else {})}
    labels = {
        id(v) for node in graph.nodes
        for v, arg in zip(node.inputs, node.op.input_names(len(node.inputs))) if arg == "label"
    }
    return [v.name for v in graph.inputs if v.name not in held and id(v) not in labels]


def _dims(info: onnx.ValueInfoProto) -> tuple:
    return tuple(d.dim_param or d.dim_value for d in info.type.tensor_type.shape.dim)


def _listing(shapes: dict[str, tuple]) -> str:
    return ", ".join(f"{n} ({', '.join(map(str, s))})" for n, s in shapes.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hybrid-export", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_check = sub.add_parser("check", help="checker, shape inference, op histogram, opset")
    p_check.add_argument("model", help="path of an .onnx file")
    p_conv = sub.add_parser("convert", help="a -symbol.json and .params file to ONNX")
    p_conv.add_argument("symbol_file")
    p_conv.add_argument("params_file")
    p_conv.add_argument("out", help="path of the .onnx file to write")
    p_conv.add_argument(
        "--input-shape",
        type=_shape,
        action="append",
        default=[],
        help="shape of an input, e.g. 1,1,28,28 (repeat for several inputs; without it, "
        "unknown dims are symbolic)",
    )
    p_conv.add_argument(
        "--input-name",
        action="append",
        default=[],
        help="graph input name (default: the variables the parameter file lacks; repeat for "
        "several)",
    )
    p_conv.add_argument("--opset", type=int, default=None, help="target ONNX opset")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            print(check(args.model))
        else:
            print(
                convert(
                    args.symbol_file,
                    args.params_file,
                    args.out,
                    args.input_shape,
                    args.input_name,
                    args.opset,
                )
            )
    except (HybridError, OSError, DecodeError, onnx.checker.ValidationError) as e:
        print(f"hybrid-export: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
