import re

import pytest
from django.core import mail

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_password_reset_sends_a_working_link(client):
    user = UserFactory(email="lucy@example.com")

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
