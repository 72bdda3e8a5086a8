"""Limits on guessing passwords and on sign-ups and reset requests (accounts/throttling.py):
per account and per address, 429 with a clear message, the right password refused while
locked, a reset that still works and unlocks."""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import RequestFactory

from accounts.models import User
from accounts.throttling import client_ip
from jams.models import SignUp
from tests.factories import PASSWORD, JamFactory, UserFactory

pytestmark = pytest.mark.django_db

LOCKED = "Too many attempts. Try again in 15 minutes, or reset your password."
ADDRESS = "10.1.1.1"
OTHER_ADDRESS = "10.2.2.2"
NEW_PASSWORD = "a-fresh-password-91"


def log_in(client, email: str, password: str, address: str = ADDRESS, **extra):
    return client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address, **extra)


def fail_logins(client, email: str, times: int, address: str = ADDRESS) -> list[int]:
    return [log_in(client, email, "not-the-password", address).status_code for _ in range(times)]


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def sign_up(client, email: str, password: str = NEW_PASSWORD, address: str = ADDRESS):
    data = {"display_name": "Ada Lovelace", "email": email, "password": password}
    return client.post("/accounts/signup/", data, REMOTE_ADDR=address)


# Log-in: per account -----------------------------------------------------------------------


def test_login_locks_an_account_after_five_wrong_passwords(client):
    user = UserFactory(email="ann@example.com")

    statuses = fail_logins(client, user.email, 5)
    right = log_in(client, user.email, PASSWORD)

    assert statuses == [200, 200, 200, 200, 429]
    assert right.status_code == 429  # the right password too, while locked
    assert not signed_in(client)
    html = right.content.decode()
    assert LOCKED in html
    assert 'value="ann@example.com"' in html  # what was typed is kept
    assert "Forgot your password?" in html
    assert right["Retry-After"] == "900"


def test_login_an_account_locked_from_one_address_is_locked_from_any(client):
    user = UserFactory()
    fail_logins(client, user.email, 5, address=ADDRESS)

    response = log_in(client, user.email, PASSWORD, address=OTHER_ADDRESS)

    assert response.status_code == 429
    assert not signed_in(client)


def test_login_the_account_count_ignores_the_case_of_the_address(client):
    user = UserFactory(email="bo@example.com")
    for email in ("BO@example.com", "Bo@Example.com", " bo@EXAMPLE.com", "bO@example.COM", "bo@example.com"):
        log_in(client, email, "not-the-password")

    response = log_in(client, user.email, PASSWORD, address=OTHER_ADDRESS)

    assert response.status_code == 429


def test_login_four_failures_then_the_right_password_gets_in_and_clears_the_count(client):
    user = UserFactory()
    fail_logins(client, user.email, 4)

    first = log_in(client, user.email, PASSWORD)
    client.post("/accounts/logout/")
    again = fail_logins(client, user.email, 4)
    second = log_in(client, user.email, PASSWORD)

    assert first.status_code == 302
    assert again == [200, 200, 200, 200]  # counted afresh
    assert second.status_code == 302
    assert signed_in(client)


def test_login_a_lock_ends_after_the_cool_off(client, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    user = UserFactory()
    fail_logins(client, user.email, 5)
    assert log_in(client, user.email, PASSWORD).status_code == 429

    time.sleep(1.2)
    response = log_in(client, user.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_login_the_admin_log_in_is_limited_too(client):
    staff = UserFactory(is_staff=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": staff.email, "password": "wrong"}, REMOTE_ADDR=ADDRESS)

    response = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD}, REMOTE_ADDR=ADDRESS)

    assert response.status_code == 429
    assert not signed_in(client)


def test_login_an_account_is_unlocked_by_the_axes_command(client):
    from django.core.management import call_command

    user = UserFactory(email="eve@example.com")
    fail_logins(client, user.email, 5)

    call_command("axes_reset_username", "Eve@Example.com", stdout=io.StringIO())
    response = log_in(client, user.email, PASSWORD)

    assert response.status_code == 302


# Log-in: per address -----------------------------------------------------------------------


def test_login_an_address_locks_after_thirty_failures_on_any_accounts(client):
    user = UserFactory()
    statuses = [log_in(client, f"guess{n}@example.com", "not-the-password").status_code for n in range(30)]

    here = log_in(client, user.email, PASSWORD, address=ADDRESS)
    elsewhere = log_in(client, user.email, PASSWORD, address=OTHER_ADDRESS)

    assert statuses[:29] == [200] * 29  # no account reached its own limit
    assert statuses[29] == 429
    assert here.status_code == 429
    assert elsewhere.status_code == 302


def test_login_failures_with_an_ip_address_for_a_username_do_not_count_against_that_address(client):
    user = UserFactory()
    for _ in range(30):
        log_in(client, OTHER_ADDRESS, "not-the-password", address=ADDRESS)

    response = log_in(client, user.email, PASSWORD, address=OTHER_ADDRESS)

    assert response.status_code == 302


def test_login_behind_the_proxy_the_address_is_the_one_it_saw(client, settings):
    """Behind nginx (TRUSTED_PROXY_COUNT=1) the client is the right-most X-Forwarded-For
    entry, which nginx appends: writing one's own entries changes nothing."""
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    for n in range(30):
        forwarded = f"203.0.113.{n}, {ADDRESS}"  # a new made-up address each time, then nginx's
        log_in(client, f"guess{n}@example.com", "wrong", address="172.18.0.5", HTTP_X_FORWARDED_FOR=forwarded)

    same_client = log_in(client, user.email, PASSWORD, address="172.18.0.5", HTTP_X_FORWARDED_FOR=ADDRESS)
    other_client = log_in(client, user.email, PASSWORD, address="172.18.0.5", HTTP_X_FORWARDED_FOR=OTHER_ADDRESS)

    assert same_client.status_code == 429
    assert other_client.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "192.0.2.1"),
        (0, "198.51.100.7", "192.0.2.1"),  # nothing in front: the header is anyone's
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (1, "", "192.0.2.1"),  # not through the proxy: the connection's own
    ],
)
def test_client_ip(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


# Resetting the password while locked ---------------------------------------------------------


def test_a_locked_out_person_can_reset_their_password_and_the_reset_unlocks(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="cy@example.com")
    fail_logins(client, user.email, 5)

    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post("/accounts/password_reset/", {"email": user.email}, REMOTE_ADDR=ADDRESS)
    (message,) = mail.outbox
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "new-secret-8812", "new_password2": "new-secret-8812"}
    )
    response = log_in(client, user.email, "new-secret-8812")

    assert asked.status_code == 302
    assert response.status_code == 302
    assert signed_in(client)


def test_password_reset_requests_are_limited_per_address(client):
    UserFactory(email="di@example.com")

    statuses = [
        client.post("/accounts/password_reset/", {"email": "di@example.com"}, REMOTE_ADDR=ADDRESS).status_code
        for _ in range(10)
    ]
    refused = client.post("/accounts/password_reset/", {"email": "di@example.com"}, REMOTE_ADDR=ADDRESS)
    elsewhere = client.post("/accounts/password_reset/", {"email": "di@example.com"}, REMOTE_ADDR=OTHER_ADDRESS)

    assert statuses == [302] * 10
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Too many password-reset requests from your network. Try again in 15 minutes." in html
    assert 'value="di@example.com"' in html
    assert elsewhere.status_code == 302


# Sign-up --------------------------------------------------------------------------------


def test_signup_is_limited_per_address(client):
    statuses = []
    for n in range(20):
        statuses.append(sign_up(client, f"new{n}@example.com").status_code)
        client.post("/accounts/logout/")

    refused = sign_up(client, "one-too-many@example.com")
    elsewhere = sign_up(client, "elsewhere@example.com", address=OTHER_ADDRESS)

    assert statuses == [302] * 20
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Too many sign-ups from your network. Try again in 15 minutes." in html
    assert 'value="one-too-many@example.com"' in html
    assert 'value="Ada Lovelace"' in html
    assert not User.objects.filter(email="one-too-many@example.com").exists()
    assert elsewhere.status_code == 302


def test_signup_for_a_locked_address_is_refused_the_same_whether_it_has_an_account(client):
    UserFactory(email="taken@example.com")
    fail_logins(client, "taken@example.com", 5, address=OTHER_ADDRESS)
    fail_logins(client, "free@example.com", 5, address=OTHER_ADDRESS)

    taken = sign_up(client, "taken@example.com", password=PASSWORD)  # even its own password
    free = sign_up(client, "free@example.com")

    assert (taken.status_code, free.status_code) == (429, 429)
    assert LOCKED in taken.content.decode()
    assert LOCKED in free.content.decode()
    assert not User.objects.filter(email="free@example.com").exists()
    assert not signed_in(client)


def test_signup_the_failure_that_locks_answers_as_a_new_address_would(client):
    """The fifth wrong password, given at the sign-up form, must not show the lock there:
    for an address without an account the same request makes one."""
    UserFactory(email="taken@example.com")
    fail_logins(client, "taken@example.com", 4, address=OTHER_ADDRESS)
    fail_logins(client, "free@example.com", 4, address=OTHER_ADDRESS)

    taken = sign_up(client, "taken@example.com", password="not-its-password-55")
    free = sign_up(client, "free@example.com")
    client.post("/accounts/logout/")
    next_time = sign_up(client, "taken@example.com", password=PASSWORD)

    assert (taken.status_code, taken["Location"]) == (free.status_code, free["Location"]) == (302, "/me/jams/")
    assert next_time.status_code == 429


def test_signup_inside_the_jam_form_is_refused_with_the_form_as_typed(client):
    jam = JamFactory.running()
    fail_logins(client, "late@example.com", 5)
    data = {"display_name": "Late Comer", "email": "late@example.com", "password": NEW_PASSWORD}

    response = client.post(f"/jams/{jam.slug}/signup/", {**data, "show_in_list": "on"}, REMOTE_ADDR=ADDRESS)

    html = response.content.decode()
    assert response.status_code == 429
    assert LOCKED in html
    assert 'value="Late Comer"' in html
    assert 'value="late@example.com"' in html
    assert not User.objects.filter(email="late@example.com").exists()
    assert not SignUp.objects.filter(jam=jam).exists()


def test_signup_inside_the_team_invite_form_is_refused_with_the_form_as_typed(client):
    from tests.factories import TeamFactory

    team = TeamFactory(jam=JamFactory.running(), name="Othello")
    fail_logins(client, "late@example.com", 5)
    data = {"display_name": "Late Comer", "email": "late@example.com", "password": NEW_PASSWORD}

    response = client.post(team.get_invite_url(), {**data, "show_in_list": "on"}, REMOTE_ADDR=ADDRESS)

    html = response.content.decode()
    assert response.status_code == 429
    assert LOCKED in html
    assert 'value="Late Comer"' in html
    assert "Othello" in html
    assert not User.objects.filter(email="late@example.com").exists()
