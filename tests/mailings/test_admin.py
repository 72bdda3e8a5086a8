"""The admin's announcement: write, preview (count and the first recipient's email), send;
read-only once sent."""

from __future__ import annotations

import html

import pytest
from django.utils.html import strip_tags

from mailings.models import Audience, Mailing
from outbox.models import OutboxItem
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/mailings/mailing/add/"


def text(response) -> str:
    """The page's words, as read: tags out, spaces collapsed."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


@pytest.fixture
def organizer(client):
    user = UserFactory(is_staff=True, is_superuser=True, display_name="Olivia Organizer")
    client.force_login(user)
    return user


def form(scene, **changes) -> dict:
    return {"jam": scene.jam.pk, "audience": Audience.NO_TEAM, "subject": "Find a team, {{ name }}",
            "body": "Hi {{ name }}, teams close on {{ deadline_local }}.", **changes}  # fmt: skip


def test_an_unknown_placeholder_is_a_form_error_and_the_text_stays_as_typed(client, organizer, scene):
    typed = "Hi {{ first_name }},\n\nTeams close soon."

    response = client.post(ADD, form(scene, body=typed))

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Unknown placeholder {{ first_name }}. You can use {{ name }}, {{ jam }}, {{ deadline_local }}." in page
    assert response.context["adminform"].form["body"].value() == typed
    assert Mailing.objects.count() == 0


def test_write_preview_send_then_read_only(client, organizer, scene, django_capture_on_commit_callbacks, mailoutbox):
    response = client.post(ADD, form(scene))
    mailing = Mailing.objects.get()
    preview = f"/admin/mailings/mailing/{mailing.pk}/preview/"
    assert (response.status_code, response.url, mailing.created_by) == (302, preview, organizer)

    shown = client.get(preview)
    page = text(shown)
    assert "To 1 person" in page  # alice; olga has no team either but unsubscribed
    assert "As Alice <alice@example.com> gets it" in page
    assert "Find a team, Alice" in page
    assert 'value="Send to 1 person"' in shown.content.decode()
    assert OutboxItem.objects.count() == 0 and mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(preview)
    change = f"/admin/mailings/mailing/{mailing.pk}/change/"
    assert (response.status_code, response.url) == (302, change)
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    mailing.refresh_from_db()
    assert (mailing.recipient_count, mailing.sent_at is not None) == (1, True)

    again = client.post(preview)  # a second click, or the back button
    read_only = client.get(change).content.decode()
    assert (again.status_code, again.url, OutboxItem.objects.count(), len(mailoutbox)) == (302, change, 1, 1)
    assert 'name="_save"' not in read_only
    assert "1 sent" in read_only
    assert client.post(change, form(scene, subject="Changed")).status_code == 403
    assert Mailing.objects.get().subject == "Find a team, {{ name }}"


def test_an_empty_audience_has_nothing_to_send(client, organizer, scene):
    client.post(ADD, form(scene, audience=Audience.WINNERS))  # results not published
    mailing = Mailing.objects.get()

    page = client.get(f"/admin/mailings/mailing/{mailing.pk}/preview/").content.decode()
    client.post(f"/admin/mailings/mailing/{mailing.pk}/preview/")

    assert "Nobody is in this audience yet" in page
    assert 'data-testid="mailing-send"' not in page
    assert OutboxItem.objects.count() == 0


def test_people_who_are_not_staff_get_nothing(client, scene):
    mailing = Mailing.objects.create(jam=scene.jam, audience=Audience.SIGNED_UP, subject="S", body="B")
    client.force_login(UserFactory())

    responses = [client.get(ADD), client.post(f"/admin/mailings/mailing/{mailing.pk}/preview/")]

    assert [r.status_code for r in responses] == [302, 302]
    assert all("/admin/login/" in r.url for r in responses)
    assert OutboxItem.objects.count() == 0
