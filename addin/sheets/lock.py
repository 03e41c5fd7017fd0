"""One run at a time per workbook: a lock file beside it, and a check that no one has it open.

Two Claimbook runs on one workbook would each read it, and the second to save would drop
the first one's sheets. A run therefore holds ``.BOOK.xlsx.claimbook-lock`` from reading to
saving; a second run waits for it (a few seconds by default) and then stops saying who holds
it. A lock whose process has ended (a crash) is taken over. Excel and LibreOffice leave an
owner file beside a workbook they have open (``~$BOOK.xlsx``, ``.~lock.BOOK.xlsx#``): a run
that would write the file stops, because saving in Excel afterwards would drop the run's
work; inside Excel the Claimbook buttons are the way.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from addin.errors import InputError, OutputError, WorkbookBusy

# seconds a run waits for another run's lock (CLAIMBOOK_LOCK_WAIT overrides)
DEFAULT_WAIT = 30.0
_POLL = 0.2


def lock_path(book: Path) -> Path:
    return book.with_name(f".{book.name}.claimbook-lock")


def owner_files(book: Path) -> list[Path]:
    """Owner files Excel or LibreOffice keep beside a workbook while it is open."""
    names = [f"~${book.name}", f".~lock.{book.name}#"]
    if len(book.name) > 2:
        names.append(f"~${book.name[2:]}")  # Office shortens long names this way
    return [book.with_name(n) for n in names if book.with_name(n).exists()]


def open_elsewhere(book: Path) -> str | None:
    """A message when Excel or LibreOffice has ``book`` open, else None."""
    found = owner_files(book)
    if not found:
        return None
    app = "LibreOffice" if found[0].name.startswith(".~lock.") else "Excel"
    return (
        f"{book}: is open in {app} ({found[0].name} is beside it); close it there first, or "
        "use the Claimbook buttons inside Excel. If it is not open anywhere, delete "
        f"{found[0].name}. Nothing was written"
    )


def _alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # cannot tell on Windows without more machinery: assume it runs
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _holder(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _stale(path: Path) -> bool:
    holder = _holder(path)
    pid, host = holder.get("pid"), holder.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return False
    return not _alive(pid)


@contextmanager
def workbook_lock(book: Path, wait: float | None = None, what: str = "run") -> Iterator[None]:
    """Hold ``book``'s lock for the block; waits up to ``wait`` seconds for another run."""
    path = lock_path(book)
    if not path.parent.is_dir():  # a mistyped path, not a busy workbook: nothing to retry
        raise InputError(f"{book}: no such file; the folder {path.parent} does not exist")
    if wait is None:
        wait = float(os.environ.get("CLAIMBOOK_LOCK_WAIT", DEFAULT_WAIT))
    deadline = time.monotonic() + wait
    note = json.dumps(
        {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now().isoformat(timespec="seconds"),
            "what": what,
        }
    )
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if _stale(path):
                path.unlink(missing_ok=True)
                continue
            if time.monotonic() >= deadline:
                holder = _holder(path)
                raise WorkbookBusy(
                    f"{book}: another Claimbook {holder.get('what', 'run')} is working on it "
                    f"(process {holder.get('pid', '?')} on {holder.get('host', '?')}, started "
                    f"{holder.get('started', '?')}); wait for it to finish and run again. If "
                    f"no Claimbook is running, delete {path.name}. Nothing was written"
                ) from None
            time.sleep(_POLL)
            continue
        except OSError as exc:  # not another run's lock: waiting would not help
            raise OutputError(
                f"{book}: cannot create the lock file {path.name} beside it ({exc}); check "
                "that the folder is writable. Nothing was written"
            ) from None
        break
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(note)
        yield
    finally:
        path.unlink(missing_ok=True)
