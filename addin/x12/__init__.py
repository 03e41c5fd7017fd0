"""X12 EDI: the shared segment reader, and the 835 remittance reader."""

from addin.x12.segments import (
    Delimiters,
    Segment,
    SegmentReader,
    Transaction,
    describe,
    iter_transactions,
    read_segments,
)

__all__ = [
    "Delimiters",
    "Segment",
    "SegmentReader",
    "Transaction",
    "describe",
    "iter_transactions",
    "read_segments",
]
