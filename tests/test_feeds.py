"""The feeds (hackathon/feeds.py): a jam's new entries and the announcements as Atom, the
calendar of upcoming and running jams as iCal; read as a feed reader and a calendar app
would (xml.etree, icalendar), cached like the pages and never stale after a write."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from icalendar import Calendar

from hackathon import feeds
from hackathon.feeds import Announcement
from jams.calendar import jam_calendar_ics
from judging.services import results_publish
from submissions.models import Entry
from submissions.services import EntryFiles, entry_save
from submissions.thumbnails import thumbnail_url
from tests.factories import EntryFactory, JamFactory, PrizeFactory, TeamFactory, TrackFactory
from tests.files import upload
from tests.public_data import private_scene
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def get(url: str):
    return Client().get(url)


def atom(url: str) -> ET.Element:
    response = get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)  # noqa: S314 - our own feed, made by Django's feed generator


def titles(feed: ET.Element) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]


def calendar(url: str = "/feeds/jams.ics") -> Calendar:
    response = get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a write the way a request does: its on-commit callbacks (the version bumps) run."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


# A jam's new entries --------------------------------------------------------------------------


def test_the_entries_feed_lists_submitted_entries_newest_first(running_jam):
    now = timezone.now()
    EntryFactory(team__jam=running_jam, title="First", submitted_at=now - timedelta(hours=2))
    EntryFactory(team__jam=running_jam, title="Second", submitted_at=now - timedelta(hours=1))
    EntryFactory(team__jam=running_jam, title="A draft", state=Entry.State.DRAFT, submitted_at=None)
    EntryFactory(team__jam=JamFactory.running(), title="Another jam's")

    feed = atom(f"/jams/{running_jam.slug}/entries.atom")

    assert feed.findtext(f"{ATOM}title") == f"New entries: {running_jam.title}"
    assert titles(feed) == ["Second", "First"]


def test_an_entry_is_dated_by_its_first_submission_and_links_to_its_page(running_jam):
    first = timezone.now() - timedelta(days=1)
    entry = EntryFactory(team__jam=running_jam, submitted_at=first)

    [item] = atom(f"/jams/{running_jam.slug}/entries.atom").iter(f"{ATOM}entry")

    assert item.findtext(f"{ATOM}published") == first.isoformat()
    assert item.findtext(f"{ATOM}updated") == first.isoformat()
    assert item.find(f"{ATOM}link").get("href").endswith(entry.get_absolute_url())
    assert item.findtext(f"{ATOM}id").endswith(entry.get_absolute_url())


def test_a_new_entry_shows_at_once_in_the_cached_feed(running_jam, commit):
    url = f"/jams/{running_jam.slug}/entries.atom"
    atom(url)
    assert get(url).context is None  # the feed is served from the cache now
    team = TeamFactory(jam=running_jam)
    slides = upload("slides.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")

    commit(
        lambda: entry_save(
            team=team,
            user=team.memberships.get().user,
            data={"title": "Brand New Entry", "abstract": "A", "authors": "B"},
            files=EntryFiles(slides=(slides, _pdf()), image=None),
            version=None,
            submit=True,
        )
    )

    assert titles(atom(url)) == ["Brand New Entry"]


def _pdf():
    from submissions.uploads import Detected

    return Detected("pdf", ".pdf")


def _with_thumbnails(jam, *, public: bool) -> Entry:
    prefix = "public/" if public else ""
    return EntryFactory(
        team__jam=jam,
        image="jams/x/entries/1/image.png",
        thumbnails_of="jams/x/entries/1/image.png",
        thumbnail_card=f"{prefix}jams/x/entries/1/card.jpg",
        thumbnail_small=f"{prefix}jams/x/entries/1/small.jpg",
    )


def _summary(jam) -> str:
    [item] = atom(f"/jams/{jam.slug}/entries.atom").iter(f"{ATOM}entry")
    return item.findtext(f"{ATOM}summary")


def test_an_entry_shows_its_public_thumbnail(running_jam, s3_storage):
    entry = _with_thumbnails(running_jam, public=True)

    assert f'<img src="{thumbnail_url(entry.thumbnail_card.name)}"' in _summary(running_jam)


def test_a_thumbnail_not_yet_public_is_left_out_not_presigned(running_jam, s3_storage):
    _with_thumbnails(running_jam, public=False)

    assert "<img" not in _summary(running_jam)


def test_an_unknown_jams_feed_is_a_404():
    assert get("/jams/nope/entries.atom").status_code == 404
    assert get("/jams/nope/announcements.atom").status_code == 404


def test_the_entries_feed_runs_the_same_queries_for_1_and_50_entries(running_jam):
    url = f"/jams/{running_jam.slug}/entries.atom"
    EntryFactory(team__jam=running_jam)
    one = count_queries(lambda: get(url))
    for _ in range(49):
        EntryFactory(team__jam=running_jam)
    fifty = count_queries(lambda: get(url))

    assert len(titles(atom(url))) == 50
    assert one == fifty


def test_an_entry_names_its_tracks_in_its_item(running_jam):
    evals, interp = TrackFactory(jam=running_jam, name="Evals"), TrackFactory(jam=running_jam, name="Interp")
    EntryFactory(team__jam=running_jam, title="Both").tracks.set([interp, evals])
    EntryFactory(team__jam=running_jam, title="One").tracks.set([evals])
    EntryFactory(team__jam=running_jam, title="None")

    items = {
        item.findtext(f"{ATOM}title"): item
        for item in atom(f"/jams/{running_jam.slug}/entries.atom").iter(f"{ATOM}entry")
    }

    categories = {title: [c.get("term") for c in item.iter(f"{ATOM}category")] for title, item in items.items()}
    assert categories == {"Both": ["Evals", "Interp"], "One": ["Evals"], "None": []}
    assert "<p>Tracks: Evals, Interp.</p>" in items["Both"].findtext(f"{ATOM}summary")
    assert "<p>Track: Evals.</p>" in items["One"].findtext(f"{ATOM}summary")
    assert "Track" not in items["None"].findtext(f"{ATOM}summary")


def test_the_entries_feed_with_tracks_runs_the_same_queries_for_1_and_50_entries(running_jam):
    url = f"/jams/{running_jam.slug}/entries.atom"
    track = TrackFactory(jam=running_jam)
    EntryFactory(team__jam=running_jam).tracks.set([track])
    one = count_queries(lambda: get(url))
    for i in range(49):
        EntryFactory(team__jam=running_jam).tracks.set([track, TrackFactory(jam=running_jam, name=f"Extra {i}")])
    fifty = count_queries(lambda: get(url))

    assert len(titles(atom(url))) == 50
    assert one == fifty


# Announcements ----------------------------------------------------------------------------------


@pytest.fixture
def judged_jam(db):
    jam = JamFactory.judging(title="Judged Jam")
    winner = EntryFactory(team__jam=jam, title="Winning Entry", team__name="Winners")
    PrizeFactory(jam=jam, name="First place").awards.create(entry=winner)
    return jam


def test_published_results_are_announced_with_their_winners_at_once(judged_jam, commit):
    atom("/feeds/announcements.atom")
    atom(f"/jams/{judged_jam.slug}/announcements.atom")

    commit(lambda: results_publish(jam=judged_jam))

    for url in ("/feeds/announcements.atom", f"/jams/{judged_jam.slug}/announcements.atom"):
        [item] = atom(url).iter(f"{ATOM}entry")
        assert item.findtext(f"{ATOM}title") == "Results of Judged Jam are out"
        assert item.find(f"{ATOM}link").get("href").endswith(f"/jams/{judged_jam.slug}/results/")
        summary = item.findtext(f"{ATOM}summary")
        assert "<li>First place: Winning Entry (team Winners)</li>" in summary


def test_announced_winners_name_their_tracks(judged_jam):
    winner = Entry.objects.get(title="Winning Entry")
    winner.tracks.set([TrackFactory(jam=judged_jam, name="Hardware")])
    results_publish(jam=judged_jam)

    [item] = atom("/feeds/announcements.atom").iter(f"{ATOM}entry")

    assert "<li>First place: Winning Entry (team Winners; track Hardware)</li>" in item.findtext(f"{ATOM}summary")


def test_results_not_published_are_not_announced(judged_jam):
    assert titles(atom("/feeds/announcements.atom")) == []
    assert titles(atom(f"/jams/{judged_jam.slug}/announcements.atom")) == []


def test_a_jams_announcements_are_its_own(judged_jam):
    other = JamFactory.judging(title="Other Jam")
    results_publish(jam=judged_jam)
    results_publish(jam=other)

    assert titles(atom(f"/jams/{other.slug}/announcements.atom")) == ["Results of Other Jam are out"]
    assert titles(atom("/feeds/announcements.atom")) == [
        "Results of Other Jam are out",
        "Results of Judged Jam are out",
    ]


def test_announcements_merge_every_source_newest_first(judged_jam, monkeypatch):
    results_publish(jam=judged_jam, now=timezone.now() - timedelta(hours=2))
    later = Announcement(
        guid="https://example.com/change/1",
        title="Deadline moved",
        summary_html="<p>Moved.</p>",
        link="https://example.com/change",
        published_at=timezone.now() - timedelta(hours=1),
        jam=judged_jam,
    )

    def changes(*, jam, limit):
        return [later]

    monkeypatch.setattr(feeds, "ANNOUNCEMENT_SOURCES", [*feeds.ANNOUNCEMENT_SOURCES, changes])

    assert titles(atom("/feeds/announcements.atom")) == ["Deadline moved", "Results of Judged Jam are out"]


def test_the_announcements_feed_runs_the_same_queries_for_1_and_50_jams():
    def publish_one():
        jam = JamFactory.judging()
        entry = EntryFactory(team__jam=jam)
        entry.tracks.set([TrackFactory(jam=jam)])
        PrizeFactory(jam=jam).awards.create(entry=entry)
        results_publish(jam=jam)

    publish_one()
    one = count_queries(lambda: get("/feeds/announcements.atom"))
    for _ in range(49):
        publish_one()
    fifty = count_queries(lambda: get("/feeds/announcements.atom"))

    assert len(titles(atom("/feeds/announcements.atom"))) == 50
    assert one == fifty


# The calendar -----------------------------------------------------------------------------------


def test_the_calendar_has_the_upcoming_and_running_jams_each_as_its_own_event():
    upcoming, running = JamFactory.upcoming(title="Upcoming"), JamFactory.running(title="Running")
    late = JamFactory(
        title="In its grace period",
        starts_at=timezone.now() - timedelta(days=2),
        submission_deadline=timezone.now() - timedelta(minutes=10),
        grace_minutes=60,
    )
    JamFactory.judging(title="Judging")
    JamFactory.finished(title="Finished")

    cal = calendar()

    events = cal.walk("VEVENT")
    assert [str(event["summary"]) for event in events] == ["In its grace period", "Running", "Upcoming"]
    own = [Calendar.from_ical(jam_calendar_ics(jam=jam)).walk("VEVENT")[0] for jam in (late, running, upcoming)]
    assert [event.to_ical() for event in events] == [event.to_ical() for event in own]
    assert str(cal["x-wr-calname"]) == "Alignment Jams"


def test_the_cached_calendar_changes_when_a_jam_stops_taking_submissions():
    soonest = JamFactory(
        starts_at=timezone.now() - timedelta(days=1), submission_deadline=timezone.now() + timedelta(hours=1)
    )
    JamFactory.upcoming()

    response = feeds.jams_calendar(RequestFactory().get("/feeds/jams.ics"))

    assert response.changes_at == soonest.submissions_close_at


def test_a_jam_added_in_the_admin_shows_at_once_in_the_cached_calendar():
    calendar()
    client = Client()
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    jam = JamFactory.upcoming(title="Added Later")
    client.post("/admin/jams/jam/", {"action": "none"})  # any admin POST marks pages stale

    assert [str(event["summary"]) for event in calendar().walk("VEVENT")] == [jam.title]


def test_the_calendar_runs_the_same_queries_for_1_and_50_jams():
    JamFactory.upcoming()
    one = count_queries(lambda: get("/feeds/jams.ics"))
    for _ in range(49):
        JamFactory.running()
    fifty = count_queries(lambda: get("/feeds/jams.ics"))

    assert len(calendar().walk("VEVENT")) == 50
    assert one == fifty


# The jam page links them; none shows anything private ---------------------------------------------


def test_the_jam_page_links_its_feeds_and_api(running_jam):
    html = get(running_jam.get_absolute_url()).content.decode()
    links = _alternates(html)

    assert [kind for kind, _ in links] == [
        "application/atom+xml",
        "application/atom+xml",
        "text/calendar",
        "application/json",
    ]
    for kind, href in links:
        response = get(href)
        assert response.status_code == 200, href
        assert response["Content-Type"].startswith(kind), href


def _alternates(html: str) -> list[tuple[str, str]]:
    from html.parser import HTMLParser

    found = []

    class Reader(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "link" and attrs.get("rel") == "alternate":
                found.append((attrs["type"], attrs["href"]))

    Reader().feed(html)
    return found


def test_no_feed_shows_anything_private(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scene = private_scene()
    urls = ["/feeds/announcements.atom", "/feeds/jams.ics"]
    for jam in scene.jams:
        urls += [f"/jams/{jam.slug}/entries.atom", f"/jams/{jam.slug}/announcements.atom"]

    responses = {url: get(url) for url in urls}

    assert {url: r.status_code for url, r in responses.items()} == dict.fromkeys(urls, 200)
    text = "\n".join(r.content.decode() for r in responses.values())
    assert [secret for secret in scene.secrets() if secret.lower() in text.lower()] == []
    assert "Running Public Entry" in text
    assert "Shown Grand Prize: Shown Public Entry 0" in text
