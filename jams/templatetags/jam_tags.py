from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString

from jams.markdown import render_markdown
from jams.models import Jam, Phase
from jams.templatetags import times as times_tags

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)


@register.simple_tag
def jam_date_range(jam: Jam) -> str:
    """“June 10th to June 11th 2023”, in the jam's own time zone."""
    start = timezone.localtime(jam.starts_at, jam.tzinfo)
    end = timezone.localtime(jam.submission_deadline, jam.tzinfo)
    if start.year == end.year:
        return f"{date_format(start, 'F jS')} to {date_format(end, 'F jS Y')}"
    return f"{date_format(start, 'F jS Y')} to {date_format(end, 'F jS Y')}"


# The same filter as in `{% load times %}` (jams/templatetags/times.py), for templates
# that load only these tags: one format for every time.
register.filter("jam_time", times_tags.jam_time)
jam_time = times_tags.jam_time


def countdown_parts(remaining_seconds: float) -> dict[str, int]:
    total = max(0, int(remaining_seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    return {"days": days, "hours": hours, "minutes": minutes, "seconds": seconds}


COUNTDOWN_LABELS = {
    Phase.UPCOMING: "Starts in",
    Phase.RUNNING: "Submissions due in",
    Phase.GRACE: "Late submissions close in",
}


def ended_note(jam: Jam, now: datetime) -> str:
    """What is true once submissions have closed: said before they close too, for the
    countdown's script to show when it reaches the end on an open page."""
    if jam.results_published:
        return "The results are out."
    if max(now, jam.submissions_close_at) < jam.judging_ends_at:
        return "Submissions are closed and the judges are at work."
    return "Judging has ended; the results are coming."


@register.inclusion_tag("jams/_countdown.html")
def countdown(jam: Jam, now: datetime) -> dict:
    """The jam's clock. Its words change at the start, the deadline, the end of the grace
    period and the end of judging: all moments in Jam.changes_after, so a cached page
    is never served with words past their time."""
    phase = jam.phase_at(now)
    targets = {
        Phase.UPCOMING: jam.starts_at,
        Phase.RUNNING: jam.submission_deadline,
        Phase.GRACE: jam.submissions_close_at,
    }
    target = targets.get(phase, now)
    return {
        "jam": jam,
        "phase": phase,
        "now": now,
        "label": COUNTDOWN_LABELS.get(phase, ""),
        "parts": countdown_parts((target - now).total_seconds()),
        "ended": phase not in targets,
        "ended_note": ended_note(jam, now),
        "date_range": jam_date_range(jam),
    }
