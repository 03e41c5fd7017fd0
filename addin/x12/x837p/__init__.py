"""The X12 837P professional claim (005010X222A1): loop models, writer, reader and checks."""

from addin.x12.x837p.checks import check_837p, npi_valid
from addin.x12.x837p.extract import claims_from_837p
from addin.x12.x837p.loops import Interchange, Transaction837P
from addin.x12.x837p.reader import Document837P, read_837p
from addin.x12.x837p.writer import VERSION, WriteResult, build_837p, write_837p

__all__ = [
    "VERSION",
    "Document837P",
    "Interchange",
    "Transaction837P",
    "WriteResult",
    "build_837p",
    "claims_from_837p",
    "check_837p",
    "npi_valid",
    "read_837p",
    "write_837p",
]
