"""``python -m hybrid.mxnet`` and ``hybrid.mxnet.install()``: ``import mxnet`` is hybrid."""

from __future__ import annotations

import importlib
import importlib.util
import pathlib
import subprocess
import sys

import pytest

import hybrid
import hybrid.mxnet as drop_in

PROGRAMS = pathlib.Path(__file__).resolve().parent / "programs"


def _run(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hybrid.mxnet", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("hybridize", [False, True])
def test_unmodified_program_runs_with_its_own_mxnet_importing_module(tmp_path, hybridize):
    flags = ["--epochs", "6"] + (["--hybridize"] if hybridize else [])
    result = _run(str(PROGRAMS / "train.py"), *flags, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"argv {flags}" in out and "name __main__" in out
    assert "version 1.9.1 True True" in out and "cuda False" in out
    losses = [float(v) for v in out.split("losses ")[1].split("\n")[0].split()]
    assert len(losses) == 6 and losses[-1] < losses[0]
    assert out.rstrip().endswith("done")


def test_module_mode(tmp_path):
    (tmp_path / "prog.py").write_text("import mxnet, sys\nprint(mxnet.__version__, sys.argv)\n")
    result = _run("-m", "prog", "x", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1.9.1 ['prog', 'x']" in result.stdout.replace(str(tmp_path / "prog.py"), "prog")


def test_usage_errors_leave_no_alias(tmp_path, capsys):
    from hybrid.mxnet.__main__ import main

    assert main([str(tmp_path / "nope.py")]) == 2
    assert "nope.py" in capsys.readouterr().err
    assert main([]) == 2 and main(["-m"]) == 2 and "usage" in capsys.readouterr().err
    assert main(["--help"]) == 0 and "usage" in capsys.readouterr().out
    assert not drop_in.installed()


def test_no_mxnet_without_install():
    code = "import hybrid, hybrid.mxnet, importlib.util; print(importlib.util.find_spec('mxnet'))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "None", result.stdout + result.stderr


@pytest.fixture
def mx():
    drop_in.install()
    try:
        yield importlib.import_module("mxnet")
    finally:
        drop_in.uninstall()


def test_install_aliases_modules_and_keeps_versions_apart(mx):
    assert mx.__version__ == "1.9.1" and hybrid.__version__ != "1.9.1"
    assert mx is not hybrid and mx.gluon is hybrid.gluon and mx.nd is hybrid.nd
    import mxnet.gluon.nn as nn
    import mxnet.ndarray as F
    from mxnet.gluon import nn as nn2

    assert nn is nn2 is hybrid.gluon.nn and F is hybrid.ndarray
    assert nn.HybridBlock is hybrid.gluon.HybridBlock
    assert sys.modules["mxnet.gluon.nn"] is hybrid.gluon.nn
    # The hybrid module keeps its own spec, so tools that read it see hybrid's.
    assert hybrid.gluon.nn.__spec__.name == "hybrid.gluon.nn"


def test_renamed_and_lazy_submodules(mx):
    import mxnet.runtime
    import mxnet.visualization

    assert mxnet.runtime is hybrid.features and mx.runtime is hybrid.features
    assert mxnet.visualization is hybrid.viz
    assert mx.test_utils is hybrid.test_utils and mx.profiler is hybrid.profiler
    from mxnet.test_utils import assert_almost_equal

    assert assert_almost_equal is hybrid.test_utils.assert_almost_equal
    assert "gluon" in dir(mx)


def test_missing_names_fail_as_python_would(mx):
    with pytest.raises(ModuleNotFoundError, match="mxnet.no_such_module"):
        importlib.import_module("mxnet.no_such_module")
    with pytest.raises(AttributeError, match="no_such_name"):
        mx.no_such_name  # noqa: B018


def test_install_refuses_a_real_mxnet_already_imported(monkeypatch):
    monkeypatch.setitem(sys.modules, "mxnet", type(sys)("mxnet"))
    with pytest.raises(ImportError, match="already imported"):
        drop_in.install()
    assert not drop_in.installed()


def test_uninstall_forgets_the_alias():
    drop_in.install()
    importlib.import_module("mxnet.gluon")
    drop_in.uninstall()
    assert "mxnet" not in sys.modules and "mxnet.gluon" not in sys.modules
    assert importlib.util.find_spec("mxnet") is None
