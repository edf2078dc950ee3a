"""samples/mxnet_module_fit.py, an MXNet 1.x Module-API program, runs unchanged under
``python -m hybrid.mxnet``: it trains with Speedometer and do_checkpoint, and its checkpoint
loads back (in the program and here) with the same predictions.
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import numpy as np

import hybrid as mx

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_module_program_runs_under_hybrid_mxnet_and_its_checkpoint_loads(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "hybrid.mxnet", str(ROOT / "samples" / "mxnet_module_fit.py"),
         "--epochs", "2", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    log = result.stderr
    assert re.search(r"Epoch\[1\] Batch \[\d+-\d+\]\tSpeed: [\d.]+ samples/sec\taccuracy=", log)
    assert "Epoch[1] Train-accuracy=" in log and "Epoch[1] Validation-accuracy=" in log
    for epoch in (1, 2):
        assert f'Saved checkpoint to "{tmp_path}/mlp-{epoch:04d}.params"' in log
    trained, reloaded = re.search(r"trained ([\d.]+), reloaded ([\d.]+)", result.stdout).groups()
    assert trained == reloaded and float(trained) > 0.8

    sym, args, auxs = mx.model.load_checkpoint(str(tmp_path / "mlp"), 2)
    assert sym.list_outputs() == ["softmax_output"]
    assert sorted(auxs) == ["bn1_moving_mean", "bn1_moving_var"]
    mod = mx.mod.Module.load(str(tmp_path / "mlp"), 2)
    x = np.eye(4, dtype=np.float32)[:3] * 2  # the three class centres
    mod.bind([("data", x.shape)], for_training=False)
    prob = mod.predict(mx.io.NDArrayIter(x, batch_size=3)).asnumpy()
    np.testing.assert_array_equal(prob.argmax(axis=1), [0, 1, 2])
