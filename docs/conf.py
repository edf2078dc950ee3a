"""Sphinx configuration of hybrid's documentation site.

Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html`` from the project root.
Sphinx with autodoc and numpydoc reads the numpydoc docstrings the code already has; MyST lets the
tutorials be Markdown files whose code blocks the test suite runs (tests/docs/).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))

import hybrid  # noqa: E402

project = "hybrid"
author = "the hybrid developers"
copyright = "2026, the hybrid developers"
release = version = hybrid.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.graphviz",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_parser",
    "hybrid_docs",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_validation_checks: set[str] = set()
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3
intersphinx_mapping: dict = {}
graphviz_output_format = "svg"

html_theme = "furo"
html_title = f"hybrid {release}"
html_static_path = ["_static"]
