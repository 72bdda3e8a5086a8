from __future__ import annotations

from celery import shared_task

from .services import outbox_item_run, outbox_sweep


@shared_task
def outbox_item_run_task(*, item_id: int) -> bool:
    return outbox_item_run(item_id=item_id)


@shared_task
def outbox_sweep_task() -> int:
    """Every 30 s (CELERY_BEAT_SCHEDULE): queue again what is still to do and due."""
    return outbox_sweep()
