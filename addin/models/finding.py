"""A problem found in the user's data, pinned to a sheet, row and column."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from addin.models.types import Severity


class Finding(BaseModel):
    """One problem: where it is, how bad it is, what rule found it and what to do.

    ``row`` is the Excel row number the user sees (1-based); ``column`` is the header text as
    written in the workbook. Either may be ``None`` for a finding about a whole claim or file.
    """

    model_config = ConfigDict(frozen=True)

    rule: str
    severity: Severity
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    fix: str | None = None
    encounter_id: str | None = None

    @property
    def blocking(self) -> bool:
        """An error keeps its claim from being built."""
        return self.severity == "error"
