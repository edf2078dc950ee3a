"""Sphinx directives that generate hybrid's reference pages from the code itself.

- ``hybrid-ops``: one entry per registered op of a namespace (``nd``, ``contrib``, ``linalg``,
  ``random``, ``image``), with its signature, attributes, docstring and an example call computed
  from the op's first test sample, so the page can never drift from the registry.
- ``hybrid-coverage``: per MXNet 1.9.1 namespace, the names hybrid has, leaves out (with the
  reason from ``hybrid.api_coverage``) and lacks, from the reference names file.
- ``hybrid-cli``: the ``--help`` text of a console script's argparse parser.
- ``hybrid-network``: a block's traced graph drawn by ``hybrid.viz.plot_network``.

At the start of a build the walk-through tutorial runs once to draw its training curves.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import json
import os

import figures
import numpy as np
from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList
from numpydoc.docscrape_sphinx import SphinxDocString
from sphinx.ext.graphviz import graphviz

import hybrid  # noqa: F401  (registers every op)
from hybrid import api_coverage
from hybrid.ndarray import namespace
from hybrid.ops.registry import REGISTRY

REFERENCE_NAMES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                               "fixtures", "mxnet_1.9.1_api_names.json")


def _parse(directive: Directive, lines: list[str]) -> list[nodes.Node]:
    """Nodes from reStructuredText ``lines``, parsed in the directive's context."""
    holder = nodes.container()
    source = directive.state_machine.get_source_and_line(directive.lineno)[0]
    directive.state.nested_parse(StringList(lines, source), directive.content_offset, holder)
    return holder.children


def ops_of(space: str) -> dict[str, type]:
    """Public function name -> op for the namespace ``space`` (``nd`` is the top level)."""
    found = {}
    for key, op in REGISTRY.items():
        where = namespace.subspace_of(key)
        if space == "nd" and where is None:
            found[key] = op
        elif where is not None and where[0] == space:
            found[where[1]] = op
    return dict(sorted(found.items(), key=lambda kv: kv[0].lower()))


def _shape_text(value: object) -> str:
    shape = getattr(value, "shape", None)
    return f"array{tuple(shape)}" if shape is not None else repr(value)


def example_call(prefix: str, name: str, op: type) -> str | None:
    """``nd.relu(array(2, 3)) -> (2, 3)`` from the op's first sample, run eagerly; None when it
    has no sample."""
    samples = op.samples(np.random.default_rng(0))
    if not samples:
        return None
    sample = samples[0]
    fn = getattr(hybrid.nd, name, None) if prefix == "nd" else None
    args = [_shape_text(x) for x in sample.inputs]
    args += [f"{k}={v!r}" for k, v in sample.attrs.items()]
    call = f"{prefix}.{name}({', '.join(args)})"
    try:
        inputs = [hybrid.nd.array(x, dtype=x.dtype) for x in sample.inputs]
        fn = fn or hybrid.ops.registry.build_function(op, hybrid.ops.registry.invoke)
        out = fn(*inputs, **sample.attrs)
    except Exception:  # noqa: BLE001 - an example that needs train mode etc. shows no result
        return call
    outs = out if isinstance(out, (list, tuple)) else [out]
    return f"{call} -> " + ", ".join(str(tuple(o.shape)) for o in outs)


def _attr_rows(op: type) -> list[str]:
    rows = [".. list-table::", "   :header-rows: 1", "", "   * - attribute", "     - type",
            "     - default"]
    for spec in op.attr_specs.values():
        if spec.name == "is_train":
            continue
        rows += [f"   * - ``{spec.name}``", f"     - {spec.kind}", f"     - ``{spec.default!r}``"]
    return rows + [""]


class OpsDirective(Directive):
    """``.. hybrid-ops:: contrib``: the reference of every op in one namespace."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        space = self.arguments[0]
        prefix = "nd" if space == "nd" else f"nd.{space}"
        lines: list[str] = []
        for name, op in ops_of(space).items():
            signature = str(inspect.signature(hybrid.ops.registry.build_function(op, None)))
            lines += [f".. py:function:: {prefix}.{name}{signature}", ""]
            doc = inspect.cleandoc(op.__doc__ or "")
            body = str(SphinxDocString(doc, config={"show_class_members": False}))
            if name != op.name:
                body = f"The op ``{op.name}`` under MXNet's name for this namespace.\n\n" + body
            lines += ["   " + line if line else "" for line in body.splitlines()] + [""]
            if op.attr_specs.keys() - {"is_train"}:
                lines += ["   " + line if line else "" for line in _attr_rows(op)]
            example = example_call(prefix, name, op)
            if example:
                lines += ["   Example (shapes)::", "", f"      {example}", ""]
        return _parse(self, lines)


def namespace_module(namespace: str) -> object | None:
    """hybrid's module for an MXNet namespace name (``nd.contrib`` -> ``hybrid.nd.contrib``), or
    None when hybrid has none."""
    module = hybrid
    for part in namespace.split("."):
        module = getattr(module, part, None)
        if module is None:
            return None
    return module


def coverage(namespace: str, names: list[str]) -> tuple[list[str], dict[str, str], list[str]]:
    """(present, excluded name -> reason, missing) for MXNet's public ``names`` of ``namespace``."""
    module = namespace_module(namespace)
    excluded = {**api_coverage.EXCLUDED.get(namespace, {}),
                **api_coverage.NP_EXCLUDED.get(namespace, {})}
    present = [n for n in names if module is not None and hasattr(module, n)]
    left = [n for n in names if n not in present]
    return present, {n: excluded[n] for n in left if n in excluded}, \
        [n for n in left if n not in excluded]


class CoverageDirective(Directive):
    """``.. hybrid-coverage::``: per MXNet 1.9.1 namespace, what hybrid has and leaves out."""

    def run(self) -> list[nodes.Node]:
        with open(REFERENCE_NAMES, encoding="utf-8") as f:
            reference = json.load(f)
        lines = [".. list-table::", "   :header-rows: 1", "", "   * - namespace",
                 "     - MXNet 1.9.1 names", "     - in hybrid", "     - left out (reason below)",
                 "     - missing"]
        details: list[str] = []
        for space, names in reference.items():
            present, excluded, missing = coverage(space, names)
            lines += [f"   * - ``{space}``", f"     - {len(names)}", f"     - {len(present)}",
                      f"     - {len(excluded)}", f"     - {len(missing)}"]
            details += [f".. rubric:: {space}", ""]
            by_reason: dict[str, list[str]] = {}
            for name, reason in excluded.items():
                by_reason.setdefault(reason, []).append(name)
            for reason, group in by_reason.items():
                details += [f"- Left out: {reason}: " + ", ".join(f"``{n}``" for n in group)]
            if missing:
                details += ["- Not yet in hybrid: " + ", ".join(f"``{n}``" for n in missing)]
            if not excluded and not missing:
                details += ["- Every name is in hybrid."]
            details += [""]
        return _parse(self, lines + [""] + details)


class CliDirective(Directive):
    """``.. hybrid-cli:: module:main [args]``: what ``main([args] or ['--help'])`` prints, the
    console script's own help text."""

    required_arguments = 1
    optional_arguments = 5

    def run(self) -> list[nodes.Node]:
        module, function = self.arguments[0].split(":")
        main = getattr(importlib.import_module(module), function)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                main(list(self.arguments[1:]) or ["--help"])
            except SystemExit:
                pass
        text = out.getvalue()
        return [nodes.literal_block(text, text)]


class NetworkDirective(Directive):
    """``.. hybrid-network:: module:function``: ``function()`` returns (symbol, shapes); the
    graph is drawn with ``hybrid.viz.plot_network``."""

    required_arguments = 1
    option_spec = {"caption": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        module, function = self.arguments[0].split(":")
        symbol, shapes = getattr(importlib.import_module(module), function)()
        dot = hybrid.viz.plot_network(symbol, shape=shapes, save_format="svg")
        node = graphviz()
        node["code"] = dot.source
        node["options"] = {"docname": self.state.document.settings.env.docname}
        node["alt"] = self.options.get("caption", function)
        return [node]


def _make_figures(app: object) -> None:
    figures.training_curves()


def setup(app: object) -> dict:
    app.connect("builder-inited", _make_figures)
    app.add_directive("hybrid-ops", OpsDirective)
    app.add_directive("hybrid-cli", CliDirective)
    app.add_directive("hybrid-network", NetworkDirective)
    app.add_directive("hybrid-coverage", CoverageDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
