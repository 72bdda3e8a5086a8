"""Every time a person reads is in one format, 24 h with its zone (jams/times.py): the
main pages, the admin's, the emails and the calendar file are rendered and read, and
any time of day in them must be inside “Sat 14 Mar 2026, 18:00 Europe/London (UTC+0)”
(or “… 18:00 UTC”); nothing says a.m. or p.m."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from jams.calendar import jam_calendar_ics
from jams.emails import signup_confirmation_message
from jams.times import format_jam_time
from judging.emails import judge_added_message, judge_invite_message, results_message
from judging.models import Review
from judging.services import check_judging_open, results_publish
from submissions.emails import entry_changed_message, entry_submitted_message
from submissions.services import check_submissions_open
from tests.factories import (
    CriterionFactory,
    EntryFactory,
    JamFactory,
    JudgeFactory,
    PrizeFactory,
    SignUpFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

WEEKDAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
ZONE = r"(?:UTC|[A-Z][A-Za-z_]+(?:/[A-Za-z0-9_+-]+)+ \(UTC[+-]\d{1,2}(?::\d{2})?\))"
ONE_FORMAT = re.compile(rf"{WEEKDAY} \d{{1,2}} {MONTH} \d{{4}}, \d{{2}}:\d{{2}} {ZONE}")
CLOCK = re.compile(r"(?<![\d:])\d{1,2}(?::\d{2}){1,2}(?![\d:])")
TWELVE_HOUR = re.compile(r"\b[ap]\.m\.|\d\s*[ap]m\b|\bnoon\b|\bmidnight\b", re.IGNORECASE)


URL = re.compile(r"https?://\S+")


def stray_times(text: str) -> list[str]:
    """Times of day not in the one format, and any 12-hour wording. Links are left out: a
    signed token in one may well read “3am”."""
    text = URL.sub(" ", text)
    covered = [match.span() for match in ONE_FORMAT.finditer(text)]
    strays = [
        match.group()
        for match in CLOCK.finditer(text)
        if not any(start <= match.start() and match.end() <= end for start, end in covered)
    ]
    return strays + TWELVE_HOUR.findall(text)


class _Text(HTMLParser):
    """What a reader sees: text outside scripts and styles, and titles and labels."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg"):
            self.hidden += 1
        self.parts += [value for name, value in attrs if name in ("title", "aria-label", "alt") and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    reader = _Text()
    reader.feed(html)
    return " ".join(" ".join(reader.parts).split())


def test_the_check_finds_times_in_other_formats():
    assert stray_times("Published 28 November 2026, 14:48; due 2:48 p.m. or 3pm, at noon") == [
        "14:48", "2:48", "p.m.", "3pm", "noon",
    ]  # fmt: skip
    assert stray_times("Submitted Sat 28 Nov 2026, 14:48 UTC (10:00:00 is not a time)") == ["10:00:00"]
    assert stray_times("Accept at http://127.0.0.1:8000/judging/invite/Qx3am:1vP9pm/ by 3pm") == ["3pm"]
    assert (
        stray_times("Sat 14 Mar 2026, 18:00 Europe/London (UTC+0) · Sun 1 Mar 2026, 05:45 Asia/Kathmandu (UTC+5:45)")
        == []
    )


@pytest.fixture
def scene():
    """A jam in each phase, in a zone other than UTC, with a team, an entry, a judge and
    a review, and published results."""
    now = timezone.now()
    zone = {"timezone": "America/New_York"}
    upcoming = JamFactory.upcoming(title="Upcoming", **zone)
    running = JamFactory.running(title="Running", grace_minutes=30, **zone)
    judging = JamFactory.judging(title="Judging", **zone)
    finished = JamFactory.finished(title="Finished", **zone)
    person = UserFactory(display_name="Pat Participant")
    SignUpFactory(jam=upcoming, user=person)
    team = TeamFactory(jam=running, created_by=person, name="Lanterns")
    entry = EntryFactory(team=team, title="Circuits", submitted_at=now - timedelta(hours=3))
    judged = EntryFactory(team__jam=judging, title="Probes")
    judge = JudgeFactory(jam=judging, user=UserFactory(display_name="Jules Judge"))
    criterion = CriterionFactory(jam=judging)
    review = Review.objects.create(judge=judge, entry=judged, feedback="Careful.")
    review.scores.create(criterion=criterion, value=4)
    done = EntryFactory(team__jam=finished, title="Winners")
    PrizeFactory(jam=finished).awards.create(entry=done)
    results_publish(jam=finished)
    return {
        "jams": [upcoming, running, judging, finished], "person": person, "team": team, "entry": entry,
        "judge": judge, "judged": judged, "done": done, "organizer": UserFactory(is_staff=True, is_superuser=True),
    }  # fmt: skip


def pages_of(scene) -> dict[str, tuple[object, str]]:
    _, running, judging, finished = scene["jams"]
    entry, judged = scene["entry"], scene["judged"]
    public = [
        "/", *(jam.get_absolute_url() for jam in scene["jams"]), f"/jams/{running.slug}/signups/",
        f"/jams/{running.slug}/entries/", entry.get_absolute_url(), scene["done"].get_absolute_url(),
        f"/jams/{finished.slug}/results/",
    ]  # fmt: skip
    participant = [
        "/me/jams/",
        f"/jams/{running.slug}/team/",
        f"/jams/{running.slug}/submit/",
        running.get_absolute_url(),
    ]
    judge = [f"/jams/{judging.slug}/judge/", f"/jams/{judging.slug}/judge/{judged.pk}/recuse/"]
    admin = [
        "/admin/jams/jam/", f"/admin/jams/jam/{running.pk}/change/", f"/admin/jams/jam/{finished.pk}/change/",
        "/admin/jams/signup/", "/admin/submissions/entry/", f"/admin/submissions/entry/{entry.pk}/change/",
        "/admin/submissions/team/", f"/admin/submissions/team/{scene['team'].pk}/change/",
        "/admin/judging/judge/", f"/admin/judging/judge/{scene['judge'].pk}/change/", "/admin/judging/review/",
        "/admin/judging/assignment/", "/admin/judging/conflict/", "/admin/outbox/outboxitem/",
        "/admin/accounts/user/", f"/admin/accounts/user/{scene['person'].pk}/change/",
        reverse("admin:jams_jam_results", args=[finished.pk]),
        reverse("admin:jams_jam_results_publish", args=[finished.pk]),
    ]  # fmt: skip
    return {
        **{url: (None, url) for url in public},
        **{f"{url} (participant)": (scene["person"], url) for url in participant},
        **{f"{url} (judge)": (scene["judge"].user, url) for url in judge},
        **{url: (scene["organizer"], url) for url in admin},
    }


def test_pages_print_every_time_in_the_one_format(scene):
    found = {}
    for name, (user, url) in pages_of(scene).items():
        client = Client()
        if user:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, name
        text = visible_text(response.content.decode())
        found[name] = ONE_FORMAT.findall(text)
        assert stray_times(text) == [], name

    # The check read times where there are some: it would catch them in another format.
    _, running, judging, finished = scene["jams"]
    assert format_jam_time(running.submission_deadline, running) in found[running.get_absolute_url()]
    for name in (running.get_absolute_url(), scene["entry"].get_absolute_url(), "/me/jams/ (participant)",
                 f"/jams/{judging.slug}/judge/ (judge)", f"/jams/{finished.slug}/results/",
                 "/admin/submissions/entry/", "/admin/jams/signup/"):  # fmt: skip
        assert found[name], name


def test_jam_page_times_are_in_the_jams_zone_with_the_local_time_left_to_the_script(client, scene):
    running = scene["jams"][1]

    html = client.get(running.get_absolute_url()).content.decode()

    deadline = running.submission_deadline
    offset = int(deadline.astimezone(running.tzinfo).utcoffset().total_seconds() // 60)
    assert f'<time datetime="{deadline.isoformat()}" data-local-time data-offset="{offset}">' in html
    assert "America/New_York (UTC-" in visible_text(html)
    # Shared and cached: the visitor's own time is never in the page the server sends.
    assert html.count("data-local-time-text hidden></span>") == html.count("data-local-time ")


def test_emails_print_every_time_in_the_one_format_with_utc(scene):
    _, running, judging, finished = scene["jams"]
    signup = SignUpFactory(jam=running)
    messages = {
        "signup": signup_confirmation_message(signup=signup),
        "submitted": entry_submitted_message(entry=scene["entry"]),
        "changed": entry_changed_message(entry=scene["entry"], editor=scene["person"]),
        "judge invite": judge_invite_message(judge=JudgeFactory(jam=judging, user=UserFactory(password=None))),
        "judge added": judge_added_message(judge=scene["judge"]),
        "results": results_message(jam=finished, user=scene["person"]),
    }
    for name, message in messages.items():
        for text in (message.subject, message.body, visible_text(message.alternatives[0][0])):
            assert stray_times(text) == [], name
    # The times an email gives, in the jam's zone and in UTC: no script adds the reader's.
    for name in ("signup", "submitted", "judge invite", "judge added"):
        body = messages[name].body
        assert re.search(rf"{ONE_FORMAT.pattern}, which is {ONE_FORMAT.pattern}", body), name
        assert "America/New_York (UTC-" in body and " UTC" in body, name


def test_calendar_description_says_the_times_in_the_one_format(scene):
    running = scene["jams"][1]

    event = Calendar.from_ical(jam_calendar_ics(jam=running)).walk("VEVENT")[0]

    description = str(event["DESCRIPTION"])
    assert stray_times(description) == []
    assert len(ONE_FORMAT.findall(description)) == 4  # start and deadline, each also in UTC


def test_refusals_say_their_times_in_the_one_format(scene):
    _, running, _, finished = scene["jams"]
    refusals = []
    for check, jam in ((check_submissions_open, finished), (check_judging_open, running)):
        with pytest.raises(ValidationError) as refused:
            check(jam=jam, now=timezone.now())
        refusals.append(refused.value.messages[0])

    for refusal in refusals:
        assert stray_times(refusal) == []
        assert ONE_FORMAT.search(refusal)
