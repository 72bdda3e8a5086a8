from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError
from celery import shared_task

from hackathon.celery import EMAIL_ERRORS, RETRY_WITH_BACKOFF

from .direct_uploads import uploads_purge_unattached
from .services import entry_change_notify, entry_notify
from .slides import entry_slide_pages_make
from .thumbnails import entry_thumbnails_make

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=EMAIL_ERRORS, **RETRY_WITH_BACKOFF)
def entry_notify_task(*, entry_id: int) -> bool:
    sent = entry_notify(entry_id=entry_id)
    if not sent:
        logger.info("Entry %s: no confirmation to send (gone, a draft, or already sent).", entry_id)
    return sent


@shared_task(autoretry_for=EMAIL_ERRORS, **RETRY_WITH_BACKOFF)
def entry_change_notify_task(*, entry_id: int, version: int, editor_id: int) -> bool:
    sent = entry_change_notify(entry_id=entry_id, version=version, editor_id=editor_id)
    if not sent:
        logger.info(
            "Entry %s v%s: no change note to send (gone, already sent, or one within the hour).", entry_id, version
        )
    return sent


@shared_task(autoretry_for=(BotoCoreError, ClientError, OSError), **RETRY_WITH_BACKOFF)
def entry_thumbnails_task(*, entry_id: int) -> bool:
    made = entry_thumbnails_make(entry_id=entry_id)
    if not made:
        logger.info("Entry %s: no thumbnails to make (gone, no image, or already made).", entry_id)
    return made


@shared_task(autoretry_for=(BotoCoreError, ClientError, OSError), **RETRY_WITH_BACKOFF)
def entry_slide_pages_task(*, entry_id: int) -> bool:
    made = entry_slide_pages_make(entry_id=entry_id)
    if not made:
        logger.info("Entry %s: no slide pages to make (gone, no new slides, or already made).", entry_id)
    return made


@shared_task
def uploads_purge_task() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): delete direct uploads never attached, after 24 h."""
    return len(uploads_purge_unattached())
