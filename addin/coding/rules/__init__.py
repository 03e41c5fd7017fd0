"""The claim scrubber's rules: a registry of small checks, each with a stable id and severity."""

from __future__ import annotations

from addin.coding.rules import fields, icd, modifiers, payer_rules, procedures
from addin.coding.rules.registry import REGISTRY, Context, RuleInfo, rule
from addin.coding.rules.sources import (
    CodeValidity,
    MemoryCodes,
    MemoryMue,
    MemoryPtp,
    MueLimits,
    PtpEdits,
    Sources,
    default_sources,
)

__all__ = [
    "REGISTRY",
    "CodeValidity",
    "Context",
    "MemoryCodes",
    "MemoryMue",
    "MemoryPtp",
    "MueLimits",
    "PtpEdits",
    "RuleInfo",
    "Sources",
    "default_sources",
    "fields",
    "icd",
    "modifiers",
    "payer_rules",
    "procedures",
    "rule",
]
