"""X12 envelopes for the files we write: ISA/GS/ST/SE/GE/IEA and control numbers that never repeat.

Control numbers are kept per submitter in ``control_numbers.json`` under the user data
directory (``CLAIMBOOK_DATA_DIR`` moves it, beside the code-set store), reserved under a lock
file and saved with an atomic replace before any file is written, so a second run, even a
crashed one, never reuses an ISA13, GS06 or ST02.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field

from addin.codesets.store import user_root
from addin.errors import OutputError, SettingsError
from addin.x12.segments import Delimiters

#: What we write: ``*`` elements, ``:`` components, ``^`` repetitions, ``~`` plus a line break.
WRITE_DELIMITERS = Delimiters("*", ":", "^", "~")
CONTROL_FILE = "control_numbers.json"
MAX_CONTROL = 999_999_999
_ISA_ID = re.compile(r"^[A-Za-z0-9 .\-]{1,15}$")

RawSeg = Sequence[str]  # segment id followed by its elements


def x12_dir() -> Path:
    """Where X12 state lives: ``<CLAIMBOOK_DATA_DIR>/x12`` (a sibling of the code-set store)."""
    return user_root().parent / "x12"


def render(segments: Iterable[RawSeg], delimiters: Delimiters = WRITE_DELIMITERS) -> str:
    """Segments (id first) as X12 text, one segment a line, trailing empty elements dropped."""
    el = delimiters.element
    end = delimiters.segment + "\n"
    out: list[str] = []
    append = out.append
    for seg in segments:
        n = len(seg)
        while n > 1 and not seg[n - 1]:
            n -= 1
        append(el.join(seg[:n]) if n != len(seg) else el.join(seg))
        append(end)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class ControlNumbers:
    """Reserved numbers for one interchange: ISA13, GS06 and the first ST02."""

    interchange: int
    group: int
    first_transaction: int


class ControlNumberStore:
    """Per-submitter counters in a JSON file; ``reserve`` hands out numbers not used before."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or (x12_dir() / CONTROL_FILE)

    def _load(self) -> dict[str, dict[str, int]]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise OutputError(
                f"{self.path}: control-number file is damaged ({exc}); fix or remove it only "
                "after checking the last ISA13 sent, or the clearinghouse may reject duplicates"
            ) from None
        if not isinstance(data, dict):
            raise OutputError(f"{self.path}: control-number file is not a JSON object")
        return data

    def last(self, submitter: str) -> dict[str, int]:
        """The last numbers used for a submitter (zeros when none yet)."""
        return {"isa": 0, "gs": 0, "st": 0, **self._load().get(submitter, {})}

    def reserve(self, submitter: str, transactions: int = 1) -> ControlNumbers:
        """Reserve one ISA13, one GS06 and ``transactions`` ST02 values for ``submitter``."""
        return self.reserve_many([(submitter, transactions)])[0]

    def reserve_many(self, wanted: Sequence[tuple[str, int]]) -> list[ControlNumbers]:
        """``reserve`` for each (submitter, transactions) in turn, under one lock and one
        write of the file (a batch reserves for every clinic before any clinic runs)."""
        if not wanted:
            return []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_suffix(".lock")
        fd = _acquire(lock)
        try:
            data = self._load()
            given = []
            for submitter, transactions in wanted:
                entry = {"isa": 0, "gs": 0, "st": 0, **data.get(submitter, {})}
                isa = _bump(entry["isa"], 1)
                gs = _bump(entry["gs"], 1)
                last_st = _bump(entry["st"], transactions)
                st = last_st - transactions + 1  # the run's ST02 values are consecutive
                data[submitter] = {"isa": isa, "gs": gs, "st": last_st}
                given.append(ControlNumbers(isa, gs, st))
            _atomic_write(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")
            return given
        finally:
            os.close(fd)
            lock.unlink(missing_ok=True)


def _bump(value: int, by: int) -> int:
    """The last of ``by`` numbers after ``value``; past 999,999,999 they start again at 1."""
    nxt = value + by
    return nxt if nxt <= MAX_CONTROL else by


def _acquire(lock: Path, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if time.monotonic() > deadline:
                raise OutputError(
                    f"{lock}: another Claimbook run holds the control-number lock; wait for "
                    "it to finish, or delete the file if no run is active"
                ) from None
            time.sleep(0.05)


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Envelope(BaseModel):
    """Interchange and group headers: who sends, who receives, when, and the control numbers."""

    sender_qualifier: str = "ZZ"
    sender_id: str = Field(min_length=1, max_length=15)
    receiver_qualifier: str = "ZZ"
    receiver_id: str = Field(min_length=1, max_length=15)
    usage: str = Field(default="P", pattern="^[PT]$")
    created: datetime
    interchange: int = Field(ge=1, le=MAX_CONTROL)
    group: int = Field(ge=1, le=MAX_CONTROL)
    version: str = "005010X222A1"
    functional_id: str = "HC"

    @classmethod
    def for_submitter(
        cls,
        settings: dict[str, str],
        created: datetime,
        numbers: ControlNumbers,
    ) -> Envelope:
        """Build from the Settings sheet; a missing or bad ID is a SettingsError naming it."""
        sender = settings.get("Submitter ID", "").strip()
        receiver = settings.get("Receiver ID", "").strip()
        usage = (settings.get("Usage Indicator", "") or "P").strip().upper()[:1]
        for key, value in (("Submitter ID", sender), ("Receiver ID", receiver)):
            if not value or not _ISA_ID.match(value):
                raise SettingsError(
                    f"Settings!{key}: {value!r} cannot go in the ISA header; use 1-15 "
                    "letters, digits, spaces, '.' or '-' as your clearinghouse assigned"
                )
        if usage not in ("P", "T"):
            raise SettingsError(
                f"Settings!Usage Indicator: {usage!r}; use P (production) or T (test)"
            )
        return cls(
            sender_id=sender,
            receiver_id=receiver,
            usage=usage,
            created=created,
            interchange=numbers.interchange,
            group=numbers.group,
        )

    def isa(self, delimiters: Delimiters = WRITE_DELIMITERS) -> list[str]:
        """ISA, fixed width as the standard requires."""
        return [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            self.sender_qualifier,
            self.sender_id.ljust(15),
            self.receiver_qualifier,
            self.receiver_id.ljust(15),
            self.created.strftime("%y%m%d"),
            self.created.strftime("%H%M"),
            delimiters.repetition or "^",
            "00501",
            f"{self.interchange:09d}",
            "0",
            self.usage,
            delimiters.component,
        ]

    def gs(self) -> list[str]:
        return [
            "GS",
            self.functional_id,
            self.sender_id,
            self.receiver_id,
            self.created.strftime("%Y%m%d"),
            self.created.strftime("%H%M"),
            str(self.group),
            "X",
            self.version,
        ]

    def ge(self, transactions: int) -> list[str]:
        return ["GE", str(transactions), str(self.group)]

    def iea(self) -> list[str]:
        return ["IEA", "1", f"{self.interchange:09d}"]


def st(control: int, version: str = "005010X222A1", kind: str = "837") -> list[str]:
    """ST with a 4-9 digit control number (leading zeros keep it at least 4 digits)."""
    return ["ST", kind, f"{control:04d}", version]


def se(segment_count: int, control: int) -> list[str]:
    """SE: the count includes ST and SE themselves."""
    return ["SE", str(segment_count), f"{control:04d}"]
