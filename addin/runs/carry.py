"""What staff typed on a result sheet, carried into the sheet's next version by row key.

A result sheet is rebuilt on every run, but the columns people fill in (Owner, Work Status,
Follow-up Date, Notes on the Denials worklist) and any column a user added beside the table
are carried over: each new row takes the typed values of the old row with the same key. An
old row whose key is gone keeps its place at the bottom, marked, whenever someone typed in
it, so nothing a person wrote is ever dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from addin.models import Column, ResultTable, SheetRows
from addin.registers.cells import as_text, header_lost


@dataclass(frozen=True)
class Carry:
    """How a result sheet's rows are matched run to run, and what staff type into it.

    ``orphan`` names the column that says why a kept row is no longer current, and the
    text it gets."""

    key: tuple[str, ...]
    staff: tuple[str, ...] = ()
    orphan: tuple[str, str] | None = None
    defaults: dict[str, Any] = field(default_factory=dict)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _kind(values: Sequence[Any]) -> Literal["date", "number", "text"]:
    seen = [v for v in values if not _blank(v)]
    if seen and all(isinstance(v, date | datetime) for v in seen):
        return "date"
    if seen and all(isinstance(v, int | float) and not isinstance(v, bool) for v in seen):
        return "number"
    return "text"


def carry_over(table: ResultTable, old: SheetRows | None, spec: Carry) -> ResultTable:
    """``table`` with the typed values of ``old`` (the sheet as read) carried in.

    A skimmed ``old`` (its header row read, not its rows) is read whole only when its
    header shows a column to carry."""
    if old is None or not old.ours:
        return table
    mine, keyed, staff = _columns(table, old, spec)
    if old.skimmed:
        # what the header row shows decides only that nothing is to be carried; anything
        # else is decided from the whole read, as always, so a header read differently (a
        # number, a merged cell) never drops what was typed
        if all(i is not None for i in keyed) and not mine and all(o is None for _, o in staff):
            return table
        old = old.whole()
        mine, keyed, staff = _columns(table, old, spec)
    if not old.rows:
        return table
    if any(i is None for i in keyed):
        # nothing to match typed values to their rows by: rebuilt only when nobody typed
        if _typed_anywhere(old, mine, staff):
            _refuse_without_key(old, spec, keyed, table)
        return table
    if not mine and all(o is None for _, o in staff):
        # no column typed into: the new rows are the table's own, and no old row has
        # anything typed that would keep it (on a 106,007-row Claims sheet: 0.5 s of keys)
        return table
    index: dict[tuple[str, ...], list[Any]] = {}
    for _, values in old.rows:
        key = tuple(as_text(values[i]) if i is not None and i < len(values) else ""
                    for i in keyed)  # fmt: skip
        index.setdefault(key, values)
    new_key = [_index(table.columns, k) for k in spec.key]
    used: set[tuple[str, ...]] = set()
    rows: list[list[Any]] = []
    for row in table.rows:
        key = tuple(as_text(row[i]) if i is not None and i < len(row) else "" for i in new_key)
        before = index.get(key)
        row = list(row)
        if before is not None:
            used.add(key)
            for t, o in staff:
                if o is not None and o < len(before):
                    row[t] = before[o]
            row.extend(before[i] if i < len(before) else None for i, _ in mine)
        else:
            row.extend(None for _ in mine)
        rows.append(row)
    staff_old = {o for _, o in staff if o is not None}
    for key, before in index.items():
        if key in used:
            continue
        typed = any(
            i < len(before) and not _blank(before[i])
            and not (spec.defaults.get(old.headers[i]) == before[i])
            for i in [*staff_old, *(i for i, _ in mine)]
        )  # fmt: skip
        if not typed:
            continue
        kept: list[Any] = []
        for column in table.columns:
            at = old.column(column.name)
            kept.append(before[at] if at is not None and at < len(before) else None)
        if spec.orphan is not None:
            mark = _index(table.columns, spec.orphan[0])
            if mark is not None:
                kept[mark] = spec.orphan[1]
        kept.extend(before[i] if i < len(before) else None for i, _ in mine)
        rows.append(kept)
    columns = list(table.columns) + [
        Column(name=h, kind=_kind([v[i] for _, v in old.rows if i < len(v)])) for i, h in mine
    ]
    return table.model_copy(update={"columns": columns, "rows": rows})


def _typed_anywhere(
    old: SheetRows, mine: list[tuple[int, str]], staff: list[tuple[int, int | None]]
) -> bool:
    """Whether any row of ``old`` has a value in a staff column or a user's column."""
    at = [o for _, o in staff if o is not None] + [i for i, _ in mine]
    return any(i < len(values) and not _blank(values[i]) for _, values in old.rows for i in at)


def _refuse_without_key(
    old: SheetRows, spec: Carry, keyed: list[int | None], table: ResultTable
) -> None:
    """A WorkbookError: what staff typed cannot be matched to its rows (a key header was
    typed over), and rebuilding the sheet would drop it."""
    missing = [k for k, i in zip(spec.key, keyed, strict=True) if i is None]
    ours = {_norm(c.name) for c in table.columns}
    raise header_lost(
        old.name, missing, [h for h in old.headers if h and _norm(h) not in ours],
        "What was typed on this sheet is matched to its rows by that column, and rebuilding "
        "the sheet without it would lose it",
    )  # fmt: skip


def _columns(
    table: ResultTable, old: SheetRows, spec: Carry
) -> tuple[list[tuple[int, str]], list[int | None], list[tuple[int, int | None]]]:
    """Of ``old``'s header: the columns a user added (index, header), where each key column
    is, and each staff column's place in ``table`` and in ``old``."""
    ours = {_norm(c.name) for c in table.columns}
    mine = [(i, h) for i, h in enumerate(old.headers) if h and _norm(h) not in ours]
    keyed = [old.column(k) for k in spec.key]
    staff = [
        (at, old.column(name))
        for name in spec.staff
        if (at := _index(table.columns, name)) is not None
    ]
    return mine, keyed, staff


def _index(columns: Sequence[Column], name: str) -> int | None:
    key = _norm(name)
    return next((i for i, c in enumerate(columns) if _norm(c.name) == key), None)
