"""Paths the user gave: the folder a file is written into, made or refused naming the path
in the way; what to say of a path given as a file that is not one."""

from __future__ import annotations

import os
from pathlib import Path

from addin.errors import OutputError


def make_folder(folder: Path, writing: Path | None = None) -> None:
    """Make ``folder`` (and its parents) for ``writing``; an OutputError naming both when the
    system refuses (a file where a folder should be, no permission, a read-only disk)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        what = (
            f"{writing}: cannot make its folder {folder}"
            if writing
            else f"{folder}: cannot make it"
        )
        if folder.exists() or any(p.is_file() for p in folder.parents):
            why = "a file of that name is in the way"
        else:
            why = exc.strerror or str(exc)
        raise OutputError(f"{what} ({why}); nothing was written") from None


def not_a_file(path: str | os.PathLike[str]) -> str:
    """What is wrong with a path given as a file that is not one: a folder, or nothing."""
    what = "a folder, not a file" if Path(path).is_dir() else "no such file"
    return f"{path}: {what}; check the path"


__all__ = ["make_folder", "not_a_file"]
