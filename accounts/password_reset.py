"""The password-reset email, sent by the outbox's worker rather than inside the request:
an SMTP server that is down then delays it (retried, with back-off) instead of losing it.

The link's token is made when the email is sent, so no token is ever stored; it is valid
from then, for PASSWORD_RESET_TIMEOUT, as Django's own."""

from __future__ import annotations

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from outbox.services import outbox_add

from .models import User

SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
BODY_TEMPLATE = "registration/password_reset_email.html"  # plain text, despite the name (Django's)


class OutboxPasswordResetForm(PasswordResetForm):
    def save(self, domain_override=None, use_https=False, request=None, **kwargs) -> None:
        """Record the email for each active account with that address (Django's rules);
        the answer is the same whether there is one or not."""
        email = self.cleaned_data["email"]
        site = get_current_site(request)
        domain = domain_override or site.domain
        for user in self.get_users(email):
            outbox_add(
                kind="Password reset",
                handler="accounts.password_reset.password_reset_send",
                args={"user_id": user.pk, "domain": domain, "site_name": site.name, "use_https": use_https},
                recipients=[user.email],
            )


def password_reset_send(*, user_id: int, domain: str, site_name: str, use_https: bool) -> bool:
    """Send one reset link; SMTP errors propagate for the outbox to retry. Returns False,
    sending nothing, when the account is gone or no longer active."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": site_name,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    subject = "".join(loader.render_to_string(SUBJECT_TEMPLATE, context).splitlines())
    body = loader.render_to_string(BODY_TEMPLATE, context)
    EmailMultiAlternatives(subject, body, to=[user.email]).send()
    return True
