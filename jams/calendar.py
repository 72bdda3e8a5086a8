from __future__ import annotations

from django.conf import settings
from icalendar import Calendar, Event

from .models import Jam
from .times import format_jam_time_and_utc


def jam_calendar_ics(*, jam: Jam) -> bytes:
    """The jam as one calendar event, from its start to the submission deadline.

    The event's times are in UTC, which every calendar shows in its reader's own zone
    (a TZID would need a VTIMEZONE, which icalendar writes only up to 2038); the
    description says them in the jam's zone, as the jam's page does."""
    url = settings.SITE_URL + jam.get_absolute_url()
    calendar = Calendar()
    calendar.add("prodid", "-//Alignment Jams//jams//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"jam-{jam.pk}@{settings.SITE_URL.split('://')[-1]}")
    event.add("summary", jam.title)
    event.add("dtstart", jam.starts_at)
    event.add("dtend", jam.submission_deadline)
    event.add("dtstamp", jam.created_at or jam.starts_at)
    event.add("url", url)
    times = (
        f"Starts {format_jam_time_and_utc(jam.starts_at, jam)}.\n"
        f"Submissions are due at the end of this event, {format_jam_time_and_utc(jam.submission_deadline, jam)}."
    )
    event.add("description", f"{jam.tagline}\n\n{times}\n{url}".strip())
    calendar.add_component(event)
    return calendar.to_ical()
