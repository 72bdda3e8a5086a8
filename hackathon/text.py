"""Rules for text people type, shared by the forms that take it and the services that
store it (accounts, submissions): one place, so a name means the same everywhere."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

# Characters that end a line somewhere: in an email header, in a CSV cell, on a page.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# Formatting characters that change how the text around them reads (right-to-left
# overrides and isolates) without being seen themselves: a name can't be spoofed with them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def single_line(value: str, *, label: str) -> str:
    """`value` as one line: runs of spaces and tabs collapsed to one space, trimmed.

    Titles, team names and display names go into email subjects, CSV cells and page
    headings, where a line break ends the line early (an email with a CR/LF in its
    subject is never sent). Line breaks and other control characters are refused with a
    message naming the field, never silently dropped."""
    if any(char in LINE_BREAKS for char in value):
        raise ValidationError(f"{label} must fit on one line: please remove the line break.", code="line_break")
    if any(char in BIDI_CONTROLS or _is_control(char) for char in value):
        raise ValidationError(
            f"{label} can't contain control characters (invisible codes such as U+0000): please retype it.",
            code="control_character",
        )
    return " ".join(value.split())


def _is_control(char: str) -> bool:
    # Tabs are whitespace people paste from spreadsheets: collapsed, not refused.
    return char != "\t" and unicodedata.category(char) == "Cc"


def has_nul(value: str) -> bool:
    """PostgreSQL can't store U+0000 in text: a query or row carrying it fails."""
    return "\x00" in value


def is_id(value: object) -> bool:
    """Whether `value` (a query or form string) reads as a row id: ASCII digits only.
    str.isdigit() alone also takes "²" or "①", which int() and the database refuse."""
    return isinstance(value, str) and value.isascii() and value.isdigit()
