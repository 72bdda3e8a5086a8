import re
from datetime import timedelta

import pytest
from django.core import mail

from tests.factories import UserFactory

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
