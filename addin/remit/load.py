"""Load remittance files (835 or payer export) and claims given as JSON, for the faces."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from addin.collector import collector_paused
from addin.errors import InputError
from addin.files.folders import not_a_file
from addin.models.book import ContractRow
from addin.models.claim import Claim
from addin.models.remittance import Remittance
from addin.remit.payer_sheet import read_payer_sheet
from addin.remit.reconcile import Reconciliation, reconcile
from addin.x12.x835 import read_remittances
from addin.x12.x835_lean import LeanUnsupported, read_remittances_lean

SHEET_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm")
__all__ = [
    "collector_paused",
    "iter_file_remittances",
    "iter_remittance_file",
    "load_claims_json",
    "read_remittance_file",
    "reconcile_files",
]


def read_remittance_file(path: Path, mapping: Mapping[str, str] | None = None) -> list[Remittance]:
    """Every remittance in ``path``: a payer export (CSV/XLSX) or an 835 of any name."""
    return list(iter_remittance_file(path, mapping))


def iter_remittance_file(
    path: Path, mapping: Mapping[str, str] | None = None
) -> Iterator[Remittance]:
    """Like :func:`read_remittance_file`, one transaction set at a time for 835s."""
    if not path.is_file():
        raise InputError(not_a_file(path))
    if path.suffix.lower() in SHEET_SUFFIXES:
        yield from read_payer_sheet(path, mapping)
    else:
        yield from read_remittances(path)


def load_claims_json(path: Path) -> list[Claim]:
    """Claims saved as JSON: a list of claim objects, or ``{"claims": [...]}``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read claims JSON ({exc})") from None
    items = data.get("claims") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InputError(f'{path}: expected a list of claims or {{"claims": [...]}}')
    claims: list[Claim] = []
    for number, item in enumerate(items, start=1):
        try:
            claims.append(Claim.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InputError(
                f"{path}: claim {number} field {where}: {first['msg']}; fix the JSON"
            ) from None
    return claims


def reconcile_files(
    claims: Sequence[Claim],
    paths: Sequence[Path],
    contracts: Sequence[ContractRow] | None = None,
    pfs_locality: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Reconciliation:
    """Reconcile ``claims`` against remittance files, as :func:`reconcile` does.

    Each 835 goes through the lean reader (several times faster, same results: a
    differential test holds it to the model reader) unless it is outside the lean reader's
    plain shape, when that file alone is read with the model reader; payer exports are read
    through ``mapping``. The files may be mixed in one call.
    """
    return reconcile(claims, _remittances(paths, mapping), contracts, pfs_locality)


def _remittances(paths: Sequence[Path], mapping: Mapping[str, str] | None) -> Iterator[Remittance]:
    for path in paths:
        yield from iter_file_remittances(path, mapping)


def iter_file_remittances(
    path: Path, mapping: Mapping[str, str] | None = None
) -> Iterator[Remittance]:
    """Every remittance in one file, as reconcile wants it: an 835 through the lean reader
    (the model reader when the file is outside the lean shape), a payer export through
    ``mapping``."""
    if path.suffix.lower() in SHEET_SUFFIXES or not path.is_file():
        yield from iter_remittance_file(path, mapping)  # (says when the file is missing)
        return
    try:
        # A whole file first: a file the lean reader declines part-way through is then
        # read again by the model reader before any of it is folded in.
        transactions = list(read_remittances_lean(path))
    except LeanUnsupported:
        yield from read_remittances(path)
        return
    yield from transactions
