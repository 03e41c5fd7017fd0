"""The X12 837P professional claim (005010X222A1): loop models, writer, reader and checks."""

from addin.x12.x837p.loops import Interchange, Transaction837P
from addin.x12.x837p.writer import VERSION, WriteResult, build_837p, write_837p

__all__ = ["VERSION", "Interchange", "Transaction837P", "WriteResult", "build_837p", "write_837p"]
