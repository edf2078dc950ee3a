"""Saving and loading a Block's parameters: ``save_parameters``/``load_parameters`` under
structural names (``fc1.weight``) and MXNet 1.x's deprecated ``save_params``/``load_params``.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import ndarray
from ..base import HybridError
from .parameter import Parameter, load_checked


class BlockParameterIO:
    """Mixed into :class:`hybrid.gluon.Block`."""

    def _collect_params_with_prefix(self, prefix: str = "") -> dict[str, Parameter]:
        """Parameters by structural name (``fc1.weight``), as saved by save_parameters."""
        if prefix:
            prefix += "."
        ret = {prefix + key: val for key, val in self._reg_params.items()}
        for name, child in self._children.items():
            ret.update(child._collect_params_with_prefix(prefix + name))
        return ret

    def save_parameters(
        self, filename: str, deduplicate: bool = False, format: str = "hybrid"
    ) -> None:
        """Save parameter values under structural names (``fc1.weight``) to ``filename``.

        ``deduplicate=True`` saves a shared parameter once, under its first name.
        ``format='mxnet'`` writes MXNet's binary NDArray-list file, which MXNet 1.x's
        ``load_parameters`` reads; ``'hybrid'`` (the default) hybrid's pickle-free ``.npz``
        file. :meth:`load_parameters` reads both.
        """
        params = self._collect_params_with_prefix()
        if deduplicate:
            first: dict[int, str] = {}
            for key, param in params.items():
                first.setdefault(id(param), key)
            params = {key: p for key, p in params.items() if first[id(p)] == key}
        ndarray.save(filename, {key: p._reduce() for key, p in params.items()}, format=format)

    def load_parameters(
        self,
        filename: str,
        ctx: Any = None,
        allow_missing: bool = False,
        ignore_extra: bool = False,
        cast_dtype: bool = False,
        dtype_source: str = "current",
    ) -> None:
        """Load values written by :meth:`save_parameters` (or by ``collect_params().save``).

        Names, shapes and dtypes are all checked first: a failed load changes nothing.
        """
        loaded = ndarray.load(filename)
        if not isinstance(loaded, dict):
            raise HybridError(f"{self.name}: {filename!r} holds a list, not named parameters")
        params = self._collect_params_with_prefix()
        if not loaded and not params:
            return
        if loaded and not any("." in key for key in loaded):
            # Files saved with full names (collect_params().save) load by name, as in MXNet.
            self.collect_params().load(
                filename,
                ctx,
                allow_missing,
                ignore_extra,
                self.prefix,
                cast_dtype=cast_dtype,
                dtype_source=dtype_source,
            )
            return
        load_checked(
            params, loaded, filename, ctx, allow_missing, ignore_extra, cast_dtype, dtype_source
        )

    def save_params(self, filename: str) -> None:
        """[Deprecated] Save the parameters under their full names minus this block's prefix
        (``collect_params().save(filename, strip_prefix=prefix)``); use ``save_parameters``.
        """
        warnings.warn(
            "save_params is deprecated. Please use save_parameters. Note that if you want load "
            "from SymbolBlock later, please use export instead.",
            stacklevel=2,
        )
        self.collect_params().save(filename, strip_prefix=self.prefix)

    def load_params(
        self,
        filename: str,
        ctx: Any = None,
        allow_missing: bool = False,
        ignore_extra: bool = False,
    ) -> None:
        """[Deprecated] ``load_parameters(filename, ctx, allow_missing, ignore_extra)``."""
        warnings.warn("load_params is deprecated. Please use load_parameters.", stacklevel=2)
        self.load_parameters(filename, ctx, allow_missing, ignore_extra)
