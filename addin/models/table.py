"""A result sheet as data: typed columns and rows, written by ``addin.sheets``.

Stages build ResultTables (Findings, Claims, Remittance, Reconciliation, Denials, Aging,
Dashboard data); only the sheets layer turns them into worksheet XML with formats,
dropdowns and conditional formatting.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

ColumnKind = Literal["text", "code", "money", "date", "int", "number", "percent", "link"]


class Column(BaseModel):
    """One column: header, kind (drives the number format), optional fixed vocabulary."""

    name: str
    kind: ColumnKind = "text"
    width: float | None = None
    choices: list[str] | None = Field(
        default=None, description="fixed vocabulary: becomes a dropdown"
    )
    highlight: dict[str, str] | None = Field(
        default=None, description="cell value -> fill colour (RRGGBB) for conditional formatting"
    )


class ChartSpec(BaseModel):
    """A chart drawn beside a result table (e.g. on the Dashboard), over some of its rows.

    ``category`` and ``values`` are column names of the table; ``first_row``/``last_row``
    select table rows (0-based, ``last_row`` exclusive, None = to the end), so one sheet can
    hold several blocks, each with its own chart.
    """

    title: str
    kind: Literal["column", "bar", "line", "pie"] = "column"
    category: str
    values: list[str] = Field(min_length=1)
    first_row: int = Field(default=0, ge=0)
    last_row: int | None = None


class ResultTable(BaseModel):
    """A sheet's worth of results, replaced as a whole on each run."""

    sheet: str
    columns: list[Column]
    rows: list[list[Any]] = Field(default_factory=list)
    title: str | None = None
    charts: list[ChartSpec] = Field(default_factory=list, description="charts beside the table")


class CellMark(BaseModel):
    """A fill to put on a cell of the user's sheet (e.g. an Encounters cell with a finding).

    ``row`` is the Excel row number; ``column`` is the header text as written (or a canonical
    name), or a 1-based column number.
    """

    sheet: str
    row: int = Field(ge=1)
    column: str | int
    severity: Literal["error", "warning", "info"] = "error"


class CellUpdate(BaseModel):
    """A new value for a register's own cell in an earlier row (e.g. a claim's status)."""

    row: int = Field(ge=2)
    column: str
    value: Any = None


class RegisterEdit(BaseModel):
    """What a run adds to a register sheet: rows appended below its Table, and updates of
    the register's own cells in earlier rows. A register is never rebuilt: every other cell
    (and any column a user added) stays as it was."""

    sheet: str
    columns: list[Column]
    append: list[list[Any]] = Field(default_factory=list)
    updates: list[CellUpdate] = Field(default_factory=list)
    title: str | None = None

    @property
    def empty(self) -> bool:
        return not self.append and not self.updates
