"""Feeds of the site's public data, composed above the apps.

- /jams/<slug>/entries.atom: a jam's newly submitted entries (by first submission time);
- /feeds/announcements.atom, and /jams/<slug>/announcements.atom for one jam: what was
  announced (jams' moved times and published results), from the sources in
  ANNOUNCEMENT_SOURCES;
- /feeds/jams.ics: one calendar of every upcoming and running jam, to subscribe to.

They are public pages in the page cache (jams/cache.py) like the jam page: a jam's own
feeds under its scope (bumped by its sign-ups, entries and results), the site-wide ones
under the home page's scope (bumped with every jam's), and any admin change bumps all of
them. Every link is made from SITE_URL, never from the request's host, so an entry's
Atom id stays the same however the feed was fetched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join, linebreaks
from icalendar import Calendar

from jams.cache import HOME, jam_scope, public_page
from jams.calendar import jam_calendar_ics
from jams.models import Jam, JamTimeChange, Phase
from jams.times import time_moved
from judging.models import Award
from submissions.models import Entry
from submissions.thumbnails import is_public, thumbnail_url

FEED_ITEMS = 50


def _absolute(url: str) -> str:
    return url if "://" in url else settings.SITE_URL + url


# A jam's new entries ---------------------------------------------------------------------


class JamEntriesFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Jam:
        return get_object_or_404(Jam, slug=slug)

    def title(self, jam: Jam) -> str:
        return f"New entries: {jam.title}"

    def subtitle(self, jam: Jam) -> str:
        return f"Entries submitted to {jam.title}, newest first."

    def link(self, jam: Jam) -> str:
        return _absolute(reverse("submissions:entry_list", kwargs={"slug": jam.slug}))

    def feed_url(self, jam: Jam) -> str:
        return _absolute(reverse("feeds:entries", kwargs={"slug": jam.slug}))

    def items(self, jam: Jam) -> list[Entry]:
        submitted = Entry.objects.filter(jam=jam, state=Entry.State.SUBMITTED).select_related("team", "jam")
        # The tracks in one query for all the items (in the tracks' order).
        return list(submitted.prefetch_related("tracks").order_by("-submitted_at", "-id")[:FEED_ITEMS])

    def item_title(self, entry: Entry) -> str:
        return str(entry)

    def item_description(self, entry: Entry) -> str:
        picture = ""
        card = entry.thumbnail_card.name
        # Only a public thumbnail: a private one's URL is presigned and soon expires.
        if entry.thumbnails_ready and is_public(card):
            picture = format_html(
                '<p><img src="{}" alt="" width="640" height="360"></p>', _absolute(thumbnail_url(card))
            )
        byline = format_html(
            "<p>By {} (team {}){}.</p>", entry.authors, entry.team.name, ", late" if entry.is_late else ""
        )
        return picture + byline + _tracks_html(entry) + linebreaks(entry.abstract, autoescape=True)

    def item_categories(self, entry: Entry) -> list[str]:
        # Atom's <category term="...">: a reader can sort or filter the entries by track.
        return _track_names(entry)

    def item_link(self, entry: Entry) -> str:
        return _absolute(entry.get_absolute_url())

    def item_author_name(self, entry: Entry) -> str:
        return entry.authors or entry.team.name

    def item_pubdate(self, entry: Entry) -> datetime:
        return entry.submitted_at

    def item_updateddate(self, entry: Entry) -> datetime:
        # An entry is new once: edits after submitting don't bring it back to the top.
        return entry.submitted_at


def _track_names(entry: Entry) -> list[str]:
    """The names of the tracks the entry entered, from its prefetched tracks."""
    return [track.name for track in entry.tracks.all()]


def _tracks_text(entry: Entry) -> str:
    """“track Evals”, “tracks Evals, Interpretability”, or "" in a jam without tracks."""
    names = _track_names(entry)
    return f"track{'s' if len(names) > 1 else ''} {', '.join(names)}" if names else ""


def _by(entry: Entry) -> str:
    """“team Winners”, and its tracks if the jam has tracks: “team Winners; track Evals”."""
    return "; ".join(filter(None, [f"team {entry.team.name}", _tracks_text(entry)]))


def _tracks_html(entry: Entry) -> str:
    """“<p>Tracks: Evals, Interpretability.</p>”, or "" in a jam without tracks."""
    names = _track_names(entry)
    return format_html("<p>Track{}: {}.</p>", "s" if len(names) > 1 else "", ", ".join(names)) if names else ""


# Announcements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Announcement:
    """One item of the announcements feed."""

    guid: str  # never changes for the same announcement
    title: str
    summary_html: str
    link: str
    published_at: datetime
    jam: Jam


# A source gives its newest announcements: of one jam, or of all jams with jam=None.
AnnouncementSource = Callable[..., list[Announcement]]


def results_announcements(*, jam: Jam | None, limit: int) -> list[Announcement]:
    """Each jam's results, once published, with the prizes' winners. Two queries."""
    jams = Jam.objects.filter(results_published_at__isnull=False)
    if jam is not None:
        jams = jams.filter(pk=jam.pk)
    jams = list(jams.order_by("-results_published_at", "-id")[:limit])
    winners = _winners_by_jam(jams)
    return [
        Announcement(
            # Published again after re-opening: a new announcement.
            guid=f"{_results_url(jam)}#published-{jam.results_published_at.isoformat()}",
            title=f"Results of {jam.title} are out",
            summary_html=_results_summary(jam, winners.get(jam.pk, [])),
            link=_results_url(jam),
            published_at=jam.results_published_at,
            jam=jam,
        )
        for jam in jams
    ]


def _results_url(jam: Jam) -> str:
    return _absolute(reverse("judging:results", kwargs={"slug": jam.slug}))


def _winners_by_jam(jams: list[Jam]) -> dict[int, list[Award]]:
    awards = (
        Award.objects.filter(prize__jam__in=jams, entry__state=Entry.State.SUBMITTED)
        .select_related("prize", "entry__team")
        .prefetch_related("entry__tracks")
        .order_by("prize__order", "prize_id", "id")
    )
    found: dict[int, list[Award]] = defaultdict(list)
    for award in awards:
        found[award.prize.jam_id].append(award)
    return found


def _results_summary(jam: Jam, awards: list[Award]) -> str:
    intro = format_html("<p>The results of {} are published.</p>", jam.title)
    if not awards:
        return intro
    rows = format_html_join("", "<li>{}: {} ({})</li>", ((a.prize.name, str(a.entry), _by(a.entry)) for a in awards))
    return intro + format_html("<ul>{}</ul>", rows)


def time_change_announcements(*, jam: Jam | None, limit: int) -> list[Announcement]:
    """Each time a jam's organizers moved one of its times, once it was public. One query."""
    changes = JamTimeChange.objects.select_related("jam")
    if jam is not None:
        changes = changes.filter(jam=jam)
    return [_time_change_announcement(change) for change in changes.order_by("-changed_at", "-id")[:limit]]


def _time_change_announcement(change: JamTimeChange) -> Announcement:
    jam = change.jam
    what = change.get_field_display()
    page = _absolute(jam.get_absolute_url())
    return Announcement(
        guid=f"{page}#time-change-{change.pk}",
        title=f"{jam.title}: the {what} moved",
        summary_html=format_html("<p>{}.</p>", time_moved(change, jam)),
        link=f"{page}#changes",
        published_at=change.changed_at,
        jam=jam,
    )


# Where the announcements come from, newest first each.
ANNOUNCEMENT_SOURCES: list[AnnouncementSource] = [results_announcements, time_change_announcements]


def announcement_list(*, jam: Jam | None = None, limit: int = FEED_ITEMS) -> list[Announcement]:
    """The newest announcements of every source, of one jam or of all."""
    found = [item for source in ANNOUNCEMENT_SOURCES for item in source(jam=jam, limit=limit)]
    return sorted(found, key=lambda item: item.published_at, reverse=True)[:limit]


class AnnouncementsFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str | None = None) -> Jam | None:
        return None if slug is None else get_object_or_404(Jam, slug=slug)

    def title(self, jam: Jam | None) -> str:
        return f"Announcements: {jam.title}" if jam else "Announcements: Alignment Jams"

    def subtitle(self, jam: Jam | None) -> str:
        return "Changed times and results, as they happen."

    def link(self, jam: Jam | None) -> str:
        return _absolute(jam.get_absolute_url() if jam else reverse("home"))

    def feed_url(self, jam: Jam | None) -> str:
        if jam is None:
            return _absolute(reverse("feeds:announcements"))
        return _absolute(reverse("feeds:jam_announcements", kwargs={"slug": jam.slug}))

    def items(self, jam: Jam | None) -> list[Announcement]:
        return announcement_list(jam=jam)

    def item_title(self, item: Announcement) -> str:
        return item.title

    def item_description(self, item: Announcement) -> str:
        return item.summary_html

    def item_link(self, item: Announcement) -> str:
        return item.link

    def item_guid(self, item: Announcement) -> str:
        return item.guid

    def item_pubdate(self, item: Announcement) -> datetime:
        return item.published_at

    def item_updateddate(self, item: Announcement) -> datetime:
        return item.published_at


# The calendar of upcoming and running jams -----------------------------------------------

LISTED_PHASES = (Phase.UPCOMING, Phase.RUNNING, Phase.GRACE)
REFRESH = timedelta(hours=6)  # how often a subscribed calendar app should fetch it again


def jams_current(*, now: datetime) -> list[Jam]:
    """Upcoming and running jams (late submissions too), soonest start first. One query."""
    # Submissions close before judging ends, so this is every candidate.
    candidates = Jam.objects.filter(judging_ends_at__gt=now).order_by("starts_at", "id")
    return [jam for jam in candidates if jam.phase_at(now) in LISTED_PHASES]


def jams_calendar_ics(*, jams: list[Jam]) -> bytes:
    """One calendar of these jams, each the very event of its own .ics (jams/calendar.py)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Alignment Jams//jams//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Alignment Jams")
    calendar.add("x-wr-caldesc", "Upcoming and running Alignment Jams, from start to submission deadline.")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for jam in jams:
        for event in Calendar.from_ical(jam_calendar_ics(jam=jam)).walk("VEVENT"):
            calendar.add_component(event)
    return calendar.to_ical()


@public_page(scopes=lambda: [HOME])
def jams_calendar(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    jams = jams_current(now=now)
    response = HttpResponse(jams_calendar_ics(jams=jams), content_type="text/calendar; charset=utf-8")
    # A jam leaves the calendar when its submissions close, with no write to say so.
    response.changes_at = min((jam.submissions_close_at for jam in jams), default=None)
    return response


entries_feed = public_page(scopes=lambda slug: [jam_scope(slug)])(JamEntriesFeed())
announcements_feed = public_page(scopes=lambda: [HOME])(AnnouncementsFeed())
jam_announcements_feed = public_page(scopes=lambda slug: [jam_scope(slug)])(AnnouncementsFeed())

app_name = "feeds"

urlpatterns = [
    path("feeds/announcements.atom", announcements_feed, name="announcements"),
    path("feeds/jams.ics", jams_calendar, name="calendar"),
    path("jams/<slug:slug>/entries.atom", entries_feed, name="entries"),
    path("jams/<slug:slug>/announcements.atom", jam_announcements_feed, name="jam_announcements"),
]
