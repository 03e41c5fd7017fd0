"""Questions across clinics, answered by embedded DuckDB from the Parquet archive.

For a consultant's own notebook::

    from addin.archive.queries import Archive
    with Archive("clients/claimbook-archive") as archive:
        archive.denial_rate_by_payer()          # list of dicts, money as Decimal
        archive.sql("SELECT payer, count(*) FROM outcomes GROUP BY payer")

Each table of ``addin.archive.store`` is a view, with ``clinic`` and ``month`` columns; a
versioned table's view leaves out the versions a later one superseded (the store lists them
in ``_superseded``). A view reads the archive's compacted copy (``addin.archive.compact``:
a few large files) and, directly, any partition file the copy does not hold yet (all of
them in an archive written before compaction: correct, only slower). The file lists are
taken when the archive is opened; a question that finds one of them gone (a compaction
since retired it, past its grace) is asked again on the archive as it is now.
Definitions:

* adjudicated claim: an outcome whose status is not ``pending`` (the payer answered);
* denied claim: an adjudicated claim with a row from an 835 on the Denials worklist (the
  store puts each claim's sends, rejection, denial and first payment on its outcome row, so
  most questions read one table);
* denied line: a service payment (not a reversal, claim status 22) with billed > 0 and
  nothing allowed or paid; its reasons are the CAS adjustments on it;
* days to pay: from the first submission's sent date to the first payment with money;
* underpaid: an outcome ``underpaid``; short = the contract's expected allowed amount less
  what the payer allowed (the Reconciliation sheet's variance, negated);
* clean claim: sent once, never rejected by the clearinghouse, never denied;
* first-pass resolution: an adjudicated claim sent once, never denied, and paid in full
  (status ``paid``);
* A/R: claims still pending (billed, no answer yet), aged from the date sent to ``as_of``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from addin.archive.compact import layout
from addin.archive.store import IMMUTABLE, SCHEMAS, TABLES, require_archive

T = TypeVar("T")

AGING = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("91-120", 91, 120),
         ("120+", 121, None))  # fmt: skip

QUERIES: dict[str, str] = {
    "denial_rate_by_payer": """
        SELECT payer, count(*) AS claims, count(*) FILTER (WHERE denied) AS denied,
               round(count(*) FILTER (WHERE denied) / count(*), 4) AS denial_rate
        FROM outcomes WHERE status <> 'pending'
        GROUP BY payer ORDER BY denial_rate DESC, payer""",
    "denial_rate_by_reason": """
        SELECT group_code || '-' || reason_code AS reason, count(*) AS denied_lines,
               sum(amount) AS denied_amount,
               round(count(*) / (SELECT count(*) FROM service_payments
                                 WHERE claim_status <> '22'), 4) AS rate_of_all_lines
        FROM adjustments WHERE line_denied
        GROUP BY reason ORDER BY denied_lines DESC, reason""",
    "denial_rate_by_procedure": """
        SELECT procedure_code, count(*) AS lines, count(*) FILTER (WHERE denied) AS denied,
               round(count(*) FILTER (WHERE denied) / count(*), 4) AS denial_rate,
               coalesce(sum(billed) FILTER (WHERE denied), 0) AS denied_billed
        FROM service_payments WHERE claim_status <> '22' AND procedure_code <> ''
        GROUP BY procedure_code ORDER BY denied DESC, procedure_code""",
    "days_to_pay_by_payer": """
        WITH days AS (SELECT payer, date_diff('day', first_sent, first_paid) AS days
                      FROM outcomes WHERE first_paid >= first_sent)
        SELECT payer, count(*) AS claims_paid, round(avg(days), 1) AS average_days,
               round(quantile_cont(days, 0.5), 1) AS median_days,
               round(quantile_cont(days, 0.9), 1) AS p90_days, max(days) AS longest_days
        FROM days GROUP BY payer ORDER BY average_days DESC, payer""",
    "underpayment_by_payer": """
        SELECT payer, count(*) FILTER (WHERE status = 'underpaid') AS underpaid_claims,
               count(*) AS adjudicated_claims,
               coalesce(sum(expected) FILTER (WHERE status = 'underpaid'), 0) AS expected,
               coalesce(sum(allowed) FILTER (WHERE status = 'underpaid'), 0) AS allowed,
               coalesce(sum(-variance) FILTER (WHERE status = 'underpaid'), 0) AS short
        FROM outcomes WHERE status <> 'pending'
        GROUP BY payer ORDER BY short DESC, payer""",
    "first_pass_by_clinic": """
        WITH claim AS (SELECT clinic, status,
                              submissions <= 1 AND NOT rejected AND NOT denied AS clean,
                              submissions <= 1 AND NOT denied AND status = 'paid' AS first_pass
                       FROM outcomes)
        SELECT clinic, count(*) AS claims, count(*) FILTER (WHERE clean) AS clean_claims,
               round(count(*) FILTER (WHERE clean) / count(*), 4) AS clean_claim_rate,
               count(*) FILTER (WHERE status <> 'pending') AS adjudicated,
               count(*) FILTER (WHERE first_pass) AS resolved_first_pass,
               round(count(*) FILTER (WHERE first_pass)
                     / nullif(count(*) FILTER (WHERE status <> 'pending'), 0), 4)
                   AS first_pass_resolution_rate
        FROM claim GROUP BY clinic ORDER BY clinic""",
    "ar_by_clinic": """
        WITH open AS (SELECT clinic, billed,
                             date_diff('day', coalesce(first_sent, date_of_service), $as_of)
                                 AS age
                      FROM outcomes WHERE status = 'pending')
        SELECT clinic, count(*) AS claims,
               coalesce(sum(billed) FILTER (WHERE age <= 30), 0) AS "0-30",
               coalesce(sum(billed) FILTER (WHERE age BETWEEN 31 AND 60), 0) AS "31-60",
               coalesce(sum(billed) FILTER (WHERE age BETWEEN 61 AND 90), 0) AS "61-90",
               coalesce(sum(billed) FILTER (WHERE age BETWEEN 91 AND 120), 0) AS "91-120",
               coalesce(sum(billed) FILTER (WHERE age > 120), 0) AS "120+",
               sum(billed) AS total
        FROM open GROUP BY clinic ORDER BY total DESC, clinic""",
}
TITLES = {
    "denial_rate_by_payer": "Denial rate by payer",
    "denial_rate_by_reason": "Denied lines by reason code",
    "denial_rate_by_procedure": "Denial rate by procedure code",
    "days_to_pay_by_payer": "Days to pay by payer",
    "underpayment_by_payer": "Underpayment against contracts by payer",
    "first_pass_by_clinic": "Clean-claim and first-pass resolution rates by clinic",
    "ar_by_clinic": "A/R by clinic (pending claims, by age)",
}


def _listed(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


class Archive:
    """An archive folder opened in an in-memory DuckDB (nothing is written to it)."""

    def __init__(
        self,
        root: Path | str,
        *,
        memory_limit: str = "1500MB",
        threads: int | None = None,
        compacted: bool = True,
    ) -> None:
        """Open the archive ``root`` (``compacted=False``: read every partition file
        directly, ignoring the compacted copy: the same answers, slower)."""
        self.root = Path(root)
        require_archive(self.root)
        self.db = duckdb.connect(":memory:")
        self.db.execute(f"SET memory_limit = '{memory_limit}'")
        self.db.execute("SET enable_progress_bar = false")
        if threads:
            self.db.execute(f"SET threads = {int(threads)}")
        # parsed Parquet footers are kept between the questions of one report
        self.db.execute("SET enable_object_cache = true")
        self._compacted = compacted
        self.layout = layout(self.root, use_copy=compacted)
        # partition files read directly, not from the compacted copy (0: all compacted)
        self.uncompacted = self.layout.uncompacted
        for table in TABLES:
            self._view(table)

    def _refresh(self) -> bool:
        """Take the archive's files as they are now; False when nothing changed."""
        now = layout(self.root, use_copy=self._compacted)
        if now == self.layout:
            return False
        self.layout, self.uncompacted = now, now.uncompacted
        for table in TABLES:
            self._view(table)
        return True

    def _asked(self, question: Callable[[], T]) -> T:
        """``question()``; once more on the archive as it is now if a file it read is gone."""
        try:
            return question()
        except duckdb.IOException:
            if not self._refresh():
                raise
            return question()

    def _rows(self, unit: str, months: bool) -> str | None:
        """A subquery over the folder's rows (its compacted segments and the partition
        files they do not hold), or None when it has none."""
        types = "{'clinic': VARCHAR" + (", 'month': VARCHAR}" if months else "}")
        hive = f"hive_partitioning = true, hive_types = {types}"
        parts = []
        segments = self.layout.segments[unit]
        if segments:
            # by name: a segment written by an older store may lack a newer column
            parts.append(f"SELECT * FROM read_parquet({_listed(segments)}, "
                         "hive_partitioning = false, union_by_name = true)")  # fmt: skip
        partitions = self.layout.partitions[unit]
        if partitions is None and any((self.root / unit).rglob("*.parquet")):
            pattern = str(self.root / unit / "**" / "*.parquet").replace("'", "''")
            parts.append(f"SELECT * FROM read_parquet('{pattern}', {hive})")
        elif partitions:
            parts.append(f"SELECT * FROM read_parquet({_listed(partitions)}, {hive})")
        return "(" + " UNION ALL BY NAME ".join(parts) + ")" if parts else None

    def _empty(self, name: str, schema: pa.Schema, months: bool) -> str:
        """An empty table of the columns (a table nothing was archived into yet)."""
        empty = pa.Table.from_pylist([], schema=schema)
        for column in ("clinic", "month") if months else ("clinic",):
            if column not in schema.names:
                empty = empty.append_column(column, pa.array([], pa.string()))
        self.db.register(f"_empty_{name}", empty)
        return f"_empty_{name}"

    def _view(self, table: str) -> None:
        source = self._rows(table, True) or self._empty(table, SCHEMAS[table], True)
        old = None if table in IMMUTABLE else self._rows(f"_superseded/{table}", False)
        if old is None:
            # immutable, or nothing superseded yet: every row is its key's only version
            self.db.execute(
                f"CREATE OR REPLACE VIEW {table} AS SELECT * EXCLUDE (row_hash) FROM {source}"
            )
            return
        self.db.execute(
            f"CREATE OR REPLACE VIEW {table} AS SELECT * EXCLUDE (row_hash) FROM {source} t "
            f"WHERE NOT EXISTS (SELECT 1 FROM {old} o WHERE o.clinic = t.clinic "
            "AND o.key = t.key AND o.row_hash = t.row_hash)"
        )

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def sql(self, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Any SQL over the views; rows as dicts."""

        def ask() -> list[dict[str, Any]]:
            cursor = self.db.execute(query, params or {})
            names = [d[0] for d in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

        return self._asked(ask)

    def latest_date(self) -> date:
        """The newest date the archive knows (payments, sends): the default ``as_of``."""
        row = self._asked(
            lambda: self.db.execute(
                "SELECT greatest(max(first_paid), max(sent)) FROM outcomes"
            ).fetchone()
        )
        return row[0] if row and row[0] else date.today()

    def denial_rate_by_payer(self) -> list[dict[str, Any]]:
        return self.sql(QUERIES["denial_rate_by_payer"])

    def denial_rate_by_reason(self) -> list[dict[str, Any]]:
        return self.sql(QUERIES["denial_rate_by_reason"])

    def denial_rate_by_procedure(self) -> list[dict[str, Any]]:
        return self.sql(QUERIES["denial_rate_by_procedure"])

    def days_to_pay_by_payer(self) -> list[dict[str, Any]]:
        return self.sql(QUERIES["days_to_pay_by_payer"])

    def underpayment_by_payer(self) -> list[dict[str, Any]]:
        return self.sql(QUERIES["underpayment_by_payer"])

    def first_pass_by_clinic(self) -> list[dict[str, Any]]:
        return self.sql(QUERIES["first_pass_by_clinic"])

    def ar_by_clinic(self, as_of: date | None = None) -> list[dict[str, Any]]:
        return self.sql(QUERIES["ar_by_clinic"], {"as_of": as_of or self.latest_date()})

    def report(self, as_of: date | None = None) -> dict[str, list[dict[str, Any]]]:
        """Every question's answer, by name (the order of the report workbook)."""
        day = as_of or self.latest_date()
        return {
            name: self.ar_by_clinic(day) if name == "ar_by_clinic" else self.sql(query)
            for name, query in QUERIES.items()
        }


__all__ = ["QUERIES", "TITLES", "Archive"]
