"""The gallery of a jam's entries, composed above the apps.

submissions finds, searches and orders the entries; judging knows the prize winners and
the ranking once the results are out, and submissions may not import judging
(../shared/STYLE.md). So the gallery is put together here; its URL stays
/jams/<slug>/entries/ under the name submissions:entry_list (hackathon/urls.py).

Every choice is a query parameter: the page is the same for every visitor with the same
URL, so the page cache (keyed by the whole query) may keep one copy per choice. A value
that is not offered counts as no choice at all: the default, never an error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render

from jams.cache import jam_scope, public_page
from jams.models import Jam, Track
from judging.selectors import awarded_entry_ids, awards_attach, entry_ids_by_rank, ranking_is_public
from submissions.models import Entry
from submissions.selectors import GALLERY_ORDERS, entry_list_for_gallery, entry_list_in_order

ENTRIES_PER_PAGE = 24
QUERY_MAX = 200


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    aliases: tuple[str, ...] = ()  # other values that choose it, such as a track's id


@dataclass(frozen=True)
class Control:
    """One select of the gallery's form: its query parameter, the options offered (the
    first is the default) and the one chosen."""

    param: str
    label: str
    options: list[Option]
    chosen: str

    @property
    def default(self) -> str:
        return self.options[0].value

    @property
    def shown(self) -> bool:
        return len(self.options) > 1


@dataclass(frozen=True)
class GalleryFilter:
    """A way to narrow the gallery, as one query parameter."""

    param: str
    label: str
    everything: str  # the first option, the default: no narrowing
    options: Callable[[Jam], list[Option]]  # what may be chosen besides everything
    narrow: Callable[[QuerySet[Entry], Jam, str], QuerySet[Entry]]


def _prize_options(jam: Jam) -> list[Option]:
    if jam.results_published and awarded_entry_ids(jam=jam).exists():
        return [Option("winners", "Prize winners")]
    return []


def _track_options(jam: Jam) -> list[Option]:
    """The jam's tracks, chosen by slug or by id: one query, read once per request."""
    return [Option(value, track.name, aliases=(str(track.pk),)) for value, track in _tracks(jam).items()]


def _tracks(jam: Jam) -> dict[str, Track]:
    """The jam's tracks by the value that chooses them: the slug, or the id where the slug
    is empty or another track's ("AI" and "A.I.")."""
    if not hasattr(jam, "_gallery_tracks"):
        tracks = list(jam.tracks.all())
        slugs = Counter(track.slug for track in tracks)
        jam._gallery_tracks = {
            track.slug if track.slug and slugs[track.slug] == 1 and not track.slug.isdigit() else str(track.pk): track
            for track in tracks
        }
    return jam._gallery_tracks


def _in_track(entries: QuerySet[Entry], jam: Jam, value: str) -> QuerySet[Entry]:
    return entries.filter(tracks=_tracks(jam)[value])


FILTERS = (
    GalleryFilter(
        param="track",
        label="Track",
        everything="All tracks",
        options=_track_options,
        narrow=_in_track,
    ),
    GalleryFilter(
        param="show",
        label="Show",
        everything="All entries",
        options=_prize_options,
        narrow=lambda entries, jam, value: entries.filter(pk__in=awarded_entry_ids(jam=jam)),
    ),
)


def _sort_options(jam: Jam, query: str) -> list[Option]:
    options = [Option("best", "Best match")] if query else []
    options += [Option("newest", "Newest first"), Option("title", "Title (A–Z)")]
    if ranking_is_public(jam=jam):
        options.append(Option("rank", "Rank in the results"))
    return options


def _control(param: str, label: str, options: list[Option], params: QueryDict) -> Control:
    wanted = params.get(param, "")
    chosen = next((o.value for o in options if wanted in (o.value, *o.aliases)), options[0].value)
    return Control(param=param, label=label, options=options, chosen=chosen)


@dataclass(frozen=True)
class GalleryChoices:
    query: str
    filters: list[tuple[GalleryFilter, Control]]
    sort: Control

    @property
    def controls(self) -> list[Control]:
        return [control for _, control in self.filters] + [self.sort]

    def query_string(self) -> str:
        """The choices that differ from the defaults, for links to the other pages."""
        pairs = [("q", self.query)] if self.query else []
        pairs += [(c.param, c.chosen) for c in self.controls if c.chosen != c.default]
        return urlencode(pairs)


def gallery_choices(*, jam: Jam, params: QueryDict) -> GalleryChoices:
    query = params.get("q", "").strip()[:QUERY_MAX]
    filters = []
    for gallery_filter in FILTERS:
        options = [Option("", gallery_filter.everything), *gallery_filter.options(jam)]
        filters.append((gallery_filter, _control(gallery_filter.param, gallery_filter.label, options, params)))
    sort = _control("sort", "Sort by", _sort_options(jam, query), params)
    return GalleryChoices(query=query, filters=filters, sort=sort)


def gallery_page(*, jam: Jam, user, choices: GalleryChoices, number: str | None) -> Page:
    """One page of the entries the choices pick, in the order chosen; every entry with its
    `awards_won` once the results are out. The same number of queries however many
    entries: the ranking's order is applied to ids, and only the page is loaded."""
    sort = choices.sort.chosen
    order = sort if sort in GALLERY_ORDERS else "newest"
    entries = entry_list_for_gallery(jam=jam, user=user, query=choices.query, order=order)
    for gallery_filter, control in choices.filters:
        if control.chosen:
            entries = gallery_filter.narrow(entries, jam, control.chosen)
    if sort == "rank":
        place = {pk: i for i, pk in enumerate(entry_ids_by_rank(jam=jam))}
        # Newest first among the entries the ranking has not placed (a team's own draft).
        ids = sorted(entries.values_list("pk", flat=True), key=lambda pk: place.get(pk, len(place)))
        page = Paginator(ids, ENTRIES_PER_PAGE).get_page(number)
        page.object_list = entry_list_in_order(ids=list(page.object_list))
    else:
        page = Paginator(entries, ENTRIES_PER_PAGE).get_page(number)
        page.object_list = list(page.object_list)
    if jam.results_published:
        awards_attach(entries=page.object_list)
    return page


@public_page(scopes=lambda slug: [jam_scope(slug)])
def entry_list(request: HttpRequest, slug: str) -> HttpResponse:
    jam = get_object_or_404(Jam, slug=slug)
    choices = gallery_choices(jam=jam, params=request.GET)
    page = gallery_page(jam=jam, user=request.user, choices=choices, number=request.GET.get("page"))
    context = {
        "jam": jam,
        "entries": page.object_list,
        "page": page,
        "query": choices.query,
        "choices": choices,
        "page_query": choices.query_string(),
        "narrowed": any(control.chosen for _, control in choices.filters),
    }
    return render(request, "submissions/entry_list.html", context)
