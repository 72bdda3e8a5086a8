from __future__ import annotations

from celery import shared_task

from .direct_uploads import uploads_purge_unattached

# Emails, thumbnails and slide pages are outbox items (outbox/), recorded with the change
# that causes them and run by outbox.tasks.outbox_item_run_task.


@shared_task
def uploads_purge_task() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): delete direct uploads never attached, after 24 h."""
    return len(uploads_purge_unattached())
