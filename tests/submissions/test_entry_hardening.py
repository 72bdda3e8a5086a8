"""The entry form under the hardening issue: a form without its button, two first saves at
once, a save after the close (with and without an upload begun before it), single-line
fields, and the abstract's limit. Every refusal changes nothing and shows back what was
typed."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from jams.models import Jam
from jams.times import format_jam_time
from outbox.models import OutboxItem
from submissions import services
from submissions.models import ABSTRACT_MAX_CHARS, Entry, Team
from submissions.services import (
    LATE_UPLOAD_WINDOW,
    EntryFiles,
    TeamError,
    entry_notify,
    entry_save,
    team_create,
    upload_ticket_make,
    upload_ticket_read,
)
from submissions.views import NO_ACTION_MESSAGE
from tests.factories import EntryFactory, JamFactory, TeamFactory, UserFactory
from tests.files import pdf_bytes, slides
from tests.pagehtml import read
from tests.services import wait_until
from tests.submissions.test_direct_uploads import upload
from tests.submissions.test_entries import entry_form, stored_files, submit_url, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def arthur():
    return UserFactory(display_name="Arthur Conmy")


@pytest.fixture
def callum():
    return UserFactory(display_name="Callum McDougall")


@pytest.fixture
def team(running_jam, arthur, callum):
    return TeamFactory(jam=running_jam, name="Negative Heads", created_by=arthur, members=[callum])


def logged_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def typed(response) -> dict[str, str]:
    """What the page shows back of the refused form's text, by field."""
    page = read(response)
    shown = {}
    for name in ("title", "team_name", "authors", "video_url", "repository_url"):
        if f"typed-{name}" in page.attrs:
            shown[name] = page.attrs[f"typed-{name}"]["value"]
    if "typed-abstract" in page.texts:
        shown["abstract"] = page.texts["typed-abstract"]
    return shown


def _input_value(response, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', response.content.decode())
    return unescape(match.group(1)) if match else ""


# A form without its button ----------------------------------------------------------------


@pytest.mark.parametrize("action", [None, "", "delete"])
def test_a_form_without_its_button_changes_nothing_and_keeps_the_text(running_jam, team, arthur, action):
    entry = EntryFactory(team=team, title="Original", video_url="https://example.com/video")
    client = logged_in(arthur)

    response = client.post(
        submit_url(running_jam),
        entry_form(title="Half an edit", video_url="", action=action, version=entry.version, slides=slides()),
    )

    entry.refresh_from_db()
    page = read(response)
    assert response.status_code == 400
    assert NO_ACTION_MESSAGE in unescape(response.content.decode())
    assert page.attrs["id_title"]["value"] == "Half an edit"
    assert (entry.title, entry.video_url, entry.version) == ("Original", "https://example.com/video", 1)
    assert not OutboxItem.objects.exists()
    assert stored_files() == []


# Two first saves at once ------------------------------------------------------------------


def test_a_first_save_that_loses_the_race_gets_the_409_with_the_text_kept(
    running_jam, team, arthur, callum, monkeypatch
):
    """Arthur's save looked for the team's entry and found none; before it inserted one,
    Callum's first save committed. The insert then breaks the one-entry constraint."""
    EntryFactory(team=team, title="Callum's title", state=Entry.State.DRAFT, submitted_at=None, updated_by=callum)
    looks = []
    real_lookup = services._entry_locked

    def first_look_misses(team):
        looks.append(team.pk)
        return None if len(looks) == 1 else real_lookup(team)

    monkeypatch.setattr(services, "_entry_locked", first_look_misses)

    response = logged_in(arthur).post(
        submit_url(running_jam), entry_form(title="Arthur's title", abstract="Arthur's abstract", action="draft")
    )

    current = Entry.objects.get()
    html = text(response)
    assert response.status_code == 409
    assert len(looks) == 2  # the race happened: looked, missed, inserted, was refused, looked again
    assert current.title == "Callum's title"
    assert "Callum McDougall changed this entry at" in html
    assert read(response).attrs["id_title"]["value"] == "Callum's title"  # the current version
    assert response.context["form"]["version"].value() == current.version
    assert typed(response)["title"] == "Arthur's title"  # and what Arthur typed
    assert typed(response)["abstract"] == "Arthur's abstract"


@pytest.mark.django_db(transaction=True)
def test_two_first_saves_at_once_on_postgresql_make_one_entry_and_a_409(running_jam, team, arthur, callum):
    """Two teammates' first saves, each in its own thread and connection. A lock on the
    entry table holds both at their insert, after both looked and found no entry; then the
    lock goes and they race for real."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite takes its write lock when a transaction begins (transaction_mode IMMEDIATE), so the "
            "second save waits and finds the first's entry: a plain stale form, tested above and below"
        )
    responses: dict[str, object] = {}

    def save(person, title: str) -> None:
        try:
            responses[person.display_name] = logged_in(person).post(
                submit_url(running_jam), entry_form(title=title, action="draft")
            )
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(arthur, "Arthur's title")),
        threading.Thread(target=save, args=(callum, "Callum's title")),
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE submissions_entry IN SHARE ROW EXCLUSIVE MODE")
        for thread in threads:
            thread.start()
        both_waiting = wait_until(lambda: _waiting_for_the_entry_table(connection) == 2, timeout=15)
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(r.status_code for r in responses.values())
    loser = next(name for name, r in responses.items() if r.status_code == 409)
    winner = next(name for name in responses if name != loser)
    entry = Entry.objects.get()
    loser_page = responses[loser]
    assert both_waiting
    assert statuses == [302, 409]
    assert entry.title == f"{winner.split()[0]}'s title"
    assert f"{winner} changed this entry at" in text(loser_page)
    assert typed(loser_page)["title"] == f"{loser.split()[0]}'s title"


def _waiting_for_the_entry_table(db) -> int:
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE relation = 'submissions_entry'::regclass AND NOT granted")
        return cursor.fetchone()[0]


def test_a_double_click_on_submit_makes_one_entry_and_one_email(running_jam, team, arthur):
    client = logged_in(arthur)
    form = entry_form(title="Clicked twice", slides=slides())

    first = client.post(submit_url(running_jam), form)
    form["slides"] = slides()
    second = client.post(submit_url(running_jam), form)

    html = text(second)
    assert first.status_code == 302
    assert second.status_code == 409
    assert "You saved this entry at" in html
    assert "this save was not applied" in html
    assert typed(second)["title"] == "Clicked twice"
    assert Entry.objects.count() == 1
    assert OutboxItem.objects.filter(kind="Entry confirmation").count() == 1


def test_an_edit_on_top_of_a_teammates_shows_their_version_and_keeps_mine(running_jam, team, arthur, callum):
    entry = EntryFactory(team=team, title="Original", state=Entry.State.DRAFT, submitted_at=None)
    opened_at = entry.version
    logged_in(callum).post(submit_url(running_jam), entry_form(title="Callum's", action="draft", version=opened_at))

    response = logged_in(arthur).post(
        submit_url(running_jam),
        entry_form(title="Arthur's", abstract="Arthur's long abstract.", action="draft", version=opened_at),
    )

    assert response.status_code == 409
    assert read(response).attrs["id_title"]["value"] == "Callum's"
    assert typed(response) == {
        "title": "Arthur's",
        "team_name": "Negative Heads",
        "authors": "Arthur Conmy and Callum McDougall",
        "video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "repository_url": "https://github.com/example/negative-heads",
        "abstract": "Arthur's long abstract.",
    }


# The deadline ------------------------------------------------------------------------------


def closed_jam(*, after_close: timedelta = timedelta(seconds=1), grace_minutes: int = 15, zone="America/New_York"):
    """A jam whose submissions (deadline plus grace) closed `after_close` ago."""
    now = timezone.now()
    deadline = now - after_close - timedelta(minutes=grace_minutes)
    return JamFactory(
        starts_at=now - timedelta(days=2), submission_deadline=deadline, grace_minutes=grace_minutes, timezone=zone
    )


def test_a_submit_1_s_after_the_close_is_a_403_with_the_close_time_that_keeps_the_form(client):
    jam = closed_jam()
    entry = EntryFactory(team=TeamFactory(jam=jam, name="Negative Heads"), title="Final")
    client.force_login(entry.team.created_by)

    response = client.post(
        submit_url(jam),
        entry_form(title="Sneaky late edit", abstract="A late abstract.", slides=slides(), version=entry.version),
    )

    entry.refresh_from_db()
    html = text(response)
    assert response.status_code == 403
    assert f"closed on {format_jam_time(jam.submissions_close_at, jam)}" in html
    assert "America/New_York (UTC-" in html
    assert (entry.title, entry.version) == ("Final", 1)
    assert not OutboxItem.objects.exists()
    assert stored_files() == []
    assert typed(response)["title"] == "Sneaky late edit"
    assert typed(response)["abstract"] == "A late abstract."
    assert "Files you picked were not kept: pick them again." in html


def test_the_form_is_served_with_a_ticket_of_the_team_and_the_time(running_jam, team, arthur):
    page = logged_in(arthur).get(submit_url(running_jam))

    ticket = _input_value(page, "upload_ticket")
    started = upload_ticket_read(ticket=ticket, team=team)
    other = upload_ticket_read(ticket=ticket, team=TeamFactory(jam=running_jam))
    assert abs(started - timezone.now()) < timedelta(seconds=5)
    assert other is None


def test_an_upload_begun_before_the_close_is_saved_after_it(client):
    jam = closed_jam(after_close=timedelta(minutes=3))
    team = TeamFactory(jam=jam, name="Negative Heads")
    ticket = upload_ticket_make(team=team, now=jam.submissions_close_at - timedelta(seconds=20))
    client.force_login(team.created_by)

    response = client.post(submit_url(jam), entry_form(slides=slides(), upload_ticket=ticket))

    entry = Entry.objects.get()
    assert response.status_code == 302
    assert entry.is_submitted
    assert entry.is_late  # it arrived after the deadline: the grace period's mark
    assert entry.slides


@pytest.mark.parametrize(
    "case",
    ["no ticket", "no file", "ticket after the close", "another team's ticket", "past the window", "tampered"],
)
def test_a_late_save_without_an_upload_begun_in_time_is_refused(client, case):
    after_close = LATE_UPLOAD_WINDOW + timedelta(seconds=1) if case == "past the window" else timedelta(minutes=3)
    jam = closed_jam(after_close=after_close)
    team = TeamFactory(jam=jam, name="Negative Heads")
    before_close = jam.submissions_close_at - timedelta(seconds=20)
    ticket = {
        "no ticket": "",
        "ticket after the close": upload_ticket_make(team=team, now=jam.submissions_close_at + timedelta(seconds=2)),
        "another team's ticket": upload_ticket_make(team=TeamFactory(jam=jam), now=before_close),
        "tampered": upload_ticket_make(team=team, now=before_close)[:-2] + "xx",
    }.get(case, upload_ticket_make(team=team, now=before_close))
    files = {} if case == "no file" else {"slides": slides()}
    client.force_login(team.created_by)

    response = client.post(submit_url(jam), entry_form(upload_ticket=ticket, **files))

    assert response.status_code == 403
    assert not Entry.objects.exists()
    assert typed(response)["title"] == "Why Might Negative Name Mover Heads Exist?"


def test_a_late_upload_refused_for_its_content_keeps_its_ticket_to_try_again(client):
    jam = closed_jam(after_close=timedelta(minutes=3))
    team = TeamFactory(jam=jam, name="Negative Heads")
    ticket = upload_ticket_make(team=team, now=jam.submissions_close_at - timedelta(seconds=20))
    client.force_login(team.created_by)

    response = client.post(
        submit_url(jam), entry_form(slides=slides(), repository_url="http://insecure.example", upload_ticket=ticket)
    )

    assert response.status_code == 400
    assert _input_value(response, "upload_ticket") == ticket
    assert not Entry.objects.exists()


def test_a_direct_upload_begun_before_the_close_is_attached_after_it(client, running_jam, team, arthur, s3_storage):
    client.force_login(arthur)
    ticket = _input_value(client.get(submit_url(running_jam)), "upload_ticket")
    key = upload(client, running_jam, pdf_bytes())
    # Submissions close the moment the ticket names (the form was served just before),
    # and the save arrives after that.
    close = upload_ticket_read(ticket=ticket, team=team)
    Jam.objects.filter(pk=running_jam.pk).update(submission_deadline=close, grace_minutes=0)
    assert wait_until(lambda: timezone.now() > close, timeout=2)

    response = client.post(submit_url(running_jam), entry_form(slides_key=key, upload_ticket=ticket))

    entry = Entry.objects.get()
    assert response.status_code == 302
    assert entry.slides.name == key


# Single-line fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "Probing\r\nBcc: everyone@example.com", "The title must fit on one line"),
        ("title", "Probing\u2028for deception", "The title must fit on one line"),
        ("authors", "Arthur Conmy\u202e and Callum", "The authors can't contain control characters"),
        ("team_name", "Negative\nHeads", "The team name must fit on one line"),
    ],
)
def test_single_line_fields_refuse_line_breaks_and_control_characters(running_jam, team, arthur, field, value, message):
    response = logged_in(arthur).post(submit_url(running_jam), entry_form(slides=slides(), **{field: value}))

    assert response.status_code == 400
    assert message in text(response)
    assert read(response).attrs[f"id_{field}"]["value"] == value  # kept as typed
    assert not Entry.objects.exists()
    assert Team.objects.get().name == "Negative Heads"


def test_single_line_fields_collapse_their_spaces_and_tabs(running_jam, team, arthur):
    form = entry_form(title="  Probing \t for   deception ", authors="Arthur\u00a0 Conmy", team_name="Negative  Heads")

    response = logged_in(arthur).post(submit_url(running_jam), {**form, "slides": slides()})

    entry = Entry.objects.get()
    assert response.status_code == 302
    assert (entry.title, entry.authors, entry.team.name) == ("Probing for deception", "Arthur Conmy", "Negative Heads")


def test_the_services_hold_the_same_rules(running_jam, team, arthur):
    with pytest.raises(ValidationError) as refused:
        entry_save(team=team, user=arthur, data={"title": "Two\nlines"}, files=EntryFiles(), version=None, submit=False)
    with pytest.raises(TeamError, match="The team name must fit on one line"):
        team_create(jam=running_jam, user=UserFactory(), name="Evil\r\nTeam")

    assert "The title must fit on one line" in refused.value.message_dict["title"][0]
    assert not Entry.objects.exists()


def test_a_team_name_with_a_line_break_is_refused_by_the_team_form(client, running_jam):
    client.force_login(UserFactory())

    response = client.post(f"/jams/{running_jam.slug}/team/", {"name": "Evil\r\nTeam"})

    assert response.status_code == 200  # the team page re-renders its form with the error
    assert "The team name must fit on one line" in text(response)
    assert not Team.objects.exists()


def test_a_display_name_with_a_line_break_is_refused_by_the_sign_up_form(client):
    data = {"display_name": "Ada\r\nLovelace", "email": "ada@example.com", "password": "analytical-engine-1843"}

    response = client.post("/accounts/signup/", data)

    assert response.status_code == 400
    assert "Your name must fit on one line" in text(response)


def test_a_title_saved_with_a_line_break_before_the_rule_still_gets_its_email(running_jam, team):
    entry = EntryFactory(team=team, title="Old title\r\nwith a break")

    sent = entry_notify(entry_id=entry.pk)

    assert sent
    (message,) = mail.outbox
    assert "\n" not in message.subject
    assert "Old title with a break" in message.subject


# The abstract's limit ---------------------------------------------------------------------


def test_an_abstract_over_the_limit_is_refused_with_its_length_and_kept(running_jam, team, arthur):
    abstract = "x" * (ABSTRACT_MAX_CHARS + 1)

    response = logged_in(arthur).post(submit_url(running_jam), entry_form(abstract=abstract, slides=slides()))

    assert response.status_code == 400
    assert "Please keep the abstract to 5,000 characters (yours has 5,001)." in text(response)
    assert read(response).texts["id_abstract"].strip() == abstract
    assert not Entry.objects.exists()


def test_an_abstract_at_the_limit_is_saved(running_jam, team, arthur):
    response = logged_in(arthur).post(
        submit_url(running_jam), entry_form(abstract="x" * ABSTRACT_MAX_CHARS, slides=slides())
    )

    assert response.status_code == 302
    assert len(Entry.objects.get().abstract) == ABSTRACT_MAX_CHARS


def test_entry_save_refuses_an_abstract_over_the_limit(team, arthur):
    with pytest.raises(ValidationError) as refused:
        entry_save(
            team=team,
            user=arthur,
            data={"abstract": "x" * (ABSTRACT_MAX_CHARS + 1)},
            files=EntryFiles(),
            version=None,
            submit=False,
        )

    assert list(refused.value.message_dict) == ["abstract"]


def test_gallery_cards_show_the_start_of_a_long_abstract(client):
    jam = JamFactory.judging()
    words = " ".join(f"word{n}" for n in range(800))  # about 5,000 characters
    EntryFactory(team=TeamFactory(jam=jam), abstract=words)

    html = client.get(f"/jams/{jam.slug}/entries/").content.decode()

    assert "word0 word1 word2" in html
    assert "word799" not in html
