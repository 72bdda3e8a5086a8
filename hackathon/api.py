"""The public, read-only JSON API (django-ninja), composed above the apps.

It reads jams, submissions and judging, so it sits here beside the jam page and the
gallery (../shared/STYLE.md). Version 1 lives under /api/v1/, with its OpenAPI schema at
/api/v1/openapi.json and interactive docs at /api/v1/docs; /api/ names the versions.

What it shows is what a visitor of the site sees and no more: jams with their phase and
times (ISO 8601 in the jam's own zone, with the zone's name), each jam's sign-up count,
submitted entries with their public thumbnails, and the results once published (prizes
with their winners; the ranking only if the jam shows it), read from the frozen snapshot.
Every object is built field by field here, never from a model's fields, so nothing new
on a model (an email, a draft, a note) can leak out by itself.

Lists are paginated by keyset: a cursor names the last item's sort key and id, so new
rows never shift a page the way page numbers would. Every endpoint runs a fixed number
of queries however long its list (tests/test_api.py). Responses are not cached: the
views are cheap and bounded, and ninja's views are not ones the page cache can see.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import RedirectView
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.openapi.docs import Swagger

from jams.models import Jam, JamTimeChange, Phase
from judging.selectors import JamResults, prizes_with_winners, published_results
from submissions.models import Entry
from submissions.thumbnails import is_public, thumbnail_url

PAGE_SIZE = 20
PAGE_SIZE_MAX = 100

DESCRIPTION = """Read-only data about Alignment Jams: jams, their entries and their results.

* Every time is ISO 8601 with its offset, in the jam's own zone (`timezone`).
* Lists come newest first, `limit` items at a time (at most 100). Follow `next` (or pass
  `next_cursor` as `cursor`) for the following items: a cursor stays good while new items
  arrive, which appear at the front.
* Results appear once the organizers publish them; the full ranking only if the jam shows it.
* Feeds: Atom for a jam's new entries (`/jams/<slug>/entries.atom`) and for announcements
  (`/feeds/announcements.atom`), and an iCal calendar of upcoming and running jams
  (`/feeds/jams.ics`).
"""


class SelfHostedSwagger(Swagger):
    """Swagger UI from our own static files, started by a script file, not inline: the
    site's Content-Security-Policy allows scripts and styles from the site alone.
    (ninja's own page loads it from a CDN unless ninja is an installed app.)"""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        swagger = {**self.settings, "url": self.get_openapi_url(api, kwargs), "validatorUrl": None}
        return render(request, "api/docs.html", {"api": api, "swagger_settings": swagger})


api = NinjaAPI(
    title="Alignment Jams API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs=SelfHostedSwagger(),
)


# Schemas --------------------------------------------------------------------------------


class Problem(Schema):
    detail: str


class JamLinks(Schema):
    page: str = Field(description="The jam's page on the site.")
    entries: str = Field(description="This API's list of the jam's submitted entries.")
    results: str = Field(description="This API's results of the jam (404 until published).")
    entries_feed: str = Field(description="Atom feed of newly submitted entries.")
    announcements_feed: str = Field(description="Atom feed of the jam's announcements.")
    time_changes: str = Field(description="This API's list of the jam's moved times (its change log).")
    calendar: str = Field(description="The jam as an iCal event.")


class TrackOut(Schema):
    name: str
    description: str = Field(description="Markdown.")


class JamOut(Schema):
    slug: str
    title: str
    tagline: str
    host: str
    description: str = Field(description="Markdown.")
    timezone: str = Field(description="The IANA zone the jam's times are given in, e.g. Europe/London.")
    phase: Phase = Field(
        description="Where the jam is now: upcoming, running, grace (late submissions), judging, finished."
    )
    starts_at: datetime
    submission_deadline: datetime
    submissions_close_at: datetime = Field(description="The deadline plus the grace period for late entries.")
    judging_ends_at: datetime
    grace_minutes: int
    max_team_size: int
    accepts_signups: bool
    signup_count: int = Field(description="Everyone signed up, as the jam's page counts them.")
    cover_image_url: str | None
    results_published_at: datetime | None
    tracks: list[TrackOut] = Field(description="The jam's tracks in their order; empty for a jam without tracks.")
    multiple_tracks_allowed: bool = Field(description="Whether an entry may enter several tracks.")
    links: JamLinks


class JamPage(Schema):
    items: list[JamOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next items; null on the last page.")
    next: str | None = Field(description="The URL of the next items; null on the last page.")


class Thumbnails(Schema):
    card: str = Field(description="640×360 JPEG.")
    small: str = Field(description="320×180 JPEG.")


class EntryOut(Schema):
    id: int
    title: str
    abstract: str
    authors: str
    team: str
    url: str = Field(description="The entry's page on the site.")
    submitted_at: datetime = Field(description="When it was first submitted, in the jam's zone.")
    late: bool = Field(description="First submitted in the grace period after the deadline.")
    video_url: str
    repository_url: str
    thumbnails: Thumbnails | None = Field(description="Null until the entry's image has public thumbnails.")
    tracks: list[str] = Field(description="The names of the tracks it entered; empty when the jam has none.")


class EntryPage(Schema):
    items: list[EntryOut]
    next_cursor: str | None
    next: str | None


class TimeChangeOut(Schema):
    field: str = Field(
        description="Which time moved: starts_at, submission_deadline, submissions_close_at (the grace "
        "period, as the moment late submissions close) or judging_ends_at."
    )
    label: str = Field(description="The time's name as the jam page says it, e.g. “submission deadline”.")
    old: datetime = Field(description="The time before, in the jam's zone.")
    new: datetime = Field(description="The time after, in the jam's zone.")
    changed_at: datetime = Field(description="When the organizers moved it, in the jam's zone.")


class TimeChangePage(Schema):
    items: list[TimeChangeOut]
    next_cursor: str | None
    next: str | None


class PrizeOut(Schema):
    name: str
    description: str
    track: str | None = Field(description="The name of the track the prize is for; null for the whole jam.")
    winners: list[EntryOut]


class RankOut(Schema):
    rank: int | None = Field(description="Null for an entry no judge reviewed (listed last).")
    tied: bool
    score: float | None = Field(description="On the ranking's scale, by the jam's method.")
    margin: float | None = Field(description="The score's standard error, when the jam shows it.")
    too_close_to_call: bool | None = Field(description="When the jam shows margins: overlaps a neighbour's place.")
    entry: EntryOut


class RankingOut(Schema):
    method: str = Field(
        description="weighted (mean of the judges' weighted scores), calibrated (adjusted for judge harshness) "
        "or pairwise (Crowd-BT's mean from judges' comparisons of pairs)."
    )
    scale_low: float
    scale_high: float
    rows: list[RankOut]


class ResultsOut(Schema):
    jam: str = Field(description="The jam's slug.")
    published_at: datetime
    prizes: list[PrizeOut] = Field(description="The prizes awarded, in order, with their winners.")
    ranking: RankingOut | None = Field(description="Null unless the jam shows its full ranking.")


# Building the objects -------------------------------------------------------------------


def _absolute(url: str) -> str:
    return url if "://" in url else settings.SITE_URL + url


def _in_zone(moment: datetime | None, jam: Jam) -> datetime | None:
    return None if moment is None else moment.astimezone(jam.tzinfo)


def _jam_out(jam: Jam, *, now: datetime) -> dict:
    slug = {"slug": jam.slug}
    return {
        "slug": jam.slug,
        "title": jam.title,
        "tagline": jam.tagline,
        "host": jam.host,
        "description": jam.description,
        "timezone": jam.timezone,
        "phase": jam.phase_at(now),
        "starts_at": _in_zone(jam.starts_at, jam),
        "submission_deadline": _in_zone(jam.submission_deadline, jam),
        "submissions_close_at": _in_zone(jam.submissions_close_at, jam),
        "judging_ends_at": _in_zone(jam.judging_ends_at, jam),
        "grace_minutes": jam.grace_minutes,
        "max_team_size": jam.max_team_size,
        "accepts_signups": jam.accepts_signups_at(now),
        "signup_count": jam.signup_count,
        # The public storage: a stable URL, never a presigned one (jams/models.py).
        "cover_image_url": _absolute(jam.cover_image.url) if jam.cover_image else None,
        "results_published_at": _in_zone(jam.results_published_at, jam),
        "tracks": [{"name": track.name, "description": track.description} for track in jam.tracks.all()],
        "multiple_tracks_allowed": jam.multiple_tracks_allowed,
        "links": {
            "page": _absolute(jam.get_absolute_url()),
            "entries": _absolute(reverse("api-v1:jam_entries", kwargs=slug)),
            "results": _absolute(reverse("api-v1:jam_results", kwargs=slug)),
            "entries_feed": _absolute(reverse("feeds:entries", kwargs=slug)),
            "announcements_feed": _absolute(reverse("feeds:jam_announcements", kwargs=slug)),
            "time_changes": _absolute(reverse("api-v1:jam_time_changes", kwargs=slug)),
            "calendar": _absolute(reverse("jams:calendar", kwargs=slug)),
        },
    }


def _thumbnails(entry: Entry) -> dict | None:
    """Only thumbnails in the public storage: a draft's, or ones not moved yet, are
    private, and their URL would be a presigned one."""
    card, small = entry.thumbnail_card.name, entry.thumbnail_small.name
    if not (entry.thumbnails_ready and small and is_public(card) and is_public(small)):
        return None
    return {"card": _absolute(thumbnail_url(card)), "small": _absolute(thumbnail_url(small))}


def _track_names(entry_ids: Iterable[int]) -> dict[int, list[str]]:
    """The names of the tracks each of these entries entered, in the tracks' order.
    One query for the entries of a response, however many entries the jam has."""
    names: dict[int, list[str]] = defaultdict(list)
    rows = Entry.tracks.through.objects.filter(entry_id__in=list(entry_ids)).order_by("track__order", "track_id")
    for entry_id, name in rows.values_list("entry_id", "track__name"):
        names[entry_id].append(name)
    return names


def _entry_out(entry: Entry, jam: Jam, tracks: dict[int, list[str]]) -> dict:
    return {
        "id": entry.pk,
        "title": entry.title,
        "abstract": entry.abstract,
        "authors": entry.authors,
        "team": entry.team.name,
        "url": _absolute(reverse("submissions:entry_detail", kwargs={"slug": jam.slug, "pk": entry.pk})),
        "submitted_at": _in_zone(entry.submitted_at, jam),
        "late": entry.is_late,
        "video_url": entry.video_url,
        "repository_url": entry.repository_url,
        "thumbnails": _thumbnails(entry),
        "tracks": tracks.get(entry.pk, []),
    }


# Keyset pagination ----------------------------------------------------------------------

BAD_CURSOR = "That cursor is not one this API gave out. Use `next_cursor` (or the `next` URL) exactly as given."


def cursor_encode(key: datetime, pk: int) -> str:
    raw = json.dumps([key.isoformat(), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime, int]:
    """The (sort key, id) a cursor names; HttpError 400 for anything this API did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key, pk = json.loads(raw)
        moment = datetime.fromisoformat(key)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise HttpError(400, BAD_CURSOR) from None
    if moment.tzinfo is None or type(pk) is not int:
        raise HttpError(400, BAD_CURSOR)
    return moment, pk


def keyset_page(queryset: QuerySet, *, key: str, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """Up to `limit` rows, newest `key` first (then highest id), after the row the cursor
    names; and the cursor of the last row when more follow. One query."""
    if cursor:
        after, pk = cursor_decode(cursor)
        queryset = queryset.filter(Q(**{f"{key}__lt": after}) | Q(**{key: after, "pk__lt": pk}))
    rows = list(queryset.order_by(f"-{key}", "-pk")[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, cursor_encode(getattr(rows[-1], key), rows[-1].pk)


def _next_url(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = {**request.GET.dict(), "cursor": cursor}
    return _absolute(f"{request.path}?{urlencode(sorted(query.items()))}")


class PageQuery(Schema):
    cursor: str | None = Field(None, description="From the previous page's `next_cursor`; none for the first page.")
    limit: int = Field(PAGE_SIZE, ge=1, le=PAGE_SIZE_MAX, description="How many items, 1 to 100.")


# Endpoints ------------------------------------------------------------------------------


def _jam_or_404(slug: str, *, queryset: QuerySet[Jam] | None = None) -> Jam:
    jam = (queryset if queryset is not None else Jam.objects.all()).filter(slug=slug).first()
    if jam is None:
        raise HttpError(404, f"There is no jam “{slug}”.")
    return jam


def _jams_with_counts() -> QuerySet[Jam]:
    return Jam.objects.annotate(signup_count=Count("signups")).prefetch_related("tracks")


@api.get(
    "/jams",
    response={200: JamPage, 400: Problem},
    url_name="jam_list",
    summary="Jams, newest start first",
    tags=["jams"],
)
def jam_list(request: HttpRequest, page: Query[PageQuery]):
    jams, cursor = keyset_page(_jams_with_counts(), key="starts_at", cursor=page.cursor, limit=page.limit)
    now = timezone.now()
    return {
        "items": [_jam_out(jam, now=now) for jam in jams],
        "next_cursor": cursor,
        "next": _next_url(request, cursor),
    }


@api.get("/jams/{slug}", response={200: JamOut, 404: Problem}, url_name="jam_detail", summary="One jam", tags=["jams"])
def jam_detail(request: HttpRequest, slug: str):
    return _jam_out(_jam_or_404(slug, queryset=_jams_with_counts()), now=timezone.now())


@api.get(
    "/jams/{slug}/entries",
    response={200: EntryPage, 400: Problem, 404: Problem},
    url_name="jam_entries",
    summary="A jam's submitted entries, newest first",
    tags=["entries"],
)
def jam_entries(request: HttpRequest, slug: str, page: Query[PageQuery]):
    jam = _jam_or_404(slug)
    submitted = Entry.objects.filter(jam=jam, state=Entry.State.SUBMITTED).select_related("team")
    entries, cursor = keyset_page(submitted, key="submitted_at", cursor=page.cursor, limit=page.limit)
    tracks = _track_names(entry.pk for entry in entries)
    return {
        "items": [_entry_out(entry, jam, tracks) for entry in entries],
        "next_cursor": cursor,
        "next": _next_url(request, cursor),
    }


@api.get(
    "/jams/{slug}/time-changes",
    response={200: TimeChangePage, 400: Problem, 404: Problem},
    url_name="jam_time_changes",
    summary="A jam's moved times (its change log), newest first",
    tags=["jams"],
)
def jam_time_changes(request: HttpRequest, slug: str, page: Query[PageQuery]):
    jam = _jam_or_404(slug)
    changes, cursor = keyset_page(
        JamTimeChange.objects.filter(jam=jam), key="changed_at", cursor=page.cursor, limit=page.limit
    )
    return {
        "items": [
            {
                "field": change.field,
                "label": change.get_field_display(),
                "old": _in_zone(change.old_value, jam),
                "new": _in_zone(change.new_value, jam),
                "changed_at": _in_zone(change.changed_at, jam),
            }
            for change in changes
        ],
        "next_cursor": cursor,
        "next": _next_url(request, cursor),
    }


@api.get(
    "/jams/{slug}/results",
    response={200: ResultsOut, 404: Problem},
    url_name="jam_results",
    summary="A jam's published results",
    tags=["results"],
)
def jam_results(request: HttpRequest, slug: str):
    jam = _jam_or_404(slug)
    if not jam.results_published:
        raise HttpError(404, f"The results of {jam.title} are not published yet.")
    awarded = [
        (prize, [a.entry for a in prize.awards.all() if a.entry.is_submitted]) for prize in prizes_with_winners(jam=jam)
    ]
    results = published_results(jam=jam) if jam.show_ranking else None
    ranked = [row for row in results.rows if row.entry.is_submitted] if results else []
    tracks = _track_names([e.pk for _, entries in awarded for e in entries] + [row.entry.pk for row in ranked])
    prizes = []
    for prize, entries in awarded:
        winners = [_entry_out(entry, jam, tracks) for entry in entries]
        if winners:  # visitors see the prizes that were awarded, as on the results page
            track = prize.track.name if prize.track else None
            prizes.append({"name": prize.name, "description": prize.description, "track": track, "winners": winners})
    return {
        "jam": jam.slug,
        "published_at": _in_zone(jam.results_published_at, jam),
        "prizes": prizes,
        "ranking": _ranking(jam, results, ranked, tracks) if results else None,
    }


def _ranking(jam: Jam, results: JamResults, ranked: list, tracks: dict[int, list[str]]) -> dict:
    method, margins = jam.results_method, jam.show_uncertainty
    rows = []
    for row in ranked:
        figures, ranked = row.figures, row.figures.rank is not None
        rows.append(
            {
                "rank": figures.rank,
                "tied": figures.tied,
                "score": figures.total(method) if ranked else None,
                "margin": figures.se(method) if ranked and margins else None,
                "too_close_to_call": figures.too_close if margins else None,
                "entry": _entry_out(row.entry, jam, tracks),
            }
        )
    low, high = results.scale
    return {"method": method, "scale_low": low, "scale_high": high, "rows": rows}


# /api/ ----------------------------------------------------------------------------------


def index(request: HttpRequest) -> JsonResponse:
    """What /api/ offers: its versions, with their docs and schema, and the feeds."""
    return JsonResponse(
        {
            "versions": {
                "v1": {
                    "jams": _absolute(reverse("api-v1:jam_list")),
                    "docs": _absolute(reverse("api-v1:openapi-view")),
                    "openapi": _absolute(reverse("api-v1:openapi-json")),
                },
            },
            "feeds": {
                "announcements": _absolute(reverse("feeds:announcements")),
                "calendar": _absolute(reverse("feeds:calendar")),
            },
        },
        json_dumps_params={"indent": 2},
    )


urlpatterns = [
    path("", index, name="api_index"),
    # Before ninja's own root, which only answers 404.
    path("v1/", RedirectView.as_view(pattern_name="api-v1:openapi-view"), name="api_v1_root"),
    path("v1/", api.urls),
]
