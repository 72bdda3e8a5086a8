from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from jams.models import Jam

from .models import Entry, Team, TeamMembership


def team_with_members(*, team_id: int) -> Team:
    members = TeamMembership.objects.select_related("user").order_by("joined_at", "id")
    return (
        Team.objects.select_related("jam", "created_by")
        .prefetch_related(Prefetch("memberships", queryset=members))
        .get(pk=team_id)
    )


def _visible_to(user: User) -> Q:
    visible = Q(state=Entry.State.SUBMITTED)
    if user.is_authenticated:
        visible |= Q(team__memberships__user=user)
    return visible


def entry_list_for_gallery(*, jam: Jam, user: User, query: str = "") -> QuerySet[Entry]:
    """Submitted entries, and the viewer's own team's draft; newest first."""
    entries = Entry.objects.filter(jam=jam).filter(_visible_to(user)).select_related("team", "jam")
    if query:
        entries = entries.filter(
            Q(title__icontains=query)
            | Q(abstract__icontains=query)
            | Q(authors__icontains=query)
            | Q(team__name__icontains=query)
        )
    return entries.distinct().order_by("-submitted_at", "-id")


def entry_list_latest(*, jam: Jam, limit: int = 6) -> list[Entry]:
    entries = Entry.objects.filter(jam=jam, state=Entry.State.SUBMITTED).select_related("team", "jam")
    return list(entries.order_by("-submitted_at", "-id")[:limit])


def entry_is_members(*, entry: Entry, user: User) -> bool:
    return user.is_authenticated and TeamMembership.objects.filter(team_id=entry.team_id, user=user).exists()


def entry_can_view(*, entry: Entry, user: User) -> bool:
    if entry.is_submitted:
        return True
    return user.is_authenticated and (user.is_staff or entry_is_members(entry=entry, user=user))


def entry_get_visible(*, slug: str, pk: int, user: User) -> Entry:
    entry = Entry.objects.select_related("jam", "team").filter(jam__slug=slug, pk=pk).first()
    if entry is None or not entry_can_view(entry=entry, user=user):
        raise Http404("No such entry.")
    return entry
