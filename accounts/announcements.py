"""Turning organizers' announcements off (and on again) by a signed link in each one.

The link carries the account, signed with the site's key and a salt of its own; it does
not expire (an old announcement's link must still work) and needs no log-in. Following it
shows a button: a link scanner that opens every link in a mailbox must not unsubscribe
anyone. Mail clients' own "unsubscribe" (List-Unsubscribe with List-Unsubscribe-Post,
RFC 8058) posts to the same address and takes effect at once."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import User

SALT = "accounts.announcements-unsubscribe"

LINK_BROKEN = (
    "This unsubscribe link isn't one we sent, or it was cut short or changed on the way, "
    "so nothing was changed. Copy the whole link from the email and try again."
)
LINK_STALE = "This unsubscribe link is for an account that no longer exists, so there is nothing to change."


class UnsubscribeLinkError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def unsubscribe_token_make(*, user: User) -> str:
    return signing.dumps({"user": user.pk}, salt=SALT)


def unsubscribe_url(*, user: User) -> str:
    return settings.SITE_URL + reverse("announcements_unsubscribe", kwargs={"token": unsubscribe_token_make(user=user)})


def unsubscribe_token_read(token: str) -> User:
    """The account a link is for; UnsubscribeLinkError with what to tell the person."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise UnsubscribeLinkError(LINK_BROKEN) from None
    user = User.objects.filter(pk=payload.get("user") if isinstance(payload, dict) else None).first()
    if user is None:
        raise UnsubscribeLinkError(LINK_STALE)
    return user
