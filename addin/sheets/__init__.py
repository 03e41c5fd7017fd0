"""Workbook IO: read a clinic workbook into a Book, write result sheets back surgically.

The only package that knows about files: ``read_book`` and ``read_table`` read with
python-calamine (xlsx, xlsm, xls) or csv; ``write_tables`` adds or replaces result sheets
inside the xlsx/xlsm zip package, leaving every other part byte for byte as it was (and
``write_book`` also puts CellValues into empty cells of the user's sheets).
"""

from addin.models import CellMark
from addin.sheets.cellvalues import CellValue
from addin.sheets.headers import (
    CONTRACT_HEADERS,
    ENCOUNTER_HEADERS,
    ENCOUNTER_REQUIRED,
    FEE_HEADERS,
    PAYER_HEADERS,
    header_key,
)
from addin.sheets.reader import read_book
from addin.sheets.source import SheetTable, read_table
from addin.sheets.writer import RESULT_SHEETS, default_output, write_book, write_tables

__all__ = [
    "CONTRACT_HEADERS",
    "ENCOUNTER_HEADERS",
    "ENCOUNTER_REQUIRED",
    "FEE_HEADERS",
    "PAYER_HEADERS",
    "RESULT_SHEETS",
    "CellMark",
    "CellValue",
    "SheetTable",
    "default_output",
    "header_key",
    "read_book",
    "read_table",
    "write_book",
    "write_tables",
]
