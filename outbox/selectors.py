"""Reads of the outbox for the people who watch it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from .heartbeat import ANSWERED_WITHIN_SECONDS, worker_heartbeat_last
from .models import OutboxItem

FAILED_WITHIN = timedelta(hours=24)


def failed_recently_q(*, now: datetime | None = None) -> Q:
    """Items that failed or gave up, their last try within FAILED_WITHIN of `now`: the
    health panel's count and the admin list's "failed" filter it links to."""
    since = (now or timezone.now()) - FAILED_WITHIN
    return Q(state__in=[OutboxItem.State.FAILED, OutboxItem.State.GAVE_UP], failed_at__gte=since)


@dataclass(frozen=True)
class OutboxHealth:
    now: datetime
    queued: int  # waiting for their first run, or queued again by "retry"
    failed_recently: int  # failed or gave up, their last try in the last 24 hours
    oldest_queued_at: datetime | None
    worker_answered_at: datetime | None  # the last heartbeat of any worker, in the last day

    @property
    def oldest_queued_seconds(self) -> float | None:
        if self.oldest_queued_at is None:
            return None
        return max(0.0, (self.now - self.oldest_queued_at).total_seconds())

    @property
    def worker_answered_seconds(self) -> float | None:
        if self.worker_answered_at is None:
            return None
        return max(0.0, (self.now - self.worker_answered_at).total_seconds())

    @property
    def worker_up(self) -> bool:
        seconds = self.worker_answered_seconds
        return seconds is not None and seconds <= ANSWERED_WITHIN_SECONDS


def outbox_health(*, now: datetime | None = None) -> OutboxHealth:
    """The admin's health figures: one query (the rows queued or failed lately, through
    their partial indexes) and one cache read (the workers' heartbeat)."""
    now = now or timezone.now()
    since = now - FAILED_WITHIN
    queued = Q(state=OutboxItem.State.QUEUED)
    failed = failed_recently_q(now=now)
    figures = OutboxItem.objects.filter(queued | Q(failed_at__gte=since)).aggregate(
        queued=Count("pk", filter=queued),
        failed=Count("pk", filter=failed),
        oldest=Min("created_at", filter=queued),
    )
    return OutboxHealth(
        now=now,
        queued=figures["queued"],
        failed_recently=figures["failed"],
        oldest_queued_at=figures["oldest"],
        worker_answered_at=worker_heartbeat_last(),
    )
