"""The link that accepts an invitation to judge, sent to an existing account's address.

Nothing is stored: the link carries the judge and the address it was sent to, signed with
the site's key and a salt of its own. Following it proves that address too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

from jams.models import Jam

from .models import Judge

SALT = "judging.judge-accept"
ACCEPT_LINK_MAX_AGE = timedelta(days=30)

LINK_EXPIRED = (
    "This invitation link has expired: they last 30 days. Log in and accept on your judge page, "
    "or ask the organizers to add you again."
)
LINK_BROKEN = (
    "This link isn't one we sent, or it was cut short or changed on the way. Copy the whole link from the email."
)
LINK_STALE = (
    "This invitation no longer stands: the organizers took you off judging, "
    "or the account's address has changed since it was sent."
)


class InvitationLinkError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Invitation:
    judge: Judge
    email: str  # the address the link was sent to


def accept_token_make(*, judge: Judge) -> str:
    return signing.dumps({"judge": judge.pk, "email": judge.user.email.lower()}, salt=SALT)


def accept_token_read(token: str, *, jam: Jam) -> Invitation:
    """The invitation a link names, for this jam; InvitationLinkError saying what is wrong
    when it is expired, altered, or no longer stands."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=ACCEPT_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise InvitationLinkError(LINK_EXPIRED) from None
    except signing.BadSignature:
        raise InvitationLinkError(LINK_BROKEN) from None
    if not isinstance(payload, dict):
        raise InvitationLinkError(LINK_BROKEN)
    judge = Judge.objects.select_related("jam", "user").filter(pk=payload.get("judge"), jam=jam).first()
    if judge is None or judge.removed_at is not None or judge.user.email.lower() != payload.get("email"):
        raise InvitationLinkError(LINK_STALE)
    return Invitation(judge=judge, email=payload["email"])
