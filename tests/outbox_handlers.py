"""Outbox handlers for the fault tests, importable by a real worker process."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.mail import send_mail


def slow_note(*, to: str, seconds: float, started: str) -> None:
    """The first run says it started (a file) and takes `seconds` (long enough to be
    killed); a later run sends one email at once."""
    marker = Path(started)
    if not marker.exists():
        marker.write_text("started")
        time.sleep(seconds)
    send_mail("A slow note", "It took its time.", None, [to])


def dies() -> None:
    """Takes its worker down with it, every time (as running out of memory would)."""
    raise SystemExit("the worker died")


def fine() -> None:
    """Does its work."""
