"""Times as people read them: one format everywhere, 24 h with the zone it is in.

“Sat 14 Mar 2026, 18:00 Europe/London (UTC+0)”: the zone's name and its offset on that
date (which summer time changes), or just “UTC” for a time in UTC. A jam's times are
in the jam's zone; a visitor's own time is added in the browser (static/js/local-time.js,
same format), never on the server, whose pages are cached and shared.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.utils.dateformat import format as date_format

if TYPE_CHECKING:
    from .models import Jam

FORMAT = "D j M Y, H:i"  # Django's date format: "Sat 14 Mar 2026, 18:00"


def utc_offset_label(zone: zoneinfo.ZoneInfo, when: datetime) -> str:
    """“UTC+1”, “UTC-7”, “UTC+5:30”: the zone's offset at that moment."""
    minutes = int(when.astimezone(zone).utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(zone: zoneinfo.ZoneInfo, when: datetime) -> str:
    """“Europe/London (UTC+1)”, or “UTC”."""
    if zone.key == "UTC":
        return "UTC"
    return f"{zone.key} ({utc_offset_label(zone, when)})"


def format_time(when: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """“Sat 14 Mar 2026, 18:00 Europe/London (UTC+0)”: `when` (aware) as read in `zone`."""
    return f"{date_format(when.astimezone(zone), FORMAT)} {zone_label(zone, when)}"


def format_utc(when: datetime) -> str:
    """“Sat 14 Mar 2026, 18:00 UTC”: a time that belongs to no jam."""
    return format_time(when, zoneinfo.ZoneInfo("UTC"))


def format_jam_time(when: datetime, jam: Jam) -> str:
    """A time as the jam announces it, in the jam's zone."""
    return format_time(when, jam.tzinfo)


def format_jam_time_and_utc(when: datetime, jam: Jam) -> str:
    """For emails, which have no script to add the reader's own time: the jam's time and,
    unless the jam is in UTC, the same moment in UTC.

    “Sun 15 Mar 2026, 01:00 Asia/Tokyo (UTC+9), which is Sat 14 Mar 2026, 16:00 UTC”
    """
    in_jam = format_jam_time(when, jam)
    if jam.tzinfo.key == "UTC":
        return in_jam
    return f"{in_jam}, which is {format_utc(when.astimezone(UTC))}"
