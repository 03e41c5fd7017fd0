"""Vintage folders swap in together or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from addin.codesets.store import swap_in_all


def _folder(path: Path, text: str) -> Path:
    path.mkdir(parents=True)
    (path / "MANIFEST.json").write_text(text)
    return path


def test_a_failure_part_way_puts_every_old_folder_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gpci_old = _folder(tmp_path / "gpci" / "cy2025", "old gpci")
    pfs_dest = tmp_path / "pfs" / "cy2025-oct"  # not there before
    gpci_new = _folder(tmp_path / "gpci" / ".cy2025.new", "new gpci")
    pfs_new = _folder(tmp_path / "pfs" / ".cy2025-oct.new", "new pfs")
    real_rename = Path.rename

    def rename(self: Path, target: Path) -> Path:
        if self == pfs_new:
            raise OSError("disk full")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(OSError, match="disk full"):
        swap_in_all([(gpci_new, gpci_old), (pfs_new, pfs_dest)])
    assert (gpci_old / "MANIFEST.json").read_text() == "old gpci"
    assert not pfs_dest.exists() and not gpci_new.exists() and not pfs_new.exists()
    monkeypatch.undo()
    gpci_new = _folder(tmp_path / "gpci" / ".cy2025.new", "new gpci")
    pfs_new = _folder(tmp_path / "pfs" / ".cy2025-oct.new", "new pfs")
    swap_in_all([(gpci_new, gpci_old), (pfs_new, pfs_dest)])
    assert (gpci_old / "MANIFEST.json").read_text() == "new gpci"
    assert (pfs_dest / "MANIFEST.json").read_text() == "new pfs"
    assert sorted(p.name for p in (tmp_path / "gpci").iterdir()) == ["cy2025"]
