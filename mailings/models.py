"""An organizer's message to an audience of one jam (the admin writes, previews and sends
it) and the record of who got it.

The emails themselves are outbox rows, one per recipient (outbox/models.py): the outbox
holds their state, tries and errors. A Delivery row is written in the same transaction as
the email is sent, so a second run for the same person finds it and sends nothing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from jams.models import Jam


class Audience(models.TextChoices):
    SIGNED_UP = "signed_up", "Everyone signed up"
    NO_TEAM = "no_team", "Signed up without a team"
    NOT_SUBMITTED = "not_submitted", "Signed up without a submitted entry"
    DRAFT = "draft", "Teams with a draft but no submitted entry"
    SUBMITTED = "submitted", "Teams that submitted"
    JUDGES_BEHIND = "judges_behind", "Judges with reviews left"
    WINNERS = "winners", "Winners (once the results are published)"


class Mailing(models.Model):
    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="+")
    audience = models.CharField(
        max_length=20,
        choices=Audience.choices,
        help_text="“Without a submitted entry”: no team, or their team hasn't submitted. "
        "Winners: the members of teams with a prize. Nobody who turned announcements off is emailed.",
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(
        help_text=(
            "Markdown. Placeholders: {{ name }}, {{ jam }}, "
            "{{ deadline_local }} (the deadline in the jam's time zone and in UTC)."
        )
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Set when its emails were recorded in the outbox: a mailing is sent once, then read-only.
    sent_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "announcement"

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """One person got one mailing: written with the send, in its transaction."""

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailing", "user"], name="mailing_delivery_once")]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.mailing} → {self.user}"
