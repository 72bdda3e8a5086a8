from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from hackathon.celery import EMAIL_ERRORS, RETRY_WITH_BACKOFF
from jams.models import Jam

from .services import assignments_make, judge_invite_send, results_announce

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=EMAIL_ERRORS, **RETRY_WITH_BACKOFF)
def judge_invite_task(*, judge_id: int) -> bool:
    sent = judge_invite_send(judge_id=judge_id)
    if not sent:
        logger.info("Judge %s: no invitation to send (gone or already invited).", judge_id)
    return sent


@shared_task(autoretry_for=EMAIL_ERRORS, **RETRY_WITH_BACKOFF)
def results_announce_task(*, jam_id: int) -> int:
    return results_announce(jam_id=jam_id)


@shared_task
def judging_open_task() -> int:
    """Periodic (beat): assign judges for every jam whose judging has just opened."""
    now = timezone.now()
    due = [jam for jam in Jam.objects.filter(assignments_made_at__isnull=True) if jam.judging_open_at(now)]
    for jam in due:
        added = assignments_make(jam=jam)
        logger.info("Judging opened for %s: %s assignments.", jam.slug, added)
    return len(due)
