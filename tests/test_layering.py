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
}


def _module_level_imports(path: Path) -> list[str]:
    """Dotted targets of the imports executed when the module loads (not inside functions)."""
    package = ".".join(("hybrid", *path.relative_to(HYBRID).parent.parts))
    names = []
    for node in ast.parse(path.read_text()).body:
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
    imports = _module_level_imports(HYBRID / module)
    assert imports, f"{module}: no imports found (wrong path?)"
    upward = [n for n in imports for top in BOTTOM[module] if n.startswith(f"hybrid.{top}")]
    assert not upward, f"{module} imports {upward} at module level"
