"""Helpers for the CSV exports in the admin."""

from __future__ import annotations


def csv_safe(value: str) -> str:
    """A cell that starting with = + - @ would run as a formula in a spreadsheet, defused."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
