"""Coding: code suggestion from free text and the rules that check encounters."""

from addin.coding.suggest import Suggestion, suggest

__all__ = ["Suggestion", "suggest"]
