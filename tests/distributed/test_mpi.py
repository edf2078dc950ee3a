"""Data-parallel training over MPI: each test starts ``worker.py`` (or the distributed sample) on 2
or 3 processes with ``hybrid-run`` (as ``python -m hybrid.kvstore.launch``). MPI start-up is slow,
so one launch checks many things; see worker.py for what each scenario asserts.
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKER = pathlib.Path(__file__).with_name("worker.py")
FAILURE_DEADLINE = 30.0  # seconds for a failing job to end every worker


def _launch(num_processes: int, *command: str, timeout: float = 120.0) -> tuple:
    """Run ``command`` on ``num_processes`` workers; returns (result, wall seconds)."""
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "hybrid.kvstore.launch", "-np", str(num_processes), *command],
        cwd=ROOT,
        # NOTE: Open MPI forwards stdin to rank 0; a runner's stdin that never closes keeps
        # prterun from ending after a rank fails before MPI starts.
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
    )
    return result, time.monotonic() - start


@pytest.mark.parametrize("num_processes", [2, 3])
def test_kvstore_api_broadcast_and_training_match_one_process(num_processes):
    result, _ = _launch(num_processes, sys.executable, str(WORKER), "train")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for rank in range(num_processes):
        assert f"rank {rank}: OK train" in result.stdout, output


@pytest.mark.parametrize(
    "scenario, message",
    [
        ("fail", "worker rank 1 of 2 failed with RuntimeError: injected failure on purpose"),
        ("fail-early", "worker rank 1 of 2 failed with RuntimeError: injected failure before"),
    ],
)
def test_an_exception_on_one_rank_ends_every_rank(scenario, message):
    result, seconds = _launch(2, sys.executable, str(WORKER), scenario, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert seconds < FAILURE_DEADLINE, output
    assert message in output, output
    assert "OK" not in result.stdout, output


def test_mismatched_parameters_are_named_at_the_first_step():
    result, seconds = _launch(2, sys.executable, str(WORKER), "mismatch", timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and seconds < FAILURE_DEADLINE, output
    assert "Trainer: the workers' parameters differ from rank 0's" in output, output
    assert "rank 1: has extra ['net_dense2_bias', 'net_dense2_weight']" in output, output
    assert "net_dense0_weight (17, 5) float32 (rank 0: (16, 5) float32)" in output, output
    assert "OK" not in result.stdout, output


def test_distributed_digits_sample_quick_run(tmp_path):
    result, _ = _launch(
        2,
        sys.executable,
        str(ROOT / "samples" / "train_digits_distributed.py"),
        "--epochs",
        "1",
        "--limit",
        "200",
        "--out",
        str(tmp_path),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "2 worker(s), 100 training images and batches of 16 each" in result.stdout, output
    found = re.search(r"test accuracy: ([0-9.]+) \(200 images, 2 worker\(s\)", result.stdout)
    assert found and 0.0 <= float(found.group(1)) <= 1.0, output
    assert result.stdout.count("test accuracy") == 1, output  # only rank 0 reports
    assert (tmp_path / "digits_distributed.params").stat().st_size > 0
