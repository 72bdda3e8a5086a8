from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
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


# How the gallery may be ordered: "best" is the best matches first when searching (newest
# first otherwise). Every order ends on the id, so pages never share or skip an entry.
GALLERY_ORDERS = ("best", "newest", "title")


def entry_list_for_gallery(
    *, jam: Jam, user: User, query: str = "", order: str = "best", full_text: bool | None = None
) -> QuerySet[Entry]:
    """Submitted entries, and the viewer's own team's draft; `order` is one of
    GALLERY_ORDERS (anything else counts as "best"). Newest first puts the draft first.

    A search ranks by relevance: PostgreSQL's full-text search over title, authors and
    abstract (any team whose name contains the words matches too); a plain substring
    match elsewhere (SQLite). `full_text` overrides the choice made by the database."""
    entries = Entry.objects.filter(jam=jam).filter(_visible_to(user)).select_related("team", "jam")
    newest = [F("submitted_at").desc(nulls_first=True), "-id"]
    relevance: list = []
    if query:
        entries, relevance = _search(entries, jam=jam, query=query, full_text=full_text)
    if order == "title":
        return entries.distinct().order_by(Lower("title"), "id")
    if order == "newest":
        return entries.distinct().order_by(*newest)
    return entries.distinct().order_by(*relevance, *newest)


def _search(entries: QuerySet[Entry], *, jam: Jam, query: str, full_text: bool | None) -> tuple[QuerySet, list]:
    """The entries matching `query`, and the ordering that puts the best matches first
    (none for a substring match, which has no measure of relevance)."""
    if full_text is None:
        full_text = connection.vendor == "postgresql"
    if full_text:
        search = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        # Team ids as a list rather than a subquery, so the planner may combine the GIN
        # index with the team index (a bitmap OR) when a jam has many entries.
        teams = list(Team.objects.filter(jam=jam, name__icontains=query).values_list("pk", flat=True))
        entries = entries.annotate(search=entry_search_vector()).filter(Q(search=search) | Q(team__in=teams))
        return entries.annotate(rank=SearchRank(entry_search_vector(), search)), ["-rank"]
    entries = entries.filter(
        Q(title__icontains=query)
        | Q(abstract__icontains=query)
        | Q(authors__icontains=query)
        | Q(team__name__icontains=query)
    )
    return entries, []


def entry_list_in_order(*, ids: list[int]) -> list[Entry]:
    """The entries with these ids, in the order given (ids of no entry are left out)."""
    found = Entry.objects.select_related("team", "jam").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def entry_list_latest(*, jam: Jam, limit: int = 6) -> list[Entry]:
    entries = Entry.objects.filter(jam=jam, state=Entry.State.SUBMITTED).select_related("team", "jam")
    return list(entries.order_by("-submitted_at", "-id")[:limit])


def entry_is_members(*, entry: Entry, user: User) -> bool:
    return user.is_authenticated and TeamMembership.objects.filter(team_id=entry.team_id, user=user).exists()


def entry_can_view(*, entry: Entry, user: User) -> bool:
    if entry.is_submitted:
        return True
    return user.is_authenticated and (user.is_verified_staff or entry_is_members(entry=entry, user=user))


def entry_get_visible(*, slug: str, pk: int, user: User) -> Entry:
    entry = Entry.objects.select_related("jam", "team").filter(jam__slug=slug, pk=pk).first()
    if entry is None or not entry_can_view(entry=entry, user=user):
        raise Http404("No such entry.")
    return entry
