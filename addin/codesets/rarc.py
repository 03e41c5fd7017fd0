"""RARC (remittance advice remark codes): the lookups of the list ``carc`` imports."""

from __future__ import annotations

from addin.codesets.carc import AdjustmentCode
from addin.codesets.carc import rarc_describe as describe
from addin.codesets.carc import rarc_is_loaded as is_loaded
from addin.codesets.carc import rarc_lookup as lookup

__all__ = ["AdjustmentCode", "describe", "is_loaded", "lookup"]
