"""MXNet 1.9.1's ``gluon.contrib.data.text`` datasets, WikiText2 and WikiText103, download their
corpus from the network on first use; hybrid never downloads at run time, so they raise an error
that says so.
"""

from __future__ import annotations

from typing import Any

from ....base import HybridError

__all__ = ["WikiText2", "WikiText103"]


class _DownloadedCorpus:
    def __init__(self, *args: Any, **kwargs: Any):
        raise HybridError(
            f"gluon.contrib.data.text.{type(self).__name__}: this dataset downloads its corpus "
            "from the network, which hybrid never does at run time; read the text files with "
            "gluon.data (e.g. SimpleDataset over your own tokenized corpus) instead"
        )


class WikiText2(_DownloadedCorpus):
    """WikiText-2 (not available: it needs a download, see the module docstring)."""


class WikiText103(_DownloadedCorpus):
    """WikiText-103 (not available: it needs a download, see the module docstring)."""
