from __future__ import annotations

import logging

from celery import shared_task

from hackathon.celery import EMAIL_ERRORS, RETRY_WITH_BACKOFF

from .services import signup_confirmation_deliver

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=EMAIL_ERRORS, **RETRY_WITH_BACKOFF)
def signup_confirmation_send_task(*, signup_id: int) -> bool:
    sent = signup_confirmation_deliver(signup_id=signup_id)
    if not sent:
        logger.info("Sign-up %s: no confirmation to send (gone or already sent).", signup_id)
    return sent
