"""Told by the jams app that a published jam's times changed (jams.signals): when the
organizer ticked "tell everyone signed up", send them a mailing listing the changes."""

from __future__ import annotations

from datetime import datetime

from django.dispatch import receiver

from accounts.models import User
from jams.models import Jam
from jams.signals import jam_times_changed
from jams.times import format_jam_time

from .models import Audience, Mailing
from .services import mailing_create, mailing_send


def _when(value: object, jam: Jam) -> str:
    return format_jam_time(value, jam) if isinstance(value, datetime) else str(value)


def times_changed_text(*, jam: Jam, changes: list[tuple[str, object, object]]) -> tuple[str, str]:
    """The subject and Markdown body of the email about changed times, in the jam's zone."""
    labels = [str(label) for label, _, _ in changes]
    if len(labels) == 1 and "deadline" in labels[0].lower():
        subject = "{{ jam }}: the deadline moved"
    elif len(labels) == 1:
        subject = "{{ jam }}: the " + labels[0].lower() + " changed"
    else:
        subject = "{{ jam }}: its times changed"
    lines = [
        f"- **{label[:1].upper()}{label[1:]}** moved from {_when(old, jam)} to {_when(new, jam)}."
        for label, old, new in changes
    ]
    body = "\n".join(
        [
            "Hi {{ name }},",
            "",
            "The organizers of {{ jam }} changed its times:",
            "",
            *lines,
            "",
            "The submission deadline is now {{ deadline_local }}.",
        ]
    )
    return subject, body


@receiver(jam_times_changed, dispatch_uid="mailings.jam_times_changed")
def jam_times_changed_tell(
    sender, *, jam: Jam, changes: list, notify: bool = False, by_user: User | None = None, **kwargs
) -> Mailing | None:
    if not notify or not changes:
        return None
    subject, body = times_changed_text(jam=jam, changes=changes)
    by = by_user if getattr(by_user, "pk", None) else None
    mailing = mailing_create(jam=jam, audience=Audience.SIGNED_UP, subject=subject, body=body, created_by=by)
    mailing_send(mailing=mailing)
    return mailing
