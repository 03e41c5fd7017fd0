"""Docs are tested: every command, UDF and button is in the README with help text."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from addin.cli import app
from addin.excel import macros
from addin.excel.udfs import UDFS

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
MACROS = REPO / "macros"


def _commands() -> list[tuple[str, Any]]:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    found: list[tuple[str, Any]] = []
    for name, command in root.commands.items():
        if isinstance(command, TyperGroup):
            found += [(f"{name} {sub}", cmd) for sub, cmd in command.commands.items()]
        else:
            found.append((name, command))
    return found


def test_there_are_commands_to_check() -> None:
    names = {name for name, _ in _commands()}
    assert {"lookup", "codesets info", "codesets import", "demo", "check"} <= names


def test_every_command_has_help_and_a_readme_section() -> None:
    for name, command in _commands():
        assert (command.help or "").strip(), f"claimbook {name} has no help text"
        if name.startswith("codesets "):
            assert f"codesets {name.split()[1]}" in README, f"README lacks claimbook {name}"
        else:
            assert re.search(rf"### `claimbook {re.escape(name)}\b", README), (
                f"README has no section for claimbook {name}"
            )


def test_every_udf_is_documented() -> None:
    for udf in UDFS:
        assert inspect.getdoc(udf), udf.__name__
        assert udf.__name__ in README, f"README does not list {udf.__name__}"


def test_every_button_is_documented() -> None:
    bas = "\n".join(p.read_text(encoding="utf-8") for p in MACROS.glob("*.bas"))
    buttons = set(re.findall(r"RunPython \"import addin\.excel\.macros as m; m\.(\w+)\(", bas))
    assert len(buttons) >= 5
    for name in sorted(buttons):
        assert inspect.getdoc(getattr(macros, name)), name
        assert name in README, f"README does not mention the button entry point {name}"
