"""The archive across clinics: registers into Parquet (store), the compacted copy queries
read (compact), DuckDB answers (queries), the report workbook (report)."""

from addin.archive.queries import Archive
from addin.archive.store import archive_folder

__all__ = ["Archive", "archive_folder"]
