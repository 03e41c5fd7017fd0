"""Claimbook's exception tree: every error the product raises on purpose.

    ClaimbookError                      base; the CLI prints its message, never a traceback
    ├── InputError                      something the user gave us is wrong
    │   ├── WorkbookError               a workbook, sheet, table or cell cannot be used
    │   ├── SettingsError               a Settings/Payers/Fees/Contracts/Rules value is wrong
    │   └── X12Error                    an X12 file cannot be read (names the segment)
    ├── CodeSetError                    code-set data is missing, damaged or does not apply
    │   ├── CodeSetNotLoaded            the set needed for a question has not been imported
    │   └── CodeSetImportError          an official file does not have the expected layout
    └── OutputError                     a result cannot be written (the original is untouched)
        └── WorkbookBusy                another run or Excel holds the workbook; nothing written

Messages name the file, sheet, row, column or segment and the bad value, and say what to
do: "Encounters!F12 (Patient DOB): '13/45/1980' is not a date; use YYYY-MM-DD or an Excel
date".
"""

from __future__ import annotations


class ClaimbookError(Exception):
    """Base of every error Claimbook raises on purpose."""


class InputError(ClaimbookError):
    """Something the user supplied (a file, a value, an argument) is wrong."""


class WorkbookError(InputError):
    """A workbook, sheet, table or cell cannot be read or used."""


class SettingsError(InputError):
    """A configuration sheet (Settings, Payers, Fees, Contracts, Rules) holds a bad value."""


class X12Error(InputError):
    """An X12 interchange cannot be read; the message names the segment and position."""


class CodeSetError(ClaimbookError):
    """Code-set data is missing, damaged, or does not cover the question asked."""


class CodeSetNotLoaded(CodeSetError):
    """The code set needed for a question has not been imported."""


class CodeSetImportError(CodeSetError):
    """An official code-set file does not have the layout its format requires."""


class OutputError(ClaimbookError):
    """A result could not be written; the user's original file is left as it was."""


class WorkbookBusy(OutputError):
    """Another Claimbook run, Excel or LibreOffice has the workbook; nothing was written."""


__all__ = [
    "ClaimbookError",
    "CodeSetError",
    "CodeSetImportError",
    "CodeSetNotLoaded",
    "InputError",
    "OutputError",
    "SettingsError",
    "WorkbookBusy",
    "WorkbookError",
    "X12Error",
]
