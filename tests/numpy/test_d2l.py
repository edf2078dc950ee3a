"""The MXNet edition of the ``d2l`` package (Dive into Deep Learning, 0.17.0, declared in the
``test`` extra) imports under ``python -m hybrid.mxnet`` and its chapter 3, 6 and 8 training
helpers run in numpy mode on local stand-in data (see ``d2l_programs.py``), without network.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

PROGRAMS = pathlib.Path(__file__).with_name("d2l_programs.py")


def test_d2l_train_ch3_ch6_ch8(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, MXNET_HOME=str(tmp_path / "mxnet_home"), MPLBACKEND="Agg")
    run = subprocess.run(
        [sys.executable, "-m", "hybrid.mxnet", str(PROGRAMS), str(tmp_path / "data"), "3", "6",
         "8"],
        cwd=work, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = {m[0]: json.loads(m[1]) for m in re.findall(r"^RESULT (\d) (.*)$", run.stdout, re.M)}
    assert sorted(results) == ["3", "6", "8"], run.stdout[-2000:]
    # train_ch3 asserts loss < 0.5 and accuracies > 0.7 itself; parameters are np.ndarray.
    assert results["3"]["test_acc"] > 0.7 and results["3"]["param_type"] == "hybrid.numpy"
    assert results["6"]["test_acc"] > 0.5
    train_acc = float(re.search(r"train acc ([\d.]+)", run.stdout).group(1))
    assert train_acc > 0.5
    perplexity = float(re.search(r"^perplexity ([\d.]+)", run.stdout, re.M).group(1))
    assert perplexity < 3, perplexity
    assert results["8"]["state_type"] == "hybrid.numpy"
    assert results["8"]["prediction"].startswith("the time ")
