"""HCPCS Level II and CPT suggestion over whichever of those sets has been imported.

The importers live in ``addin.codesets.<system>``; a set is used when its module offers
``all_codes(on)`` returning items with ``code`` and ``description`` (valid on ``on``). The
same ranking as ICD-10-CM runs over an index built in memory on first use.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from addin.codesets.store import list_vintages
from addin.coding.suggest.index import Doc, Index
from addin.coding.suggest.query import knowledge, parse
from addin.coding.suggest.rank import rank
from addin.coding.suggest.text import doc_tokens
from addin.errors import CodeSetNotLoaded

if TYPE_CHECKING:
    from addin.coding.suggest import Suggestion

_lock = threading.Lock()
_built: dict[tuple[str, date | None, tuple[str, ...]], Index] = {}
_KEEP = 6


def reload() -> None:
    """Forget built indexes (after an import)."""
    with _lock:
        _built.clear()


def _codes(system: str, on: date | None) -> list[Any] | None:
    """Items valid on ``on`` from the system's importer module; None when it has none."""
    try:
        module = importlib.import_module(f"addin.codesets.{system}")
    except ModuleNotFoundError:
        return None
    lister = getattr(module, "all_codes", None)
    if lister is None:
        return None
    return list(lister(on))


def build_index(system: str, items: Iterable[tuple[str, str]]) -> Index:
    """An index over (code, description) pairs, one document each."""
    docs: list[Doc] = []
    for code, description in sorted(items):
        required, optional = doc_tokens(description)
        variant = (tuple(required), tuple(optional), False, "")
        docs.append(Doc(code, description, [variant], frozenset()))
    return Index.from_docs(system, "", docs)


def suggest_other(
    system: str, text: str, top: int, on: date | None, required: bool
) -> list[Suggestion]:
    """Suggestions from an imported HCPCS or CPT set; [] (or an error if required) if none."""
    from addin.coding.suggest import Suggestion

    # Reading the vintage list is cheap; listing every code per query is not.
    stamp = tuple(f"{v.path}:{v.manifest.get('files')}" for v in list_vintages(system))
    key = (system, on, stamp)
    index = _built.get(key) if stamp else None
    if index is not None:
        hits = rank(parse(text, knowledge()), index, top)
        return [Suggestion(h.code, system, h.description, h.score) for h in hits]
    items = _codes(system, on) if stamp else None
    if not items:
        if not required:
            return []
        name = {"hcpcs": "HCPCS Level II", "cpt": "CPT"}.get(system, system)
        raise CodeSetNotLoaded(
            f"no {name} code set is imported (or none is valid on {on or 'any date'}); "
            f"import the official file with `claimbook codesets import`"
        )
    # HCPCS items carry ``description``, licensed CPT entries ``descriptor``
    pairs = [
        (str(i.code), str(getattr(i, "description", None) or getattr(i, "descriptor", "")))
        for i in items
    ]
    index = build_index(system, pairs)
    with _lock:
        if len(_built) >= _KEEP:
            _built.pop(next(iter(_built)))
        _built[key] = index
    hits = rank(parse(text, knowledge()), index, top)
    return [Suggestion(h.code, system, h.description, h.score) for h in hits]
