"""Judging's data for pages of the apps below it: the entry page (a submissions template)
shows the team its judges' verdict, and everyone its prizes, through these tags, so
submissions never imports judging."""

from __future__ import annotations

from django import template

from accounts.models import User
from submissions.models import Entry
from submissions.selectors import entry_is_members

from ..models import Prize
from ..selectors import TeamFeedback, prizes_won, team_feedback

register = template.Library()


@register.simple_tag
def team_verdict(entry: Entry, user: User) -> TeamFeedback | None:
    """The judges' verdict on an entry for a member of its team once results are out."""
    if not entry.jam.results_published or not entry_is_members(entry=entry, user=user):
        return None
    return team_feedback(entry=entry)


@register.simple_tag
def entry_prizes(entry: Entry) -> list[Prize]:
    """The prizes an entry won, for its badges, once the results are out."""
    return prizes_won(entry=entry)
