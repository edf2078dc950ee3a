"""Write the names of every operator MXNet 1.9.1 registers into
tests/fixtures/mxnet/operator_names.json (run once, by hand, under MXNet).

Run with a Python that has ``mxnet==1.9.1``::

    python tools/mxnet_fixtures/make_operator_names.py [--out FOLDER]

The list is what MXNet's graph loader accepts as a node's ``op``: tests check that the graph JSON
hybrid writes for MXNet (``format='mxnet'``) names only these.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import pathlib

import mxnet as mx
from mxnet.base import _LIB, check_call, mx_uint, py_str

OUT = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "mxnet"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(OUT), help="folder to write (default: %(default)s)")
    out = pathlib.Path(parser.parse_args().out)
    size, names = mx_uint(), ctypes.POINTER(ctypes.c_char_p)()
    check_call(_LIB.MXListAllOpNames(ctypes.byref(size), ctypes.byref(names)))
    listed = sorted(py_str(names[i]) for i in range(size.value))
    doc = {"mxnet_version": mx.__version__, "operators": listed}
    (out / "operator_names.json").write_text(json.dumps(doc, indent=0) + "\n")
    print(f"wrote {len(listed)} operator names")


if __name__ == "__main__":
    main()
