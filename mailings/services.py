"""Write, send and deliver an organizer's mailing (mailings/models.py)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from jams.models import Jam
from outbox.services import outbox_add_many

from .emails import PLACEHOLDERS, mailing_message, unknown_placeholders
from .models import Delivery, Mailing
from .selectors import ANNOUNCEMENT_KIND, audience_users

logger = logging.getLogger(__name__)

# Outbox rows recorded per insert; each batch is handed to the broker over one connection
# once the mailing commits (outbox_add_many).
BATCH_SIZE = 500


class AlreadySent(ValidationError):
    pass


def placeholders_check(*, subject: str, body: str) -> None:
    """ValidationError naming each field's unknown placeholders and the ones there are."""
    known = ", ".join("{{ %s }}" % name for name in PLACEHOLDERS)  # noqa: UP031 - braces in the text
    errors = {}
    for field, text in (("subject", subject), ("body", body)):
        unknown = unknown_placeholders(text)
        if unknown:
            names = ", ".join("{{ %s }}" % name for name in unknown)  # noqa: UP031
            errors[field] = f"Unknown placeholder{'s' if len(unknown) > 1 else ''} {names}. You can use {known}."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def mailing_create(*, jam: Jam, audience: str, subject: str, body: str, created_by: User | None) -> Mailing:
    """A mailing not sent yet (the admin previews it before sending)."""
    placeholders_check(subject=subject, body=body)
    return Mailing.objects.create(jam=jam, audience=audience, subject=subject, body=body, created_by=created_by)


@transaction.atomic
def mailing_send(*, mailing: Mailing, now: datetime | None = None) -> int:
    """Send a mailing once: record one outbox email per person of its audience (without
    those who turned announcements off), in batches, queued when this commits. Returns
    how many. A mailing already sent raises AlreadySent (a second click does nothing)."""
    locked = Mailing.objects.select_for_update().select_related("jam").get(pk=mailing.pk)
    if locked.sent_at is not None:
        raise AlreadySent(
            f"“{locked.subject}” was already sent, to {locked.recipient_count} people; nothing was sent again."
        )
    placeholders_check(subject=locked.subject, body=locked.body)
    people = list(audience_users(jam=locked.jam, audience=locked.audience).values_list("pk", "email"))
    for start in range(0, len(people), BATCH_SIZE):
        outbox_add_many(
            kind=ANNOUNCEMENT_KIND,
            handler="mailings.services.mailing_deliver",
            items=[
                ({"mailing_id": locked.pk, "user_id": user_id}, [email])
                for user_id, email in people[start : start + BATCH_SIZE]
            ],
            jam_id=locked.jam_id,
        )
    locked.sent_at, locked.recipient_count = now or timezone.now(), len(people)
    locked.save(update_fields=["sent_at", "recipient_count"])
    mailing.sent_at, mailing.recipient_count = locked.sent_at, locked.recipient_count
    return len(people)


def mailing_deliver(*, mailing_id: int, user_id: int) -> bool:
    """The outbox's handler: email one person one mailing, once. The Delivery row is
    written in the transaction of the send: a failed send leaves none (the outbox retries),
    and a second run finds it and sends nothing. Someone who unsubscribed after it was
    queued gets nothing. Returns whether this call sent."""
    mailing = Mailing.objects.select_related("jam").filter(pk=mailing_id, sent_at__isnull=False).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if mailing is None or user is None:
        return False
    if user.announcements_opt_out:
        logger.info("Mailing %s: %s unsubscribed meanwhile; not sent.", mailing_id, user_id)
        return False
    with transaction.atomic():
        _, created = Delivery.objects.get_or_create(mailing=mailing, user=user)
        if created:
            mailing_message(subject=mailing.subject, body=mailing.body, jam=mailing.jam, user=user).send()
    return created
