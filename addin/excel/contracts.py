"""Contracts sheet values passed to a UDF as a range: rows found by header, rate looked up."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from addin.excel.args import BadArgument
from addin.models.book import ContractRow
from addin.sheets.headers import CONTRACT_HEADERS, alias_index, header_key
from addin.sheets.values import CellReader, is_blank

_ORDER = ("Payer", "Code", "Modifier", "Allowed")


def _columns(first: Sequence[Any]) -> dict[str, int] | None:
    """Canonical column -> index when ``first`` is a header row (Payer, Code and Allowed)."""
    index = alias_index(CONTRACT_HEADERS)
    found: dict[str, int] = {}
    for i, cell in enumerate(first):
        canonical = index.get(header_key(cell)) if isinstance(cell, str) else None
        if canonical is not None and canonical not in found:
            found[canonical] = i
    return found if {"Payer", "Code", "Allowed"} <= found.keys() else None


def contracts_from_grid(grid: list[list[Any]]) -> list[ContractRow]:
    """Like :func:`parse_contracts`, cached by the range's values: a column of CB_EXPECTED
    formulas passes the same Contracts range to every cell."""
    try:
        key = tuple(tuple(row) for row in grid)
        return list(_cached(key))
    except TypeError:  # an unhashable cell value: parse without the cache
        return parse_contracts(grid)


@functools.lru_cache(maxsize=32)
def _cached(key: tuple[tuple[Any, ...], ...]) -> tuple[ContractRow, ...]:
    return tuple(parse_contracts([list(row) for row in key]))


def parse_contracts(grid: list[list[Any]]) -> list[ContractRow]:
    """ContractRows from a range: with its header row (any order, aliases), or without one
    as Payer, Code, Modifier, Allowed (three columns: Payer, Code, Allowed).

    Rows that lack a payer, code or amount are skipped, as the workbook reader does; a bad
    amount makes the whole range unusable (#VALUE!), since a wrong rate must not look right.
    """
    if not grid:
        return []
    columns = _columns(grid[0])
    rows = grid[1:] if columns is not None else grid
    if columns is None:
        width = len(grid[0])
        if width >= 4:
            columns = {name: i for i, name in enumerate(_ORDER)}
        elif width == 3:
            columns = {"Payer": 0, "Code": 1, "Allowed": 2}
        else:
            raise BadArgument("contracts: give Payer, Code, (Modifier,) Allowed columns")
    reader = CellReader("Contracts", {})
    found: list[ContractRow] = []
    for number, cells in enumerate(rows, start=1):

        def get(name: str, cells: list[Any] = cells) -> Any:
            i = columns.get(name)
            return cells[i] if i is not None and i < len(cells) else None

        payer = reader.text(get("Payer"))
        code = reader.code(get("Code"), number, "Code")
        allowed = reader.money(get("Allowed"), number, "Allowed")
        if not payer or not code or is_blank(get("Allowed")):
            continue
        if allowed is None:
            raise BadArgument("contracts: an Allowed value is not an amount")
        modifier = reader.code(get("Modifier"), number, "Modifier", "modifier")
        found.append(ContractRow(payer=payer, code=code, modifier=modifier, allowed=allowed))
    return found


def _key(text: str) -> str:
    # the same matching reconciliation uses for contract rows (addin.remit.reconcile)
    return text.strip().upper()


def allowed_for(
    rows: Sequence[ContractRow], payer: str, code: str, modifier: str = ""
) -> Decimal | None:
    """The allowed amount for one unit: the row with the modifier, else the row without."""
    from addin.models.types import normalize_procedure

    wanted = _key(payer)
    proc = normalize_procedure(code)
    table = {(_key(r.code), _key(r.modifier)): r.allowed for r in rows if _key(r.payer) == wanted}
    found = table.get((proc, _key(modifier)))
    if found is None:
        found = table.get((proc, ""))
    return found
