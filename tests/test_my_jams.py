"""The person's own pages: their jams, and an account made without signing up to a jam."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from accounts.models import User
from jams.models import SignUp
from jams.times import format_jam_time
from submissions.models import Entry
from tests.factories import EntryFactory, JamFactory, SignUpFactory, TeamFactory, UserFactory
from tests.querycount import count_queries

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


def test_my_jams_lists_each_jam_with_team_entry_state_and_next_deadline(client):
    person = UserFactory()
    running = JamFactory.running(title="Running Jam", timezone="Europe/London")
    upcoming = JamFactory.upcoming(title="Upcoming Jam")
    team = TeamFactory(jam=running, name="Lanterns", created_by=person)
    EntryFactory(team=team, state=Entry.State.DRAFT, submitted_at=None)
    SignUpFactory(jam=upcoming, user=person)
    JamFactory.running(title="Not Mine")
    client.force_login(person)

    response = client.get("/me/jams/")

    html = text(response)
    rows = response.context["rows"]
    assert [row.jam.title for row in rows] == ["Upcoming Jam", "Running Jam"]
    assert [row.entry_state for row in rows] == ["No team yet", "Draft"]
    assert "Not Mine" not in html
    assert "Lanterns" in html
    deadline = running.submission_deadline
    offset = int(deadline.astimezone(running.tzinfo).utcoffset().total_seconds() // 60)
    element = f'<time datetime="{deadline.isoformat()}" data-local-time data-offset="{offset}">'
    assert f"Submissions due: {element}{format_jam_time(deadline, running)}</time>" in html


def test_my_jams_says_submitted_late(client):
    person = UserFactory()
    now = timezone.now()
    jam = JamFactory(
        starts_at=now - timedelta(days=2), submission_deadline=now - timedelta(minutes=5), grace_minutes=30
    )
    EntryFactory(team=TeamFactory(jam=jam, created_by=person), is_late=True)
    client.force_login(person)

    (row,) = client.get("/me/jams/").context["rows"]

    assert row.entry_state == "Submitted late"
    assert row.next_label == "Late submissions close"
    assert row.next_at == jam.submissions_close_at


def test_my_jams_needs_login(client):
    response = client.get("/me/jams/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _jams_for(person, count: int) -> None:
    for _ in range(count):
        jam = JamFactory.running()
        EntryFactory(team=TeamFactory(jam=jam, created_by=person))


def test_my_jams_queries_do_not_grow_with_jams(client):
    one, many = UserFactory(), UserFactory()
    _jams_for(one, 1)
    _jams_for(many, 50)

    client.force_login(one)
    small = count_queries(lambda: client.get("/me/jams/"))
    client.force_login(many)
    large = count_queries(lambda: client.get("/me/jams/"))

    assert len(client.get("/me/jams/").context["rows"]) == 50
    assert small == large


def test_an_account_can_be_made_without_a_jam(client):
    response = client.post(
        "/accounts/signup/",
        {"display_name": "Ada", "email": "ada@example.com", "password": "analytical-engine-1843"},
        follow=True,
    )

    user = User.objects.get(email="ada@example.com")
    assert response.wsgi_request.user == user
    assert not SignUp.objects.filter(user=user).exists()
    assert response.redirect_chain[-1][0] == "/me/jams/"
    assert "Thanks, Ada! We've sent an email to ada@example.com: follow the link in it to confirm your address." in (
        text(response)
    )


def test_account_signup_refused_keeps_what_was_typed_and_says_why(client):
    response = client.post(
        "/accounts/signup/", {"display_name": "Ada", "email": "ada@example.com", "password": "short"}
    )

    html = text(response)
    assert response.status_code == 400
    assert "This password is too short. It must contain at least 8 characters." in html
    assert 'value="Ada"' in html
    assert 'value="ada@example.com"' in html
    assert "is-invalid" in html
    assert not User.objects.exists()


def test_account_signup_goes_back_to_a_local_next_only(client):
    data = {"display_name": "Ada", "email": "ada@example.com", "password": "analytical-engine-1843"}

    local = client.post("/accounts/signup/", {**data, "next": "/jams/x/"})
    client.logout()
    evil = client.post("/accounts/signup/", {**data, "email": "b@example.com", "next": "https://evil.example/"})

    assert local["Location"] == "/jams/x/"
    assert evil["Location"] == "/me/jams/"
