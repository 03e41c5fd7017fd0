"""Imports run one way, down the layers of docs/ARCHITECTURE.md, never up."""

from __future__ import annotations

import ast
from pathlib import Path

ADDIN = Path(__file__).resolve().parents[2] / "addin"

# layer of each top-level module or package of addin; faces sit on top
LAYERS: dict[str, int] = {
    "errors": 0,
    "collector": 0,
    "models": 1,
    "codesets": 2,
    "coding": 3,
    "x12": 4,
    "claims": 5,
    "remit": 5,
    "sheets": 6,
    "checkbook": 7,
    "demo": 7,
    "excel": 7,
    "cli": 7,
    "__init__": 7,
    "_data": 0,
}


def _top(path: Path) -> str:
    parts = path.relative_to(ADDIN).parts
    return parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "addin":
                names = [f"addin.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "addin" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_every_package_has_a_layer() -> None:
    tops = {_top(p) for p in ADDIN.rglob("*.py")}
    assert tops <= LAYERS.keys(), f"add {sorted(tops - LAYERS.keys())} to LAYERS and the docs"


def test_imports_never_go_up() -> None:
    upward = []
    for path in sorted(ADDIN.rglob("*.py")):
        source = _top(path)
        for target in _imports(path):
            if target in LAYERS and LAYERS[target] > LAYERS[source]:
                upward.append(f"{path.relative_to(ADDIN.parent)} imports addin.{target}")
    assert not upward, "\n".join(upward)
