"""``hybrid-export``: check an ONNX model, or convert a saved graph and its parameters to ONNX.

hybrid-export check model.onnx
hybrid-export convert model-symbol.json model-0000.params model.onnx --input-shape 1,1,28,28
"""

from __future__ import annotations

import argparse
import collections
import sys

import onnx
from google.protobuf.message import DecodeError

from hybrid.base import HybridError

from .exporter import check_model, to_onnx


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
    """Load a saved graph with its parameters and export it to ``out``."""
    from hybrid.gluon import SymbolBlock

    names = input_names or ["data" if i == 0 else f"data{i}" for i in range(len(input_shapes))]
    block = SymbolBlock.imports(symbol_file, names, params_file)
    model = to_onnx(block, out, input_shapes=input_shapes, input_names=names, opset=opset)
    return f"wrote {out}: {len(model.graph.node)} nodes, opset {model.opset_import[0].version}"


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
        required=True,
        help="shape of an input, e.g. 1,1,28,28 (repeat for several inputs)",
    )
    p_conv.add_argument(
        "--input-name",
        action="append",
        default=[],
        help="graph input name (default data, data1, ...; repeat for several)",
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
