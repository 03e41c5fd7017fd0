"""Making the folder a file is written into, with an error that says which path is wrong."""

from __future__ import annotations

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


__all__ = ["make_folder"]
