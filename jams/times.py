"""Times as people read them: one format everywhere, 24 h with the zone it is in.

“Sat 14 Mar 2026, 18:00 Europe/London (UTC+0)”: the zone's name and its offset on that
date (which summer time changes), or just “UTC” for a time in UTC. A jam's times are
in the jam's zone; a visitor's own time is added in the browser (static/js/local-time.js,
same format), never on the server, whose pages are cached and shared.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from .models import Jam, JamTimeChange

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


# One of a jam's times moved (JamTimeChange): the change log on the jam page, the
# announcements feed and the email to everyone signed up all say it in these words.
MOVED = "{what} moved from {old} to {new}"


def time_moved(change: JamTimeChange, jam: Jam, *, fmt: Callable[[datetime, Jam], str] = format_jam_time) -> str:
    """“Submission deadline moved from … to …”, the times written by `fmt` (the jam's
    zone; format_jam_time_and_utc in emails). `jam` is the change's jam, passed so that
    a list of changes reads no jam row per change."""
    what = change.get_field_display()
    return MOVED.format(
        what=what[:1].upper() + what[1:], old=fmt(change.old_value, jam), new=fmt(change.new_value, jam)
    )


def time_moved_html(change: JamTimeChange, jam: Jam) -> SafeString:
    """The same sentence for a page: each time in the jam's zone as `{% local_time %}`
    writes it, for static/js/local-time.js to add the visitor's own time beside (in the
    browser: the page is cached and shared)."""
    from .templatetags.times import local_time  # the tag's markup and offset, not a copy

    def html(value: datetime) -> SafeString:
        # The template's own markup, without the file's last newline inside the sentence.
        return mark_safe(render_to_string("jams/_local_time.html", local_time(value, jam)).strip())  # noqa: S308

    what = change.get_field_display()
    return format_html(MOVED, what=what[:1].upper() + what[1:], old=html(change.old_value), new=html(change.new_value))
