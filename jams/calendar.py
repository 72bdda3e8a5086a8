from __future__ import annotations

from django.conf import settings
from icalendar import Calendar, Event

from .models import Jam


def jam_calendar_ics(*, jam: Jam) -> bytes:
    """The jam as one calendar event, from its start to the submission deadline."""
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
    event.add("description", f"{jam.tagline}\n\nSubmissions are due at the end of this event.\n{url}".strip())
    calendar.add_component(event)
    return calendar.to_ical()
