"""``python -m hybrid.mxnet SCRIPT [ARGS]``: run an unmodified MXNet program on hybrid.

``python -m hybrid.mxnet -m MODULE [ARGS]`` runs a module instead, as ``python -m`` does. The
program runs as ``__main__`` with ``sys.argv`` set to the script and its arguments and the
script's folder first on ``sys.path``, as the interpreter would; every ``import mxnet`` in it and
in the libraries it imports resolves to hybrid (see :mod:`hybrid.mxnet`).
"""

from __future__ import annotations

import os
import runpy
import sys

from . import install

_USAGE = ("usage: python -m hybrid.mxnet SCRIPT [ARGS...]  |  "
          "python -m hybrid.mxnet -m MODULE [ARGS...]")


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help") or argv == ["-m"]:
        print(_USAGE, file=sys.stdout if argv[:1] in (["-h"], ["--help"]) else sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    if argv[0] != "-m" and not os.path.isfile(argv[0]):
        print(f"python -m hybrid.mxnet: can't open file {argv[0]!r}: no such file",
              file=sys.stderr)
        return 2
    install()
    if argv[0] == "-m":
        sys.argv = argv[1:]
        sys.path.insert(0, os.getcwd())
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(argv)
        sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
        runpy.run_path(argv[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
