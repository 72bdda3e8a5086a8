from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.utils import timezone

from jams.models import Jam

from .services import assignments_make, judge_invite_send, results_announce

logger = logging.getLogger(__name__)

RETRY = {"retry_backoff": 30, "retry_backoff_max": 30 * 60, "retry_jitter": True, "max_retries": 8}


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), **RETRY)
def judge_invite_task(*, judge_id: int) -> bool:
    sent = judge_invite_send(judge_id=judge_id)
    if not sent:
        logger.info("Judge %s: no invitation to send (gone or already invited).", judge_id)
    return sent


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), **RETRY)
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
