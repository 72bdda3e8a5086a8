from __future__ import annotations

import logging
import smtplib

from celery import shared_task

from .services import signup_confirmation_deliver

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=8,
)
def signup_confirmation_send_task(*, signup_id: int) -> bool:
    sent = signup_confirmation_deliver(signup_id=signup_id)
    if not sent:
        logger.info("Sign-up %s: no confirmation to send (gone or already sent).", signup_id)
    return sent
