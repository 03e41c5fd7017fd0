"""The archive across clinics: registers into Parquet (store), DuckDB answers (queries),
the report workbook (report)."""

from addin.archive.queries import Archive
from addin.archive.store import archive_folder

__all__ = ["Archive", "archive_folder"]
