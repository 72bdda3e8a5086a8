from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404

from accounts.models import User
from jams.models import Jam

from .models import SEARCH_CONFIG, Entry, Team, TeamMembership, entry_search_vector


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


def entry_list_for_gallery(*, jam: Jam, user: User, query: str = "", full_text: bool | None = None) -> QuerySet[Entry]:
    """Submitted entries, and the viewer's own team's draft first; then newest first.

    A search ranks by relevance: PostgreSQL's full-text search over title, authors and
    abstract (any team whose name contains the words matches too); a plain substring
    match elsewhere (SQLite). `full_text` overrides the choice made by the database."""
    entries = Entry.objects.filter(jam=jam).filter(_visible_to(user)).select_related("team", "jam")
    newest = [F("submitted_at").desc(nulls_first=True), "-id"]
    if not query:
        return entries.distinct().order_by(*newest)
    if full_text is None:
        full_text = connection.vendor == "postgresql"
    if full_text:
        search = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        # Team ids as a list rather than a subquery, so the planner may combine the GIN
        # index with the team index (a bitmap OR) when a jam has many entries.
        teams = list(Team.objects.filter(jam=jam, name__icontains=query).values_list("pk", flat=True))
        entries = entries.annotate(search=entry_search_vector()).filter(Q(search=search) | Q(team__in=teams))
        entries = entries.annotate(rank=SearchRank(entry_search_vector(), search))
        return entries.distinct().order_by("-rank", *newest)
    entries = entries.filter(
        Q(title__icontains=query)
        | Q(abstract__icontains=query)
        | Q(authors__icontains=query)
        | Q(team__name__icontains=query)
    )
    return entries.distinct().order_by(*newest)


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
