"""Proving an email address: a signed link sent to it. Nothing is stored: the link carries
the account, the address it was sent to and where to go next, signed with the site's key
and a salt of its own, and is good for VERIFY_LINK_MAX_AGE from when the email is sent.

The emails go through the outbox (a row recorded with the change, sent by a worker) and
are made when they are sent, as the password-reset email is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .models import User

SALT = "accounts.email-verification"
VERIFY_LINK_MAX_AGE = timedelta(days=7)

LINK_EXPIRED = (
    "This link has expired: links to confirm an email address last 7 days. "
    "Log in and ask for a new one; it comes by email at once."
)
LINK_BROKEN = (
    "This link isn't one we sent, or it was cut short or changed on the way. "
    "Copy the whole link from the email, or log in and ask for a new one."
)
LINK_STALE = (
    "This link was for an address its account no longer has, or an account that is closed. "
    "Log in and ask for a new link to the account's address."
)


class VerificationLinkError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class VerificationLink:
    user: User
    next_url: str


def safe_next(next_url: str) -> str:
    """A path on this site, or nothing."""
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None) and next_url.startswith("/"):
        return next_url
    return ""


def verification_token_make(*, user: User, next_url: str = "") -> str:
    payload = {"user": user.pk, "email": user.email.lower(), "next": safe_next(next_url)}
    return signing.dumps(payload, salt=SALT, compress=True)


def verification_token_read(token: str) -> VerificationLink:
    """The account and next page a link names; VerificationLinkError with what went wrong
    when it is expired, altered, or for an address the account no longer has."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=VERIFY_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise VerificationLinkError(LINK_EXPIRED) from None
    except signing.BadSignature:
        raise VerificationLinkError(LINK_BROKEN) from None
    if not isinstance(payload, dict):
        raise VerificationLinkError(LINK_BROKEN)
    user = User.objects.filter(pk=payload.get("user"), is_active=True).first()
    if user is None or user.email.lower() != payload.get("email"):
        raise VerificationLinkError(LINK_STALE)
    return VerificationLink(user=user, next_url=safe_next(str(payload.get("next") or "")))


def verification_url(*, user: User, next_url: str = "") -> str:
    token = verification_token_make(user=user, next_url=next_url)
    return settings.SITE_URL + reverse("email_verify", kwargs={"token": token})


# Emails (outbox handlers) ------------------------------------------------------------


def _message(template: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    subject = render_to_string(f"emails/accounts/{template}_subject.txt", context).strip()
    text = render_to_string(f"emails/accounts/{template}_body.txt", context)
    html = render_to_string(f"emails/accounts/{template}_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    return message


def email_verification_send(*, user_id: int, next_url: str = "") -> bool:
    """Send a link that confirms the account's address. Nothing is sent when the account
    is gone, closed, or already verified; SMTP errors propagate for the outbox to retry."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.email_verified:
        return False
    context = {"user": user, "verify_url": verification_url(user=user, next_url=next_url), "days": 7}
    _message("verify_email", context, [user.email]).send()
    return True


def signup_attempt_send(*, user_id: int) -> bool:
    """Tell an account's owner that someone tried to make a new account with their address
    (the sign-up forms answer that person as they answer anyone, saying nothing of the
    account)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    context = {
        "user": user,
        "login_url": settings.SITE_URL + reverse("login"),
        "reset_url": settings.SITE_URL + reverse("password_reset"),
    }
    _message("signup_attempt", context, [user.email]).send()
    return True
