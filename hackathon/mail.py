"""Emails that must go out once, even when the task that sends them runs twice."""

from __future__ import annotations

from collections.abc import Callable

from django.core.mail import EmailMessage
from django.db import models, transaction


def send_once(
    queryset: models.QuerySet,
    *,
    message: Callable[[models.Model], EmailMessage],
    mark_sent: Callable[[models.Model], None],
) -> bool:
    """Send `message(row)` for the first row of `queryset` (which must exclude rows
    already sent), then `mark_sent(row)`, holding the row locked in between, so two runs
    send once. Returns whether this call sent. SMTP errors propagate, for the task to retry,
    and leave the row unmarked."""
    with transaction.atomic():
        row = queryset.select_for_update(of=("self",)).first()
        if row is None:
            return False
        message(row).send()
        mark_sent(row)
    return True
