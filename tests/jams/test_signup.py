from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from jams.models import SignUp
from tests.factories import PASSWORD, JamFactory, SignUpFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

SUCCESS = "You have successfully been signed up! You should receive an email with further information."
CHECK_EMAIL = (
    "Thanks, Ada Lovelace! We've sent an email to ada@example.com: follow the link in it to confirm your address."
)


def signup_url(jam) -> str:
    return f"/jams/{jam.slug}/signup/"


def new_account(**overrides) -> dict:
    return {"display_name": "Ada Lovelace", "email": "ada@example.com", "password": "analytical-engine-1843",
            "show_in_list": "on", **overrides}  # fmt: skip


def test_signup_visitor_creates_account_and_is_signed_up_and_in(
    client, running_jam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(signup_url(running_jam), new_account(), follow=True)

    user = User.objects.get(email="ada@example.com")
    assert response.redirect_chain[-1][0] == running_jam.get_absolute_url() + "#signups"
    assert SignUp.objects.filter(jam=running_jam, user=user).count() == 1
    assert response.context["user"] == user
    html = unescape(response.content.decode())
    assert CHECK_EMAIL in html
    assert "You're signed up" in html
    assert "Ada Lovelace" in html.split('data-testid="signup-list"', 1)[1]
    assert sorted(m.subject for m in mail.outbox) == [
        "Confirm your email address for Alignment Jams",
        f"You're signed up for {running_jam.title}",
    ]
    assert user.email_verified is False


def test_signup_signed_in_person_confirms_in_one_click(client, running_jam, user):
    client.force_login(user)

    page = client.get(signup_url(running_jam)).content.decode()
    response = client.post(signup_url(running_jam), {"show_in_list": "on"}, follow=True)

    assert "You're signing up as" in unescape(page)
    assert 'name="password"' not in page
    assert SignUp.objects.filter(jam=running_jam, user=user).count() == 1
    assert SUCCESS in response.content.decode()


def test_signup_opting_out_keeps_the_name_off_the_list(client, running_jam, user):
    client.force_login(user)
    client.post(signup_url(running_jam), {})

    html = client.get(running_jam.get_absolute_url()).content.decode()

    assert SignUp.objects.get(jam=running_jam, user=user).show_in_list is False
    assert user.display_name not in html.split('id="signups"', 1)[1]
    assert "You're signed up (your name is hidden from the list)" in unescape(html)


def test_signup_twice_is_a_friendly_note_and_one_row(client, running_jam, user):
    SignUpFactory(jam=running_jam, user=user)
    client.force_login(user)

    response = client.post(signup_url(running_jam), {"show_in_list": "on"}, follow=True)

    assert f"You're already signed up for {running_jam.title}." in unescape(response.content.decode())
    assert SignUp.objects.filter(jam=running_jam, user=user).count() == 1


def test_signup_closed_is_refused_with_a_message_and_no_row(client, user):
    jam = JamFactory.running(signups_open=False)
    client.force_login(user)

    response = client.post(signup_url(jam), {"show_in_list": "on"})

    assert response.status_code == 403
    assert f"Sign-ups for {jam.title} are closed." in response.content.decode()
    assert not SignUp.objects.exists()


@pytest.mark.parametrize("factory", [JamFactory.judging, JamFactory.finished])
def test_signup_after_the_deadline_is_refused(client, factory):
    jam = factory()

    response = client.post(signup_url(jam), new_account())

    assert response.status_code == 403
    assert f"{jam.title} is over, so it no longer takes sign-ups." in response.content.decode()
    assert not SignUp.objects.exists()
    assert not User.objects.filter(email="ada@example.com").exists()


def test_signup_page_of_a_closed_jam_says_so_without_a_form(client):
    jam = JamFactory.finished()
    html = client.get(signup_url(jam)).content.decode()
    assert "no longer takes sign-ups" in html
    assert "signup-form" not in html


def test_signup_invalid_email_says_which_and_keeps_what_was_typed(client, running_jam):
    response = client.post(signup_url(running_jam), new_account(email="ada-at-example"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address." in html
    assert 'value="ada-at-example"' in html
    assert 'value="Ada Lovelace"' in html
    assert not User.objects.exists()
    assert not SignUp.objects.exists()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("84736251947", "This password is entirely numeric."),
    ],
)
def test_signup_weak_password_says_why_and_keeps_name_and_email(client, running_jam, password, message):
    response = client.post(signup_url(running_jam), new_account(password=password))

    html = response.content.decode()
    assert message in html
    assert 'value="ada@example.com"' in html
    assert 'value="Ada Lovelace"' in html
    assert not User.objects.exists()


def test_signup_with_an_email_that_has_an_account_and_another_password_changes_nothing(
    client, running_jam, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(signup_url(running_jam), new_account(email="ADA@example.com"), follow=True)

    assert CHECK_EMAIL.replace("ada@", "ADA@") in unescape(response.content.decode())  # as typed
    assert response.context["user"].is_anonymous
    assert not SignUp.objects.exists()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ada@example.com"], "Someone tried to make an account with your address")
    ]
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_signup_with_an_email_that_has_an_account_and_its_password_signs_it_in_and_up(client, running_jam):
    owner = UserFactory(email="ada@example.com")

    response = client.post(
        signup_url(running_jam), new_account(email="ADA@example.com", password=PASSWORD), follow=True
    )

    assert response.context["user"] == owner
    assert SignUp.objects.filter(jam=running_jam, user=owner).count() == 1
    assert f"You already have an account with this address, and that was its password: you're signed in. {SUCCESS}" in (
        unescape(response.content.decode())
    )


def test_signup_unknown_jam_is_404(client):
    assert client.post("/jams/nope/signup/", new_account()).status_code == 404


def test_login_with_email_is_case_insensitive(client):
    user = UserFactory(email="Grace@Example.com")
    response = client.post("/accounts/login/", {"username": "grace@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_closes_at_the_deadline_on_the_server(client, user):
    now = timezone.now()
    jam = JamFactory(starts_at=now - timedelta(days=2), submission_deadline=now - timedelta(seconds=1))
    client.force_login(user)
    client.post(signup_url(jam), {"show_in_list": "on"})
    assert not SignUp.objects.exists()
