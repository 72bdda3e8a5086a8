import io
import re
import time
from datetime import timedelta
from html import unescape
from unittest import mock

import pytest
from django.core import mail

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_password_reset_sends_a_working_link(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="lucy@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password_reset/", {"email": "lucy@example.com"}, follow=True)

    assert "Check your email" in response.content.decode()
    (message,) = mail.outbox
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand-new-secret-77", "new_password2": "brand-new-secret-77"},
        follow=True,
    )
    assert "Your password is set" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("brand-new-secret-77")


def test_logout_is_a_post_and_signs_out(client):
    client.force_login(UserFactory())
    response = client.post("/accounts/logout/", follow=True)
    assert response.context["user"].is_anonymous


def test_login_page_is_styled(client):
    html = client.get("/accounts/login/").content.decode()
    assert "vendor/bootstrap.min.css" in html
    assert "Forgot your password?" in html


def test_the_user_backend_reads_the_user_afresh_and_refuses_inactive_ones():
    from accounts.backends import UserBackend

    user = UserFactory(display_name="Before")
    backend = UserBackend()
    assert backend.get_user(user.pk).display_name == "Before"

    type(user).objects.filter(pk=user.pk).update(display_name="After")
    assert backend.get_user(user.pk).display_name == "After"  # nothing kept between requests
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None
    assert backend.get_user(user.pk + 1000) is None


def test_a_session_made_by_djangos_model_backend_still_works(client):
    from django.contrib.auth import BACKEND_SESSION_KEY

    user = UserFactory(display_name="Old Session")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.session[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"
    assert user.display_name in client.get("/").content.decode()


def test_the_user_backend_reads_every_field_as_djangos_model_backend_does():
    from django.contrib.auth.backends import ModelBackend
    from django.utils import timezone

    from accounts.backends import UserBackend

    user = UserFactory(is_staff=True)
    type(user).objects.filter(pk=user.pk).update(last_login=timezone.now())

    ours, django = UserBackend().get_user(user.pk), ModelBackend().get_user(user.pk)

    for field in type(user)._meta.concrete_fields:
        theirs = getattr(django, field.attname)
        assert getattr(ours, field.attname) == theirs, field.name
        assert type(getattr(ours, field.attname)) is type(theirs), field.name
    assert ours.last_login.tzinfo is not None
    assert not ours._state.adding


def test_password_reset_survives_smtp_being_down_and_is_sent_once(
    client, smtp_sink, settings, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from outbox.models import OutboxItem
    from outbox.services import outbox_sweep

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_sink.host, smtp_sink.port
    UserFactory(email="lucy@example.com")
    smtp_sink.refuse_next(1)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password_reset/", {"email": "lucy@example.com"}, follow=True)
    item = OutboxItem.objects.get(kind="Password reset")
    failed = (item.state, item.tries)
    with django_capture_on_commit_callbacks(execute=True):
        outbox_sweep(now=timezone.now() + timedelta(hours=1))  # SMTP is back; the back-off is over
        outbox_sweep(now=timezone.now() + timedelta(hours=2))  # a second sweep sends nothing twice
    item.refresh_from_db()

    assert "Check your email" in response.content.decode()
    assert failed == (OutboxItem.State.FAILED, 1)
    assert (item.state, item.recipients) == (OutboxItem.State.SENT, "lucy@example.com")
    assert smtp_sink.refused == 1
    assert [m["To"] for m in smtp_sink.messages] == ["lucy@example.com"]
    assert "/accounts/reset/" in smtp_sink.messages[0].get_payload()


def test_password_reset_for_an_unknown_address_records_nothing(client, django_capture_on_commit_callbacks):
    from outbox.models import OutboxItem

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"}, follow=True)

    assert "Check your email" in response.content.decode()
    assert OutboxItem.objects.count() == 0
    assert mail.outbox == []


# Verifying email addresses ------------------------------------------------------------

SIGNUP = {"display_name": "Ada", "email": "ada@example.com", "password": "analytical-engine-1843"}
VERIFY_SUBJECT = "Confirm your email address for Alignment Jams"


def verification_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/verify/[^/\s]+/)", message.body).group(1)


def test_signup_records_a_verification_email_whose_link_confirms_the_address(
    client, django_capture_on_commit_callbacks
):
    from accounts.models import User
    from outbox.models import OutboxItem

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", {**SIGNUP, "next": "/jams/x/"})
    user = User.objects.get(email="ada@example.com")
    item = OutboxItem.objects.get(kind="Email verification")
    unverified = user.email_verified
    (message,) = mail.outbox
    response = client.get(verification_link(message), follow=True)
    user.refresh_from_db()

    assert (item.args, item.recipients, item.state) == (
        {"user_id": user.pk, "next_url": "/jams/x/"},
        "ada@example.com",
        "sent",
    )
    assert unverified is False
    assert (message.to, message.subject) == (["ada@example.com"], VERIFY_SUBJECT)
    assert verification_link(message) in message.alternatives[0].content  # the HTML part has it too
    assert user.email_verified
    assert response.redirect_chain == [("/jams/x/", 302)]  # where they were going
    assert "Thank you: your email address, ada@example.com, is confirmed." in unescape(response.content.decode())


def test_a_verification_link_opened_signed_out_confirms_and_offers_to_log_in(client):
    from accounts.verification import verification_url

    user = UserFactory(unverified=True, email="ada@example.com")
    path = verification_url(user=user, next_url="/jams/x/").split("127.0.0.1:8000", 1)[1]

    response = client.get(path)
    user.refresh_from_db()

    assert response.status_code == 200
    assert user.email_verified
    assert response.wsgi_request.user.is_anonymous  # the link signs nobody in
    assert 'href="/accounts/login/?next=/jams/x/"' in response.content.decode()


def test_an_altered_verification_link_is_refused_and_says_why(client):
    from accounts.verification import LINK_BROKEN, verification_token_make

    user = UserFactory(unverified=True)
    token = verification_token_make(user=user)
    altered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    client.force_login(user)

    response = client.get(f"/accounts/verify/{altered}/")
    user.refresh_from_db()

    assert response.status_code == 400
    assert LINK_BROKEN in unescape(response.content.decode())
    assert "Email me a new link" in response.content.decode()
    assert not user.email_verified


def test_an_expired_verification_link_is_refused_and_says_why(client):
    from accounts.verification import LINK_EXPIRED, VERIFY_LINK_MAX_AGE, verification_token_make

    user = UserFactory(unverified=True)
    eight_days_ago = time.time() - VERIFY_LINK_MAX_AGE.total_seconds() - 60
    with mock.patch("time.time", return_value=eight_days_ago):
        token = verification_token_make(user=user)

    response = client.get(f"/accounts/verify/{token}/")
    user.refresh_from_db()

    assert response.status_code == 400
    assert LINK_EXPIRED in unescape(response.content.decode())
    assert not user.email_verified


def test_a_verification_link_for_an_address_the_account_no_longer_has_is_refused(client):
    from accounts.verification import LINK_STALE, verification_token_make

    user = UserFactory(unverified=True, email="old@example.com")
    token = verification_token_make(user=user)
    type(user).objects.filter(pk=user.pk).update(email="new@example.com")

    response = client.get(f"/accounts/verify/{token}/")

    assert response.status_code == 400
    assert LINK_STALE in unescape(response.content.decode())
    assert type(user).objects.get(pk=user.pk).email_verified_at is None


def test_a_verification_link_never_leads_off_the_site(client):
    from accounts.verification import verification_token_make

    user = UserFactory(unverified=True)
    client.force_login(user)
    token = verification_token_make(user=user, next_url="https://evil.example.com/")

    response = client.get(f"/accounts/verify/{token}/")

    assert response["Location"] == "/me/jams/"


def test_resend_sends_a_link_at_most_once_a_minute_and_none_once_verified(client, django_capture_on_commit_callbacks):
    from outbox.models import OutboxItem

    user = UserFactory(unverified=True, email="ada@example.com")
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/accounts/verify/send/", {"next": "/jams/x/judge/"}, follow=True)
        second = client.post("/accounts/verify/send/", {"next": "/jams/x/judge/"}, follow=True)
    client.get(verification_link(mail.outbox[0]))
    with django_capture_on_commit_callbacks(execute=True):
        third = client.post("/accounts/verify/send/", follow=True)

    assert first.redirect_chain[0] == ("/jams/x/judge/", 302)
    assert "We've sent a new link to ada@example.com. It works for 7 days." in unescape(first.content.decode())
    assert "We sent a link to ada@example.com less than a minute ago." in unescape(second.content.decode())
    assert "Your email address, ada@example.com, is already confirmed." in unescape(third.content.decode())
    assert OutboxItem.objects.filter(kind="Email verification").count() == 1
    assert [m.subject for m in mail.outbox] == [VERIFY_SUBJECT]


def test_resend_is_for_signed_in_people_and_a_post(client):
    anonymous = client.post("/accounts/verify/send/")
    client.force_login(UserFactory(unverified=True))
    get = client.get("/accounts/verify/send/")

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert get.status_code == 405


def test_the_verification_page_says_whether_the_address_is_confirmed(client):
    client.force_login(UserFactory(unverified=True, email="ada@example.com"))
    unverified = unescape(client.get("/accounts/verify/").content.decode())
    client.force_login(UserFactory(email="bob@example.com"))
    verified = unescape(client.get("/accounts/verify/").content.decode())

    assert "ada@example.com is not confirmed yet." in unverified
    assert "Email me a link to confirm my address" in unverified
    assert "bob@example.com is confirmed, since" in verified
    assert "Email me a link" not in verified


def test_setting_a_password_from_the_emailed_reset_link_confirms_the_address(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(unverified=True, email="lucy@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password_reset/", {"email": "lucy@example.com"})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand-new-secret-77", "new_password2": "brand-new-secret-77"},
    )
    user.refresh_from_db()

    assert user.check_password("brand-new-secret-77")
    assert user.email_verified


def test_the_email_verify_command_marks_an_address_verified():
    from django.core.management import call_command

    user = UserFactory(unverified=True, email="olivia@example.com")
    out = io.StringIO()

    call_command("email_verify", "OLIVIA@example.com", stdout=out)
    user.refresh_from_db()

    assert user.email_verified
    assert out.getvalue() == "olivia@example.com: verified.\n"


def test_createsuperuser_makes_a_verified_account():
    from accounts.models import User

    assert User.objects.create_superuser(email="root@example.com", password="x-y-z-1234").email_verified
    assert not User.objects.create_user(email="someone@example.com", password="x-y-z-1234").email_verified


# The same answer whether an address has an account -------------------------------------


def _forms():
    from tests.factories import JamFactory, TeamFactory

    jam = JamFactory.running()
    team = TeamFactory(jam=jam)
    fields = {**SIGNUP, "show_in_list": "on"}
    return {
        "account": ("/accounts/signup/", fields),
        "jam sign-up": (f"/jams/{jam.slug}/signup/", fields),
        "team invite": (team.get_invite_url(), fields),
    }


@pytest.mark.parametrize("form", ["account", "jam sign-up", "team invite"])
def test_each_sign_up_form_answers_byte_for_byte_the_same_whether_the_address_has_an_account(
    form, django_capture_on_commit_callbacks
):
    from django.contrib.messages import get_messages
    from django.test import Client

    from accounts.models import User

    url, fields = _forms()[form]
    new, taken = Client(), Client()

    with django_capture_on_commit_callbacks(execute=True):
        for_new = new.post(url, fields)
    User.objects.filter(email="ada@example.com").update(email="ada.first@example.com")
    owner = UserFactory(email="ada@example.com")  # now the address has an account, another password
    with django_capture_on_commit_callbacks(execute=True):
        for_taken = taken.post(url, fields)

    def answer(response):
        said = [(m.level, m.message) for m in get_messages(response.wsgi_request)]
        return response.status_code, response["Location"], said, response.content

    assert answer(for_new) == answer(for_taken)
    assert for_new.status_code == 302
    assert "_auth_user_id" not in taken.session  # nobody signed in to the owner's account
    assert [(m.to, m.subject) for m in mail.outbox if m.to == ["ada@example.com"]][-1] == (
        ["ada@example.com"],
        "Someone tried to make an account with your address",
    )
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_the_owner_hears_of_sign_up_attempts_at_most_once_an_hour(client, django_capture_on_commit_callbacks):
    from outbox.models import OutboxItem

    UserFactory(email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            client.post("/accounts/signup/", SIGNUP)

    assert OutboxItem.objects.filter(kind="Sign-up with an address that has an account").count() == 1
    assert len(mail.outbox) == 1
    assert "/accounts/password_reset/" in mail.outbox[0].body


def test_sign_up_with_an_accounts_own_password_signs_in_to_it(client):
    owner = UserFactory(email="ada@example.com")

    response = client.post("/accounts/signup/", {**SIGNUP, "password": PASSWORD}, follow=True)

    assert response.wsgi_request.user == owner
    assert "You already have an account with this address, and that was its password" in unescape(
        response.content.decode()
    )


# Staff powers need a verified address ---------------------------------------------------


def test_unverified_staff_get_no_admin_and_are_told_why_with_the_resend_button(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, unverified=True, email="olivia@example.com"))

    response = client.get("/admin/", follow=True)

    html = unescape(response.content.decode())
    assert response.status_code == 403
    assert "The admin needs a confirmed email address" in html
    assert "To use the admin, first confirm that <strong>olivia@example.com</strong> is your address" in html
    assert 'action="/accounts/verify/send/"' in html
    assert 'name="next" value="/admin/"' in html
    assert client.get("/admin/jams/jam/").status_code == 302


def test_verified_staff_get_the_admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200


def test_unverified_staff_do_not_see_other_teams_drafts(client):
    from submissions.models import Entry
    from tests.factories import EntryFactory

    draft = EntryFactory(state=Entry.State.DRAFT)
    client.force_login(UserFactory(is_staff=True, unverified=True))
    refused = client.get(draft.get_absolute_url()).status_code
    client.force_login(UserFactory(is_staff=True))
    shown = client.get(draft.get_absolute_url()).status_code

    assert (refused, shown) == (404, 200)


def test_changing_an_address_in_the_admin_makes_it_unverified_again(client):
    from accounts.models import User

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    person = UserFactory(email="old@example.com", display_name="Pat")
    page = client.get(f"/admin/accounts/user/{person.pk}/change/")
    data = {**page.context["adminform"].form.initial, "email": "new@example.com"}
    data = {k: v for k, v in data.items() if v is not None and k not in ("groups", "user_permissions", "password")}
    data["date_joined_0"], data["date_joined_1"] = person.date_joined.strftime("%Y-%m-%d"), "10:00:00"

    response = client.post(f"/admin/accounts/user/{person.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    person = User.objects.get(pk=person.pk)
    assert (person.email, person.email_verified_at) == ("new@example.com", None)


def test_the_admins_user_list_says_whose_address_is_confirmed(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, email="olivia@example.com"))
    UserFactory(unverified=True, email="pat@example.com")

    html = client.get("/admin/accounts/user/").content.decode()

    rows = {email: html.split(email, 1)[1].split("</tr>", 1)[0] for email in ("olivia@example.com", "pat@example.com")}
    assert "Email confirmed" in html
    assert 'alt="True"' in rows["olivia@example.com"]
    assert 'alt="False"' in rows["pat@example.com"]
