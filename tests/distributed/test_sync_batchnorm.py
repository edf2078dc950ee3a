"""contrib SyncBatchNorm across MPI workers: the moments of the whole batch, as one process's
BatchNorm on all of it (see sync_batchnorm_worker.py for what each rank checks).
"""

from __future__ import annotations

import pathlib
import sys

import pytest

from .test_mpi import _launch

WORKER = pathlib.Path(__file__).with_name("sync_batchnorm_worker.py")


@pytest.mark.parametrize("num_processes", [2, 3])
def test_sync_batchnorm_over_workers_is_batchnorm_of_the_whole_batch(num_processes):
    result, _ = _launch(num_processes, sys.executable, str(WORKER))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for rank in range(num_processes):
        assert f"rank {rank}: OK sync_batchnorm" in result.stdout, output
