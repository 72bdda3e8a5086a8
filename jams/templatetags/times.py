"""Times in templates, in one format (jams/times.py): `{% load times %}`.

{{ value|jam_time:jam }}           Sat 14 Mar 2026, 18:00 Europe/London (UTC+0)
{{ value|jam_time_and_utc:jam }}   the same, then the moment in UTC (emails)
{{ value|utc_time }}               Sat 14 Mar 2026, 18:00 UTC (a time of no jam)
{% local_time value jam %}         the jam's time in a <time> element, with the
                                   visitor's own beside it, filled in by
                                   static/js/local-time.js (never on the server:
                                   pages are cached and shared)
"""

from __future__ import annotations

from datetime import datetime

from django import template

from jams import times
from jams.models import Jam

register = template.Library()


@register.filter
def jam_time(value: datetime | None, jam: Jam) -> str:
    return times.format_jam_time(value, jam) if value else ""


@register.filter
def jam_time_and_utc(value: datetime | None, jam: Jam) -> str:
    return times.format_jam_time_and_utc(value, jam) if value else ""


@register.filter
def utc_time(value: datetime | None) -> str:
    return times.format_utc(value) if value else ""


@register.inclusion_tag("jams/_local_time.html")
def local_time(value: datetime | None, jam: Jam) -> dict:
    # The jam's offset then, in minutes: a visitor whose clock reads the same is shown
    # nothing more.
    offset = int(value.astimezone(jam.tzinfo).utcoffset().total_seconds() // 60) if value else 0
    return {"value": value, "offset": offset, "text": jam_time(value, jam)}


@register.simple_tag
def time_moved(change, jam: Jam) -> str:
    """{% time_moved change jam %}: “Start moved from … to …”, each time with
    `{% local_time %}`'s markup (jams.times.time_moved_html)."""
    return times.time_moved_html(change, jam)
