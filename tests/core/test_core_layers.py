"""Imports run one way, down the layers of docs/ARCHITECTURE.md, never up."""

from __future__ import annotations

import ast
from pathlib import Path

ADDIN = Path(__file__).resolve().parents[2] / "addin"

# layer of each top-level module or package of addin; faces sit on top
LAYERS: dict[str, int] = {
    "errors": 0,
    "collector": 0,
    "files": 0,
    "models": 1,
    "codesets": 2,
    "coding": 3,
    "x12": 4,
    "claims": 5,
    "remit": 5,
    "registers": 5,
    "sheets": 6,
    "runs": 7,
    "archive": 7,
    "demo": 8,
    "excel": 9,
    "cli": 9,
    "cli_workbook": 9,
    "__init__": 9,
    "_data": 0,
}
# The faces: each converts arguments and formats results over the runs layer and the
# library; none may import another (the two cli modules are one face).
FACES: dict[str, str] = {
    "excel": "excel",
    "cli": "cli",
    "cli_workbook": "cli",
    "__init__": "api",
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


def test_faces_never_import_each_other() -> None:
    crossing = []
    for path in sorted(ADDIN.rglob("*.py")):
        source = _top(path)
        if source not in FACES:
            continue
        for target in _imports(path):
            if target in FACES and FACES[target] != FACES[source]:
                crossing.append(f"{path.relative_to(ADDIN.parent)} imports addin.{target}")
    assert not crossing, "\n".join(crossing)


def test_the_layer_checks_can_fail() -> None:
    """The checks above see an upward or sideways import when there is one."""
    assert "excel" in _imports_of("from addin.excel import macros\n")
    assert "cli" in _imports_of("import addin.cli\n")
    assert LAYERS["runs"] > LAYERS["sheets"] > LAYERS["remit"]
    assert LAYERS["demo"] < LAYERS["cli"] and FACES["cli"] != FACES["excel"]


def _imports_of(text: str) -> set[str]:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(text)
    try:
        return _imports(Path(fh.name))
    finally:
        Path(fh.name).unlink()


def test_one_fill_rule_and_one_generator() -> None:
    """Diagnoses are filled from text in one place (addin.runs.fill, FILL_MIN_SCORE), and
    synthetic clinics come from one generator (addin.demo.generate)."""
    fills = [
        p.relative_to(ADDIN.parent)
        for p in ADDIN.rglob("*.py")
        if "FILL_MIN_SCORE" in p.read_text(encoding="utf-8")
    ]
    assert sorted(str(p) for p in fills) == [
        "addin/coding/suggest/__init__.py",
        "addin/runs/fill.py",
    ], fills
    generators = [
        p.relative_to(ADDIN.parent)
        for p in ADDIN.rglob("*.py")
        if "def generate(" in p.read_text(encoding="utf-8")
        or "def synthetic_encounters(" in p.read_text(encoding="utf-8")
    ]
    assert [str(p) for p in generators] == ["addin/demo/generate.py"], generators
