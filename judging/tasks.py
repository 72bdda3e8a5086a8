from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from jams.models import Jam

from .services import assignments_make

logger = logging.getLogger(__name__)

# The judges' invitations and the results announcement are outbox items (outbox/).


@shared_task
def judging_open_task() -> int:
    """Periodic (beat): assign judges for every jam whose judging has just opened."""
    now = timezone.now()
    rubric = Jam.objects.filter(assignments_made_at__isnull=True, judging_mode=Jam.JudgingMode.RUBRIC)
    due = [jam for jam in rubric if jam.judging_open_at(now)]
    for jam in due:
        added = assignments_make(jam=jam)
        logger.info("Judging opened for %s: %s assignments.", jam.slug, added)
    return len(due)
