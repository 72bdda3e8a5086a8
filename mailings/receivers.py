"""Told by the jams app that a published jam's times changed (jams.signals): when the
organizer ticked "tell everyone signed up", send them a mailing listing the changes."""

from __future__ import annotations

from django.dispatch import receiver

from accounts.models import User
from jams.models import Jam, JamTimeChange
from jams.signals import jam_times_changed
from jams.times import format_jam_time_and_utc, time_moved

from .models import Audience, Mailing
from .services import mailing_create, mailing_send


def times_changed_text(*, jam: Jam, changes: list[JamTimeChange]) -> tuple[str, str]:
    """The subject and Markdown body of the email about changed times: each time in the
    jam's zone and in UTC (an email has no script to add the reader's own)."""
    if len(changes) == 1 and changes[0].field == JamTimeChange.Field.DEADLINE:
        subject = "{{ jam }}: the deadline moved"
    elif len(changes) == 1:
        subject = "{{ jam }}: the " + changes[0].get_field_display() + " changed"
    else:
        subject = "{{ jam }}: its times changed"
    lines = [f"- {time_moved(change, jam, fmt=format_jam_time_and_utc)}." for change in changes]
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
    sender, *, jam: Jam, changes: list[JamTimeChange], notify: bool = False, by_user: User | None = None, **kwargs
) -> Mailing | None:
    if not notify or not changes:
        return None
    subject, body = times_changed_text(jam=jam, changes=changes)
    # jams.services.jam_times_log sends a saved user or None.
    mailing = mailing_create(jam=jam, audience=Audience.SIGNED_UP, subject=subject, body=body, created_by=by_user)
    mailing_send(mailing=mailing)
    return mailing
