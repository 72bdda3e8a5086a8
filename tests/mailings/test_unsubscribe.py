"""The unsubscribe link in each announcement: signed, no log-in; a bad one changes nothing;
people who unsubscribed still get the emails about their own things."""

from __future__ import annotations

import html

import pytest
from django.core import signing

from accounts.announcements import SALT, unsubscribe_token_make, unsubscribe_url
from jams.services import signup_create
from judging.services import judge_add, results_publish
from mailings.models import Audience
from mailings.services import mailing_create, mailing_send
from submissions.services import entry_notify
from tests.factories import EntryFactory, JamFactory, SignUpFactory, UserFactory

pytestmark = pytest.mark.django_db


def path_of(user) -> str:
    return unsubscribe_url(user=user).split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def test_the_link_shows_a_button_and_changes_nothing_until_it_is_pressed(client):
    user = UserFactory()

    response = client.get(path_of(user))

    user.refresh_from_db()
    assert response.status_code == 200
    assert "Stop announcement emails" in response.content.decode()
    assert user.announcements_opt_out is False


def test_pressing_it_unsubscribes_without_logging_in_and_offers_to_resubscribe(client):
    user = UserFactory(email="ada@example.com")

    response = client.post(path_of(user), {"action": "unsubscribe"})

    user.refresh_from_db()
    page = html.unescape(response.content.decode())
    assert (response.status_code, user.announcements_opt_out) == (200, True)
    assert "organizers' announcements are turned off for ada@example.com" in page
    assert "Send me announcements again" in page

    client.post(path_of(user), {"action": "resubscribe"})
    user.refresh_from_db()
    assert user.announcements_opt_out is False


def test_a_mail_clients_one_click_post_unsubscribes(client):
    user = UserFactory()
    client.handler.enforce_csrf_checks = True  # as a mail provider posts: no cookie, no token

    response = client.post(
        path_of(user), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    user.refresh_from_db()
    assert (response.status_code, user.announcements_opt_out) == (200, True)


@pytest.mark.parametrize("tamper", ["changed", "other salt", "garbage"])
def test_a_bad_or_tampered_link_says_so_and_changes_nothing(client, tamper):
    user, other = UserFactory(), UserFactory()
    good = unsubscribe_token_make(user=user)
    token = {
        "changed": signing.dumps({"user": other.pk}, salt=SALT)[:-2] + good[-2:],  # other's id, user's signature
        "other salt": signing.dumps({"user": other.pk}, salt="accounts.email-verification"),
        "garbage": "not-a-token",
    }[tamper]

    response = client.post(f"/accounts/announcements/{token}/", {"action": "unsubscribe"})

    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "This unsubscribe link isn't one we sent" in page
    assert "nothing was changed" in page
    assert [u.announcements_opt_out for u in (user, other) if not u.refresh_from_db()] == [False, False]


def test_unsubscribed_people_get_no_announcement_but_every_email_about_their_own_things(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    jam = JamFactory.running(title="Evals Jam")
    person = UserFactory(email="nora@example.com", announcements_opt_out=True)
    stays = SignUpFactory(jam=jam).user
    with django_capture_on_commit_callbacks(execute=True):
        signup_create(jam=jam, user=person)  # sign-up confirmation
        mailing_send(mailing=mailing_create(jam=jam, audience=Audience.SIGNED_UP, subject="News", body="Hi {{ name }}",
                                            created_by=None))  # fmt: skip
        judge_add(jam=JamFactory.judging(), email=person.email)  # judge invitation
    entry = EntryFactory(team__jam=jam, team__created_by=person)
    entry_notify(entry_id=entry.pk)  # the entry's confirmation
    with django_capture_on_commit_callbacks(execute=True):
        results_publish(jam=jam)  # results notice
        client.post("/accounts/password_reset/", {"email": person.email})  # password reset

    to_person = sorted(m.subject for m in mailoutbox if m.to == [person.email])
    to_others = [m.subject for m in mailoutbox if m.to == [stays.email] and m.subject == "News"]
    assert to_others == ["News"]  # the announcement went, but not to nora
    assert "News" not in to_person
    assert len(to_person) == 5, to_person
