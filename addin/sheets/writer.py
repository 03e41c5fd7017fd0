"""write_tables: result sheets into the user's xlsx/xlsm by replacing parts, saved atomically."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from addin.errors import OutputError
from addin.files.folders import make_folder, not_a_file
from addin.models import CellMark, RegisterEdit, ResultTable
from addin.sheets.cellmarks import replace_marks
from addin.sheets.cellvalues import CellValue, ValuesWritten, plan_values, write_pending
from addin.sheets.charts import CHART_CT, DRAWING_CT, chart_xml, drawing_xml
from addin.sheets.guard import foreign_content, refuse
from addin.sheets.newbook import package_from_csv
from addin.sheets.package import (
    DOC_REL,
    MAIN_NS,
    REL_NS,
    Package,
    insert_before_close,
    root_prefix,
)
from addin.sheets.sheetxml import (
    DATE_FMT,
    INT_FMT,
    MONEY_FORMAT,
    PERCENT_FMT,
    TEXT_FMT,
    SheetStyles,
    table_xml,
    worksheet_chunks,
)
from addin.sheets.styles import Styles
from addin.sheets.tableedit import TableRows, edit_table

RESULT_SHEETS = ("Findings", "Claims", "Remittance", "Reconciliation", "Denials", "Aging",
                 "Dashboard")  # fmt: skip
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
TABLE_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
_FONT_FOR_FILL = {"FFC7CE": "9C0006", "FFEB9C": "9C5700", "C6EFCE": "006100", "DDEBF7": "1F4E78"}
TABLE_STYLE = "TableStyleMedium2"
_EMPTY_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{REL_NS}"></Relationships>'
)


def default_output(path: Path) -> Path:
    """BOOK.claimbook.xlsx beside the input (.xlsm stays .xlsm: it holds macros)."""
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    return path.with_name(f"{path.stem}.claimbook{suffix}")


def write_tables(
    path: Path | str,
    tables: Sequence[ResultTable],
    *,
    out: Path | str | None = None,
    in_place: bool = False,
    marks: Sequence[CellMark] | None = None,
    values: Sequence[CellValue] | None = None,
    registers: Sequence[RegisterEdit] | None = None,
) -> Path:
    """Add or replace each table's sheet in the workbook at ``path``; returns the file written.

    As write_book, for callers that need only the path.
    """
    return write_book(
        path, tables, out=out, in_place=in_place, marks=marks, values=values, registers=registers
    ).path


@dataclass
class BookWritten:
    """The file written and what became of the CellValues (written, or skipped and why).

    ``changed`` is False when the run found nothing to change: an in-place write then leaves
    the file (and its bytes) as they were and makes no backup."""

    path: Path
    values: ValuesWritten
    changed: bool = True
    backup: Path | None = None


def write_book(
    path: Path | str,
    tables: Sequence[ResultTable],
    *,
    out: Path | str | None = None,
    in_place: bool = False,
    marks: Sequence[CellMark] | None = None,
    values: Sequence[CellValue] | None = None,
    registers: Sequence[RegisterEdit] | None = None,
    expect: FileState | None = None,
) -> BookWritten:
    """Add or replace each table's sheet in the workbook at ``path``; returns the file written.

    Every part of the package that is not a result sheet (VBA, drawings, pivot caches, the
    user's sheets and their extensions) is copied byte for byte; workbook.xml, its rels,
    [Content_Types].xml and styles.xml only gain what the new sheets need. ``marks`` put
    fills on the user's cells (style references only) and take the previous run's marks
    off; ``None`` leaves marks as they are. ``values`` put text into empty cells of the
    user's sheets (an inline string in that cell only; a cell holding a value is skipped and
    reported, never overwritten). ``registers`` append rows to register sheets and update
    their own cells (see :mod:`addin.sheets.tableedit`); a register is never rebuilt.
    Output goes to ``out`` or BOOK.claimbook.xlsx beside the input; ``in_place`` backs the
    original up first, and writes nothing at all when nothing changed. The file is written
    to a temporary name in the same folder and renamed, so a crash leaves the original (and
    any earlier output) complete. ``expect`` is the input's state when the run read it: if
    the file changed since (saved in Excel meanwhile), nothing is written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise OutputError(not_a_file(path))
    if suffix == ".csv":
        if in_place:
            raise OutputError(
                f"{path}: a CSV file cannot hold result sheets; leave out --in-place and "
                "Claimbook writes a new .xlsx beside it"
            )
        package = package_from_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        package = Package(path)
    else:
        raise OutputError(
            f"{path}: results can be written into .xlsx or .xlsm files only; open the file in "
            "Excel and save it as .xlsx (or .xlsm if it has macros)"
        )
    target = path if in_place else Path(out) if out is not None else default_output(path)
    wanted = default_output(path).suffix
    if target.suffix.lower() != wanted:
        package.close()
        # Excel refuses a macro workbook named .xlsx and a plain one named .xlsm
        raise OutputError(
            f"{target}: the result of {path.name} must be saved as {wanted}; use a name "
            f"ending in {wanted}"
        )
    if not in_place and target.resolve() == path.resolve():
        package.close()
        raise OutputError(
            f"{target}: this is the input workbook; use --in-place to replace it (a backup is "
            "made) or choose another --out"
        )
    try:
        done = _Editor(package, path).apply(
            list(tables), None if marks is None else list(marks), list(values or ()),
            list(registers or ()),
        )  # fmt: skip
        if in_place and not package.changed():
            return BookWritten(target, done, changed=False)
        package.complete_content_types()
        if expect is not None and FileState.of(path) != expect:
            raise OutputError(
                f"{path}: changed on disk while Claimbook was working (saved in Excel?); "
                "nothing was written - run again"
            )
        backup = backup_path(path) if in_place else None
        written = save_package(package, target, backup_of=path if in_place else None,
                               backup=backup)  # fmt: skip
        return BookWritten(written, done, changed=True, backup=backup)
    finally:
        package.close()


@dataclass(frozen=True)
class FileState:
    """A file's size and modification time: enough to tell it was saved again."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileState:
        stat = path.stat()
        return cls(stat.st_size, stat.st_mtime_ns)


class _Editor:
    """The package edits for one run: styles, sheets, tables, marks."""

    def __init__(self, package: Package, path: Path) -> None:
        self.pkg = package
        self.path = path
        self.wb_part = package.main_part()
        self.wb_dir = self.wb_part.rsplit("/", 1)[0] if "/" in self.wb_part else ""
        self.wb_xml = package.text(self.wb_part)
        if "purl.oclc.org/ooxml/spreadsheetml/main" in self.wb_xml:
            raise OutputError(
                f"{path}: saved as Strict Open XML, which Claimbook does not write into; save "
                "it in Excel as 'Excel Workbook (.xlsx)' and run again"
            )
        self.wb_rels = package.rels(self.wb_part)
        self.styles_part = next(
            (t for ty, t in self.wb_rels.values() if ty.endswith("/styles")), None
        )
        if self.styles_part is None:
            raise OutputError(f"{path}: the workbook has no styles part; open and save it in Excel")
        self.styles = Styles(package.text(self.styles_part))

    def apply(
        self,
        tables: list[ResultTable],
        marks: list[CellMark] | None,
        values: list[CellValue],
        registers: list[RegisterEdit] | None = None,
    ) -> ValuesWritten:
        registers = [r for r in registers or () if not r.empty]
        names = [t.sheet.casefold() for t in tables] + [r.sheet.casefold() for r in registers]
        if len(set(names)) != len(names):
            raise OutputError("two result tables name the same sheet; give each its own sheet")
        for name in [t.sheet for t in tables] + [r.sheet for r in registers]:
            _check_sheet_name(name)
        # every sheet is checked before any is written: a user's sheet stops the whole run
        for name in names:
            self._guard(name)
        if tables or registers:
            sheet_styles = self._sheet_styles(
                tables + [ResultTable(sheet=r.sheet, columns=r.columns) for r in registers]
            )
            for table in tables:
                self._write_table(table, sheet_styles)
            for register in registers:
                self._edit_register(register, sheet_styles)
        sheets = {
            name.casefold(): (name, self.wb_rels[rid][1])
            for name, _, rid in self._sheets()
            if name.casefold() not in names
        }
        # values before marks: a filled cell's mark then styles the cell as written. Both
        # are made in one walk of each sheet (the values planned here, made with the marks)
        done, pending = (
            plan_values(self.pkg, sheets, self.path, values) if values
            else (ValuesWritten([], []), {})
        )  # fmt: skip
        if marks is not None and done.skipped:
            # a value left out leaves its cell unmarked too: the mark would say it was filled
            gone = {(v.sheet.casefold(), v.row, v.column) for v, _ in done.skipped}
            marks = [m for m in marks if (m.sheet.casefold(), m.row, m.column) not in gone]
        if marks is not None:
            replace_marks(self.pkg, self.styles, self.wb_part, sheets, self.path, marks, pending)
        else:
            write_pending(self.pkg, pending)
        self.pkg.set(self.wb_part, self.wb_xml)
        self.pkg.set(self.styles_part or "", self.styles.xml)
        return done

    # -- workbook structure --------------------------------------------------------------

    def _sheets(self) -> list[tuple[str, int, str]]:
        root = ElementTree.fromstring(self.wb_xml.encode("utf-8"))
        result = []
        for sheet in root.iter(f"{{{MAIN_NS}}}sheet"):
            result.append(
                (
                    sheet.get("name", ""),
                    int(sheet.get("sheetId", "0")),
                    sheet.get(f"{{{DOC_REL}}}id", ""),
                )
            )
        return result

    def _table_names_and_ids(self) -> tuple[set[str], int]:
        ct = self.pkg.text("[Content_Types].xml")
        names: set[str] = set()
        top = 0
        for part in re.findall(r'PartName="/([^"]+)"[^>]*ContentType="' + re.escape(TABLE_CT),
                               ct):  # fmt: skip
            if part not in self.pkg:
                continue
            head = self.pkg.read(part)[:4096].decode("utf-8", "replace")
            found = re.search(r"<(?:\w+:)?table\b[^>]*", head)
            if found is None:
                continue
            id_ = re.search(r'\sid="(\d+)"', found.group(0))
            top = max(top, int(id_.group(1)) if id_ else 0)
            for attr in ("name", "displayName"):
                value = re.search(rf'\s{attr}="([^"]*)"', found.group(0))
                if value:
                    names.add(value.group(1).casefold())
        names |= {n.casefold() for n in re.findall(r'<(?:\w+:)?definedName\b[^>]*\sname="([^"]*)"',
                                                  self.wb_xml)}  # fmt: skip
        return names, top

    def _sheet_styles(self, tables: list[ResultTable]) -> SheetStyles:
        s = self.styles
        money_fmt = s.numfmt(MONEY_FORMAT)
        colours = {
            c.upper().lstrip("#")
            for t in tables
            for col in t.columns
            for c in (col.highlight or {}).values()
        }
        return SheetStyles(
            text=0,
            code=s.xf(TEXT_FMT),
            money=s.xf(money_fmt),
            date=s.xf(DATE_FMT),
            int_=s.xf(INT_FMT),
            number=0,
            percent=s.xf(PERCENT_FMT),
            dxf={c: s.dxf(c, _FONT_FOR_FILL.get(c, "000000")) for c in sorted(colours)},
            date1904=re.search(r'date1904="(1|true)"', self.wb_xml) is not None,
        )

    def _write_table(self, table: ResultTable, styles: SheetStyles) -> None:
        existing = {name.casefold(): (name, sid, rid) for name, sid, rid in self._sheets()}
        found = existing.get(table.sheet.casefold())
        table_part: str | None = None
        table_name: str | None = None
        table_id: int | None = None
        old_targets: set[str] = set()
        if found is not None:
            name, sheet_id, rid = found
            sheet_part = self.wb_rels[rid][1]
            for rel_type, target in self.pkg.rels(sheet_part).values():
                if target not in self.pkg:
                    continue
                old_targets.add(target)
                if rel_type.endswith("/table") and table_part is None:
                    table_part = target  # keep the Table's part, id and name across runs
                    head = self.pkg.read(target)[:4096].decode("utf-8", "replace")
                    m_id = re.search(r'<(?:\w+:)?table\b[^>]*?\sid="(\d+)"', head)
                    m_name = re.search(r'<(?:\w+:)?table\b[^>]*?\sname="([^"]*)"', head)
                    table_id = int(m_id.group(1)) if m_id else None
                    table_name = m_name.group(1) if m_name else None
            if self._has_calc_chain() and _has_formula(self.pkg.text(sheet_part)):
                self._drop_calc_chain()
        else:
            sheet_part = self.pkg.free_name(f"{self.wb_dir}/worksheets/sheet{{}}.xml")
            rid = self.pkg.add_rel(self.wb_part, f"{DOC_REL}/worksheet", sheet_part)
            self.wb_rels = self.pkg.rels(self.wb_part)
            self.pkg.add_override(sheet_part, WORKSHEET_CT)
            sheet_id = max([0, *(sid for _, sid, _ in existing.values())]) + 1
            p = root_prefix(self.wb_xml, "workbook")
            r_prefix = _prefix_for(self.wb_xml, DOC_REL)
            # a workbook.xml that never declared the r: namespace gets it on the new element
            r_attr = (
                f'{r_prefix}:id="{rid}"' if r_prefix else f'cbr:id="{rid}" xmlns:cbr="{DOC_REL}"'
            )
            element = f'<{p}sheet name="{_attr(table.sheet)}" sheetId="{sheet_id}" {r_attr}/>'
            self.wb_xml = insert_before_close(self.wb_xml, "sheets", element)
        if old_targets:
            # what only the replaced sheet used (its drawing, charts, comments) goes with it,
            # before new parts are named, so a rerun reuses the same names
            self.pkg.set(self.pkg.rels_path(sheet_part), _EMPTY_RELS)
            self.pkg.prune(old_targets - {table_part} if table_part else old_targets)
        names, top_id = self._table_names_and_ids()
        if table_part is None:
            table_part = self.pkg.free_name(f"{self.wb_dir}/tables/table{{}}.xml")
            self.pkg.add_override(table_part, TABLE_CT)
        if table_id is None:
            table_id = top_id + 1
        if table_name is None:
            table_name = _table_name(table.sheet, names)
        rels = [f'<Relationship Id="rId1" Type="{DOC_REL}/table" '
                f'Target="{_relative(sheet_part, table_part)}"/>']  # fmt: skip
        drawing_rid = None
        if table.charts:
            drawing = self._charts(table)
            drawing_rid = "rId2"
            rels.append(f'<Relationship Id="rId2" Type="{DOC_REL}/drawing" '
                        f'Target="{_relative(sheet_part, drawing)}"/>')  # fmt: skip
        self.pkg.set(
            self.pkg.rels_path(sheet_part),
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{REL_NS}">{"".join(rels)}</Relationships>',
        )
        self.pkg.stream(sheet_part, worksheet_chunks(table, styles, "rId1", drawing_rid))
        self.pkg.set(table_part, table_xml(table, table_id, table_name, TABLE_STYLE))

    def _guard(self, key: str) -> None:
        """Stop before writing anything when a sheet of that name is the user's."""
        for name, _, rid in self._sheets():
            if name.casefold() != key:
                continue
            rel_type, part = self.wb_rels.get(rid, ("", ""))
            why = foreign_content(self.pkg, part, rel_type) if part in self.pkg else None
            if why:
                raise refuse(self.path, name, why)

    def _edit_register(self, register: RegisterEdit, styles: SheetStyles) -> None:
        """Append the register's new rows and update its own cells; create it when absent."""
        existing = {name.casefold(): rid for name, _, rid in self._sheets()}
        rid = existing.get(register.sheet.casefold())
        table_part = None
        if rid is not None:
            sheet_part = self.wb_rels[rid][1]
            table_part = next(
                (t for ty, t in self.pkg.rels(sheet_part).values()
                 if ty.endswith("/table") and t in self.pkg),
                None,
            )  # fmt: skip
        if rid is None or table_part is None:
            if register.updates:
                raise OutputError(
                    f"{self.path}: sheet {register.sheet!r} has no Claimbook Table to update; "
                    "it was changed or removed while Claimbook worked - run again"
                )
            # model_construct: the rows are the RegisterEdit's, validated when it was made
            # (validating again copies every row: 46,216 of them in a big first week)
            table = ResultTable.model_construct(
                sheet=register.sheet, columns=register.columns, rows=register.append,
                title=register.title,
            )  # fmt: skip
            self._write_table(table, styles)
            return
        rows = TableRows(
            register.columns,
            register.append,
            {(u.row, u.column): u.value for u in register.updates},
        )
        edit_table(self.pkg, sheet_part, table_part, rows, styles)

    def _charts(self, table: ResultTable) -> str:
        """Add a drawing with the table's charts; returns the drawing's part name."""
        drawing = self.pkg.free_name(f"{self.wb_dir}/drawings/drawing{{}}.xml")
        rids = []
        for spec in table.charts:
            chart = self.pkg.free_name(f"{self.wb_dir}/charts/chart{{}}.xml")
            self.pkg.set(chart, chart_xml(table, spec))
            self.pkg.add_override(chart, CHART_CT)
            rids.append(self.pkg.add_rel(drawing, f"{DOC_REL}/chart", chart))
        self.pkg.set(drawing, drawing_xml(table, rids))
        self.pkg.add_override(drawing, DRAWING_CT)
        return drawing

    def _has_calc_chain(self) -> bool:
        """Whether the workbook lists a calc chain (a replaced sheet's formulas matter then
        only; a result sheet of 100,000 rows is not read to look for them otherwise)."""
        return any(
            ty.endswith("/calcChain") and target in self.pkg for ty, target in self.wb_rels.values()
        )

    def _drop_calc_chain(self) -> None:
        """A replaced sheet's formulas would dangle in the calc chain; Excel rebuilds it."""
        for rid, (rel_type, target) in list(self.wb_rels.items()):
            if not rel_type.endswith("/calcChain") or target not in self.pkg:
                continue
            self.pkg.remove(target)
            self.pkg.remove_override(target)
            rels_path = self.pkg.rels_path(self.wb_part)
            rels = self.pkg.text(rels_path)
            rels = re.sub(rf'<(\w+:)?Relationship\b[^>]*\sId="{rid}"[^>]*/>', "", rels)
            self.pkg.set(rels_path, rels)
            self.wb_rels.pop(rid)

    # -- marks --------------------------------------------------------------------------


_FORMULA = re.compile(r"<(\w+:)?f[\s>/]")


def _has_formula(xml: str) -> bool:
    """Whether a sheet part holds a formula cell: ``<f`` or a prefixed ``<x:f`` element (a
    plain find first: the pattern has no literal start for the scan to jump by)."""
    if ":f" not in xml:
        return re.search(r"<f[\s>/]", xml) is not None
    return _FORMULA.search(xml) is not None


def _check_sheet_name(name: str) -> None:
    if not name or len(name) > 31 or re.search(r"[\[\]:*?/\\]", name) or name[0] == "'":
        raise OutputError(
            f"{name!r} cannot be a sheet name: 1-31 characters, none of [ ] : * ? / \\"
        )


def _table_name(sheet: str, taken: set[str]) -> str:
    base = "cb" + re.sub(r"[^0-9A-Za-z_]", "", sheet)
    name, n = base, 2
    while name.casefold() in taken:
        name, n = f"{base}{n}", n + 1
    return name


def _prefix_for(xml: str, namespace: str) -> str | None:
    found = re.search(rf'xmlns:(\w+)="{re.escape(namespace)}"', xml)
    return found.group(1) if found else None


def _attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _relative(source_part: str, target_part: str) -> str:
    import posixpath

    return posixpath.relpath(target_part, posixpath.dirname(source_part))


BACKUP_FOLDER = "Claimbook backups"
KEEP_BACKUPS = 30


def backup_path(book: Path) -> Path:
    """Where the next backup of ``book`` goes: ``Claimbook backups/BOOK.backup-STAMP.xlsx``
    beside it (``_2``, ``_3``... added when two runs fall in the same second: '_' sorts
    after '.', so by name the later backup is listed after the earlier, as a person
    looking for the newest expects; '-2' sorted before it)."""
    folder = book.parent / BACKUP_FOLDER
    stamp = time.strftime("%Y%m%d-%H%M%S")
    backup = folder / f"{book.stem}.backup-{stamp}{book.suffix}"
    n = 2
    while backup.exists():
        backup = folder / f"{book.stem}.backup-{stamp}_{n}{book.suffix}"
        n += 1
    return backup


def _prune_backups(backup: Path, stem: str, suffix: str) -> None:
    """Keep the newest KEEP_BACKUPS backups of one workbook; older ones go."""
    found = sorted(
        backup.parent.glob(f"{glob_escape(stem)}.backup-*{suffix}"),
        key=lambda p: p.stat().st_mtime_ns,
    )
    for old in found[:-KEEP_BACKUPS]:
        old.unlink(missing_ok=True)


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def save_package(
    package: Package,
    target: Path,
    *,
    backup_of: Path | None = None,
    backup: Path | None = None,
) -> Path:
    """Write ``package`` to ``target`` atomically (temp file, fsync, rename).

    With ``backup_of`` (in-place), that file is first copied to ``backup`` (default: a
    timestamped copy in the ``Claimbook backups`` folder beside it; the newest 30 are kept).
    On any error the temp file is removed and the target is left as it was.
    """
    folder = target.parent
    make_folder(folder, target)
    if backup_of is not None:
        backup = backup or backup_path(backup_of)
        try:
            backup.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(backup_of, backup)
            _fsync_path(backup)
        except OSError as exc:
            raise OutputError(
                f"{backup}: cannot write the backup ({exc}); the workbook was not changed"
            ) from None
        _prune_backups(backup, backup_of.stem, backup_of.suffix)
    _remove_stale_temps(folder, target.name)
    tmp = folder / f".~{target.name}.{os.getpid()}.claimbook-tmp"
    try:
        with open(tmp, "wb") as fh:
            package.write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(folder)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        hint = "close it in Excel and try again" if isinstance(exc, PermissionError) else (
            "check the folder and free space")  # fmt: skip
        raise OutputError(f"{target}: cannot be written ({exc}); {hint}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _remove_stale_temps(folder: Path, name: str) -> None:
    """Temp files left by a writer that was killed; one whose process still runs is kept."""
    if os.name != "posix":  # os.kill(pid, 0) is not a liveness probe on Windows
        return
    for stale in folder.glob(f".~{name}.*.claimbook-tmp"):
        pid = stale.name.removeprefix(f".~{name}.").removesuffix(".claimbook-tmp")
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            stale.unlink(missing_ok=True)
        except OSError:
            continue  # alive under another user, or not ours to judge


def _fsync_path(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # directories cannot be opened for fsync on Windows
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = [
    "RESULT_SHEETS",
    "BookWritten",
    "FileState",
    "backup_path",
    "default_output",
    "save_package",
    "write_book",
    "write_tables",
]
