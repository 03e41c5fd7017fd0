"""read_book: a clinic workbook (or CSV) -> addin.models.Book, problems as findings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from addin.collector import collector_paused
from addin.errors import WorkbookError
from addin.models import (
    RULES_COLUMNS,
    SETTINGS_KEYS,
    Book,
    ContractRow,
    FeeRow,
    Finding,
    PayerRow,
    RuleRow,
    SheetRows,
)
from addin.sheets.encounters import read_encounters
from addin.sheets.headers import (
    CONTRACT_HEADERS,
    ENCOUNTER_HEADERS,
    ENCOUNTER_REQUIRED,
    FEE_HEADERS,
    PAYER_HEADERS,
    RULE_HEADERS,
    alias_index,
    header_key,
)
from addin.sheets.sheetxml import col_letter
from addin.sheets.source import SheetTable, Source, find_table
from addin.sheets.values import CellReader, clean_text, is_blank

ENCOUNTERS = "Encounters"


def read_book(path: Path | str, own: Iterable[str] = (), skim: Iterable[str] = ()) -> Book:
    """Read the Encounters, Settings, Payers, Fees, Contracts and Rules sheets of a workbook.

    A CSV file is read as the Encounters sheet. A missing Encounters table (or a required
    header) is a WorkbookError; every problem with a value is a finding in ``Book.findings``.
    ``own`` names sheets Claimbook writes (registers, result sheets) to read as they are, in
    the same pass, into ``Book.own``; the column letter of every header read goes into
    ``Book.letters``, so nothing needs the file again to point at a cell.

    Of the ``own`` sheets, those ``skim`` names are read as their header row only
    (``SheetRows.skimmed``) where the package allows: a result sheet that only carries what
    staff typed in its own columns, whose rows :meth:`SheetRows.whole` reads from the file
    (unchanged since) if the run finds such a column.
    """
    with collector_paused():
        return _read_book(Path(path), tuple(own), frozenset(n.casefold() for n in skim))


# the names each sheet read_book reads is found under (case and spaces aside)
ENCOUNTERS_NAMES = (ENCOUNTERS, "Encounter", "Visits")
SETTINGS_NAMES = ("Settings", "Setting", "Configuration")
PAYER_NAMES = ("Payers", "Payors", "Payer")
FEE_NAMES = ("Fees", "Fee Schedule", "Fee")
CONTRACT_NAMES = ("Contracts", "Contract", "Contract Rates")
RULE_NAMES = ("Rules", "Payer Rules")


def _read_book(path: Path, own: tuple[str, ...] = (), skim: frozenset[str] = frozenset()) -> Book:
    source = Source(path)
    try:
        book = Book(path=source.path)
        # own sheets skimmed: name asked for -> (the sheet, its row 1)
        headers: dict[str, tuple[str, list[str]]] = {}
        if not source.is_csv:
            for name in own:
                sheet = _own_name(source, name) if name.casefold() in skim else None
                head = source.header_row(sheet) if sheet is not None else None
                if sheet is not None and head is not None:
                    headers[name] = (sheet, head)
            # every other sheet this read takes is parsed on a second thread while this one
            # parses and reads Encounters
            encounters = source.find_sheet(*ENCOUNTERS_NAMES)
            config = (SETTINGS_NAMES, PAYER_NAMES, FEE_NAMES, CONTRACT_NAMES, RULE_NAMES)
            ahead = [source.find_sheet(*names) for names in config]
            ahead += [_own_name(source, name) for name in own if name not in headers]
            source.prefetch(s for s in ahead if s is not None and s != encounters)
        table = _encounters_table(source)
        source.go()  # Encounters' parsed sheet is let go: the big sheets may be parsed now
        book.headers[table.sheet] = dict(table.headers)
        _letters(book, table)
        _how_read(source, book)
        source.release(table.sheet)  # the table holds the rows: each is freed once read
        book.encounters = read_encounters(table, book.findings)
        del table
        if not source.is_csv:
            _read_settings(source, book)
            _read_payers(source, book)
            _read_fees(source, book)
            _read_contracts(source, book)
            _read_rules(source, book)
            for name in own:
                if name in headers:
                    book.own[name] = _skimmed(source, *headers[name])
                    continue
                found = read_own_sheet(source, name)
                if found is not None:
                    book.own[name] = found
                    source.release(found.name)
        return book
    finally:
        source.close()


def _letters(book: Book, table: SheetTable) -> None:
    letters = book.letters.setdefault(table.sheet, {})
    for canonical, index in table.columns.items():
        letters[table.headers.get(canonical, canonical)] = col_letter(index)
    for written, index in table.other.items():
        letters.setdefault(written, col_letter(index))


def _own_name(source: Source, name: str) -> str | None:
    return next((s for s in source.sheet_names if s.casefold() == name.casefold()), None)


def _header_texts(cells: Iterable[Any]) -> list[str]:
    headers = [" ".join(str(c).split()) if not is_blank(c) else "" for c in cells]
    while headers and not headers[-1]:
        headers.pop()
    return headers


def _ours(source: Source, sheet: str) -> bool:
    return any(t.sheet == sheet and t.name.casefold().startswith("cb") for t in source.tables)


def _skimmed(source: Source, sheet: str, head: list[str]) -> SheetRows:
    """An own sheet as its header row, whose rows are read from the file when asked for."""
    assert source.stamp is not None  # every Source of a file has one
    found = SheetRows.model_construct(
        name=sheet, headers=_header_texts(head), rows=[], ours=_ours(source, sheet), skimmed=True
    )
    found._whole = partial(_read_whole, source.path, source.stamp, sheet)
    return found


def _read_whole(path: Path, stamp: tuple[str, int, int], sheet: str) -> SheetRows:
    """``sheet`` of the file at ``path`` read whole, if the file is still the one whose
    header row was read (``stamp``): rows from another save would not match it."""
    with collector_paused():
        source = Source(path)
        try:
            found = read_own_sheet(source, sheet) if source.stamp == stamp else None
        finally:
            source.close()
    if found is None:
        raise WorkbookError(
            f"{path}: the workbook was saved again while Claimbook was running, before its "
            f"sheet {sheet!r} was read; nothing was written: run again"
        )
    return found


def read_own_sheet(source: Source, name: str) -> SheetRows | None:
    """A sheet Claimbook writes, as read: header row 1 and the non-empty rows below it."""
    sheet = _own_name(source, name)
    if sheet is None:
        return None
    grid = source.grid(sheet)
    ours = _ours(source, sheet)
    headers = _header_texts(grid[0]) if grid else []
    width = len(headers)
    # a register repeats its payers, statuses, files and dates on every row: each distinct
    # text or date is kept once (a 46,000-claim register holds 140,000 distinct values in a
    # million cells), which the run holds to its end
    once: dict[Any, Any] = {}
    keep = once.setdefault
    rows: list[tuple[int, list[Any]]] = []
    for index, cells in enumerate(grid[1:], start=1):
        kept = cells[:width]
        # most rows fill their first cell: the others are looked at cell by cell
        first = kept[0] if kept else ""
        if (first != "" and first is not None and not (first.__class__ is str and is_blank(first))
                or any(c != "" and c is not None and not is_blank(c) for c in kept)):  # fmt: skip
            shared = [keep(c, c) if c.__class__ in _SHARED else c for c in kept]
            rows.append((index + 1, shared))
    # the rows are built as SheetRows declares them: validating would copy every row again
    return SheetRows.model_construct(name=sheet, headers=headers, rows=rows, ours=ours)


_SHARED = frozenset({str, date})  # values equal only to their own kind (True == 1 == 1.0)


_ENCODING_NOTES = {
    "Windows-1252": "Excel's 'CSV (Comma delimited)' on Windows",
    "UTF-16 LE": "Excel's 'Unicode Text'",
    "UTF-16 BE": "UTF-16 big-endian",
}


def _how_read(source: Source, book: Book) -> None:
    """Info findings for what a user may want to know about how the file was read: a CSV's
    encoding when it is not UTF-8, sheets left unread, a package's odd declarations."""
    name = source.path.name
    if source.encoding is not None and not source.encoding.startswith("UTF-8"):
        known = _ENCODING_NOTES.get(source.encoding)
        book.findings.append(
            Finding(
                rule="READ-ENCODING",
                severity="info",
                sheet=ENCOUNTERS,
                message=f"{name} was read as {source.encoding} text"
                + (f" ({known})" if known else "")
                + f", {'tab' if source.delimiter == chr(9) else repr(source.delimiter)}-separated",
                fix="nothing to do; 'CSV UTF-8' keeps every character if you save it again",
            )
        )
    for sheet, what in source.skipped.items():
        book.findings.append(
            Finding(
                rule="READ-SHEET-SKIPPED",
                severity="info",
                sheet=sheet,
                message=f"{name}: sheet {sheet!r} is {what}; Claimbook does not read it and "
                "keeps it in the workbook as it is",
                fix="nothing to do",
            )
        )
    for note in source.notes:
        book.findings.append(
            Finding(
                rule="READ-PACKAGE",
                severity="info",
                message=f"{name}: {note}",
                fix="nothing to do; saving the workbook in Excel writes a true count",
            )
        )


def _encounters_table(source: Source) -> SheetTable:
    named = source.find_sheet(*ENCOUNTERS_NAMES)
    order = ([named] if named else []) + [s for s in source.sheet_names if s != named]
    for sheet in order:
        table = find_table(source, sheet, ENCOUNTER_HEADERS, ENCOUNTER_REQUIRED)
        if table is not None:
            return table
    if named is not None:
        grid = source.grid(named)
        index = alias_index(ENCOUNTER_HEADERS)
        best: list[str] = []
        for row in grid[:20]:
            found = [index[k] for k in (header_key(c) for c in row) if k in index]
            if len(found) > len(best):
                best = found
        missing = [h for h in ENCOUNTER_REQUIRED if h not in best]
        raise WorkbookError(
            f"{source.path}: sheet {named!r} has no header row with "
            f"{' and '.join(repr(m) for m in missing)} in its first 20 rows; add the "
            f"header(s) (aliases work too: 'CPT' or 'HCPCS' for Procedure Code, 'Visit ID' for "
            "Encounter ID)"
        )
    raise WorkbookError(
        f"{source.path}: no sheet named 'Encounters' and no sheet with the headers "
        f"{' and '.join(repr(h) for h in ENCOUNTER_REQUIRED)}; add an Encounters sheet (the "
        "template in workbooks/ has one)"
    )


# -- configuration sheets --------------------------------------------------------------


_SETTINGS_HEADER_WORDS = {"setting", "settings", "key", "name", "option"}


def read_settings(source: Source) -> dict[str, str]:
    """The Settings sheet alone, typed as ``read_book`` types it (a batch needs a clinic's
    Submitter ID before the clinic's run reads the workbook)."""
    book = Book(path=source.path)
    with collector_paused():
        _read_settings(source, book)
    return book.settings


def _read_settings(source: Source, book: Book) -> None:
    sheet = source.find_sheet(*SETTINGS_NAMES)
    if sheet is None:
        return
    keys = {header_key(k): k for k in SETTINGS_KEYS}
    headers: dict[str, str] = {}
    r = CellReader(sheet, headers, source.date1904)
    for index, cells in enumerate(source.grid(sheet)):
        filled = [(c, v) for c, v in enumerate(cells) if not is_blank(v)]
        if not filled:
            continue
        col, raw_key = filled[0]
        key = keys.get(header_key(raw_key))
        if key is None:
            # other keys ("Provider 1234567893", "Taxonomy ...") are kept as written
            if header_key(raw_key) in _SETTINGS_HEADER_WORDS or not isinstance(raw_key, str):
                continue
            key = clean_text(raw_key)
        headers[key] = clean_text(raw_key)
        value = cells[col + 1] if col + 1 < len(cells) else None
        row = index + 1
        if key.endswith("NPI"):
            text = r.digits(value, row, key, 10, "NPI")
        elif key == "Tax ID":
            text = r.digits(value, row, key, 9, "Tax ID")
        elif key.endswith("ZIP"):
            text = r.digits(value, row, key, 5, "ZIP")
        else:
            text = r.text(value)
        book.settings[key] = text
        book.settings_rows[key] = row
    book.headers[sheet] = headers
    book.findings.extend(r.findings)


def _config_table(
    source: Source, book: Book, names: tuple[str, ...], headers: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
) -> tuple[SheetTable, CellReader] | None:  # fmt: skip
    sheet = source.find_sheet(*names)
    if sheet is None:
        return None
    table = find_table(source, sheet, headers, required)
    if table is None:
        book.findings.append(
            Finding(
                rule="READ-HEADERS",
                severity="warning",
                message=f"{sheet}: no header row with {', '.join(required)} in the first 20 "
                "rows; the sheet was not read",
                sheet=sheet,
                fix=f"put the headers {', '.join(headers)} in one row",
            )
        )
        return None
    book.headers[table.sheet] = dict(table.headers)
    _letters(book, table)
    return table, CellReader(table.sheet, table.headers, table.date1904)


def _read_payers(source: Source, book: Book) -> None:
    found = _config_table(source, book, PAYER_NAMES, PAYER_HEADERS, ("Payer",))
    if found is None:
        return
    t, r = found
    for row, cells in t.rows:
        name = r.text(t.get(cells, "Payer"))
        if not name:
            continue
        book.payers.append(
            PayerRow(
                payer=name,
                payer_id=r.text(t.get(cells, "Payer ID")),
                claim_filing_indicator=r.text(t.get(cells, "Claim Filing Indicator")).upper(),
                ncci_mue=r.text(t.get(cells, "Apply NCCI/MUE")),
                row=row,
                extra={h: r.text(cells[c]) for h, c in t.other.items() if c < len(cells)},
            )
        )
    book.findings.extend(r.findings)


def _read_fees(source: Source, book: Book) -> None:
    found = _config_table(source, book, FEE_NAMES, FEE_HEADERS, ("Code", "Charge"))
    if found is None:
        return
    t, r = found
    for row, cells in t.rows:
        code = r.code(t.get(cells, "Code"), row, "Code")
        charge = r.money(t.get(cells, "Charge"), row, "Charge")
        if not code or charge is None:
            continue
        modifier = r.code(t.get(cells, "Modifier"), row, "Modifier", "modifier")
        book.fees.append(FeeRow(code=code, modifier=modifier, charge=charge, row=row))
    book.findings.extend(r.findings)


def _read_contracts(source: Source, book: Book) -> None:
    found = _config_table(
        source, book, CONTRACT_NAMES, CONTRACT_HEADERS,
        ("Payer", "Code", "Allowed"),
    )  # fmt: skip
    if found is None:
        return
    t, r = found
    for row, cells in t.rows:
        payer = r.text(t.get(cells, "Payer"))
        code = r.code(t.get(cells, "Code"), row, "Code")
        allowed = r.money(t.get(cells, "Allowed"), row, "Allowed")
        if not payer or not code or allowed is None:
            continue
        modifier = r.code(t.get(cells, "Modifier"), row, "Modifier", "modifier")
        book.contracts.append(
            ContractRow(payer=payer, code=code, modifier=modifier, allowed=allowed, row=row)
        )
    book.findings.extend(r.findings)


def _read_rules(source: Source, book: Book) -> None:
    found = _config_table(source, book, RULE_NAMES, RULE_HEADERS, ("Rule ID", "Requirement"))
    if found is None:
        return
    t, r = found
    for row, cells in t.rows:
        values = {c: r.text(t.get(cells, c)) for c in RULES_COLUMNS if c in t.columns}
        book.rules.append(RuleRow(row=row, values=values))
    book.findings.extend(r.findings)
