"""The core's layers import only downwards at module level (issue "mx.np": the import circle
registry -> autograd -> ndarray -> registry is gone): the op registry and the tape know no array
type; the array types (NDArray, np.ndarray, Symbol) sit on top and tell the registry how to wrap
results (see Note [Result array type] in hybrid/ops/registry.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

HYBRID = Path(__file__).resolve().parents[1] / "hybrid"
ARRAY_TYPES = ("ndarray", "numpy", "symbol", "gluon", "graph")
# module -> hybrid subpackages it must not import at module level
BOTTOM = {
    "base.py": ARRAY_TYPES,
    "context.py": ARRAY_TYPES,
    "autograd.py": ARRAY_TYPES,
    "ops/attrs.py": ARRAY_TYPES,
    "ops/registry.py": ARRAY_TYPES,
    # The array file formats sit below nd.save/load: hybrid's .npz writer calls MXNet's, never
    # the other way round (issue 22's hidden cycle).
    "serialization.py": ARRAY_TYPES,
    "mxnet_format.py": (*ARRAY_TYPES, "serialization"),
    "_files.py": (*ARRAY_TYPES, "serialization", "mxnet_format"),
}
# Bottom modules whose function bodies may not import upward either (lazily hidden cycles).
NO_LAZY_UPWARD = ("mxnet_format.py", "_files.py")


def _imports(path: Path, lazy: bool = False) -> list[str]:
    """Dotted targets of the imports executed when the module loads, and with ``lazy`` also
    those inside functions.
    """
    package = ".".join(("hybrid", *path.relative_to(HYBRID).parent.parts))
    names = []
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree) if lazy else tree.body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.append(node.module or "")
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join([*base, node.module] if node.module else base)
            names += [target] if node.module else [f"{target}.{a.name}" for a in node.names]
    return names


@pytest.mark.parametrize("module", sorted(BOTTOM))
def test_bottom_layers_do_not_import_array_types(module):
    imports = _imports(HYBRID / module)
    assert imports, f"{module}: no imports found (wrong path?)"
    upward = [n for n in imports for top in BOTTOM[module] if n.startswith(f"hybrid.{top}")]
    assert not upward, f"{module} imports {upward} at module level"


@pytest.mark.parametrize("module", NO_LAZY_UPWARD)
def test_file_formats_do_not_import_upward_inside_functions(module):
    imports = _imports(HYBRID / module, lazy=True)
    upward = [n for n in imports for top in BOTTOM[module] if n.startswith(f"hybrid.{top}")]
    assert not upward, f"{module} imports {upward} inside a function"
