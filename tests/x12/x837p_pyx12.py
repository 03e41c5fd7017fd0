"""Helper for the 837P tests: run pyx12 4.x's validator through its Python API."""

from __future__ import annotations

import io
import json
import logging
from typing import Any


def pyx12_errors(text: str) -> list[str]:
    """Every error pyx12 reports for ``text`` (empty when it accepts the file).

    Uses ``x12n_document`` with the JSON error sink; an EngineError (no map for the version)
    or a crash counts as a rejection with its message.
    """
    import pyx12.errors
    import pyx12.params
    import pyx12.x12n_document

    sink = io.StringIO()
    logging.getLogger("pyx12").disabled = True
    try:
        ok = pyx12.x12n_document.x12n_document(
            pyx12.params.ParamsBase(), io.StringIO(text), None, None, fd_json=sink
        )
    except (pyx12.errors.EngineError, pyx12.errors.X12Error) as exc:
        return [f"pyx12 {type(exc).__name__}: {exc}"]
    errors: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            errors.extend(f"{e.get('err_cde')}: {e.get('err_str')}" for e in node.get("errors", []))
            for value in node.values():
                if isinstance(value, list):
                    for item in value:
                        walk(item)

    if sink.getvalue():
        walk(json.loads(sink.getvalue()))
    if not ok and not errors:
        errors.append("pyx12 returned not valid without listing an error")
    return errors
