"""Run unmodified MXNet programs on hybrid: ``import mxnet`` resolves to hybrid.

``python -m hybrid.mxnet script.py [args]`` runs a script with the alias in place;
``hybrid.mxnet.install()`` does the same inside a running interpreter (a notebook). After it,
``import mxnet``, ``import mxnet as mx``, ``from mxnet.gluon import nn`` and ``import
mxnet.ndarray as F`` give hybrid's modules, in the script and in every library it imports.

How: a finder placed first on ``sys.meta_path`` answers every ``mxnet`` and ``mxnet.X.Y`` import
with the module object ``hybrid.X.Y`` itself (so a submodule hybrid gains later resolves with no
change here), except the few MXNet names that hybrid keeps elsewhere (:data:`RENAMED`). The
top-level ``mxnet`` is a thin module of its own whose attribute lookups fall through to
``hybrid``: it reports ``__version__ == "1.9.1"`` (the MXNet API level hybrid implements, which
libraries check) while ``hybrid.__version__`` stays the project's own.

Nothing is installed on disk: a real MXNet in the same environment is shadowed only in a process
that calls :func:`install`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any

__all__ = ["install", "uninstall", "installed", "MXNET_VERSION", "RENAMED"]

# The MXNet release whose Python API hybrid follows.
MXNET_VERSION = "1.9.1"

# MXNet module names that hybrid keeps under another name. ``hybrid.runtime`` is hybrid's model
# server, so MXNet's ``mxnet.runtime`` (compile-time features) is ``hybrid.features``.
RENAMED = {
    "mxnet.runtime": "hybrid.features",
    "mxnet.visualization": "hybrid.viz",
    "mxnet.numpy_extension": "hybrid.npx",
}

# Submodules that ``import mxnet`` imports eagerly in MXNet, so ``mx.test_utils`` works without
# its own import statement; here they are imported on first attribute access.
_LAZY = ("test_utils", "profiler", "operator", "registry", "util", "engine", "library",
         "attribute", "base", "context", "runtime", "visualization")


def _target(fullname: str) -> str:
    """The hybrid module that stands for the MXNet module ``fullname``."""
    for mx_name, ours in RENAMED.items():
        if fullname == mx_name or fullname.startswith(mx_name + "."):
            return ours + fullname[len(mx_name):]
    return "hybrid" + fullname[len("mxnet"):]


class _MXNetModule(types.ModuleType):
    """The top-level ``mxnet``: MXNet's version, everything else looked up in ``hybrid``."""

    def __getattr__(self, name: str) -> Any:
        import hybrid

        if name in _LAZY or ("mxnet." + name) in RENAMED:
            return importlib.import_module("mxnet." + name)
        try:
            return getattr(hybrid, name)
        except AttributeError:
            pass
        if not name.startswith("__"):
            try:  # MXNet imports most submodules in its __init__; hybrid may not
                return importlib.import_module("mxnet." + name)
            except ModuleNotFoundError:
                pass
        raise AttributeError(f"module 'mxnet' (hybrid) has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        import hybrid

        return sorted(set(dir(hybrid)) | set(self.__dict__) | set(_LAZY))


class _AliasLoader(importlib.abc.Loader):
    """Hands out an existing hybrid module for an MXNet module name."""

    def __init__(self, module: types.ModuleType):
        self.module = module
        self.spec = getattr(module, "__spec__", None)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        # NOTE: the import system has just set ``module.__spec__`` to the alias's spec; give the
        # hybrid module its own back, so reloads and tools that read the spec see hybrid's.
        if module is not _TOP and self.spec is not None:
            module.__spec__ = self.spec


class _TopLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _TOP

    def exec_module(self, module: types.ModuleType) -> None:
        pass


class MXNetFinder(importlib.abc.MetaPathFinder):
    """Resolves ``mxnet`` and ``mxnet.*`` to hybrid (see the module docstring)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname == "mxnet":
            return importlib.machinery.ModuleSpec("mxnet", _TopLoader(), is_package=True)
        if not fullname.startswith("mxnet."):
            return None
        name = _target(fullname)
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name == name:  # hybrid has no such module: the usual "No module named"
                return None
            raise
        is_package = hasattr(module, "__path__")
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module),
                                              is_package=is_package)


def _make_top() -> _MXNetModule:
    top = _MXNetModule("mxnet", "hybrid's stand-in for MXNet " + MXNET_VERSION)
    top.__version__ = MXNET_VERSION
    top.__path__ = []  # a package, so ``import mxnet.gluon`` asks the finder
    # Import errors ("cannot import name X from 'mxnet' (...)") then show where mxnet comes from.
    top.__file__ = sys.modules["hybrid"].__file__
    return top


_TOP = _make_top()
_FINDER = MXNetFinder()


def installed() -> bool:
    """Whether ``import mxnet`` currently resolves to hybrid."""
    return _FINDER in sys.meta_path


def install() -> None:
    """Make ``import mxnet`` (and every ``mxnet.*``) resolve to hybrid in this process.

    Call it before the first ``import mxnet``; a real MXNet already imported in the process is
    left alone and this raises instead of mixing the two.
    """
    existing = sys.modules.get("mxnet")
    if existing is not None and existing is not _TOP:
        raise ImportError(
            "hybrid.mxnet.install(): a module 'mxnet' is already imported "
            f"({getattr(existing, '__file__', existing)!r}); call install() before importing it"
        )
    if not installed():
        sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    """Undo :func:`install`: forget the ``mxnet`` aliases (hybrid's modules stay imported)."""
    if installed():
        sys.meta_path.remove(_FINDER)
    for key in [k for k in sys.modules if k == "mxnet" or k.startswith("mxnet.")]:
        del sys.modules[key]
    for key in [k for k in _TOP.__dict__ if not k.startswith("__")]:
        delattr(_TOP, key)
