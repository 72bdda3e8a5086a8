"""Whether a Celery worker is up, without asking one from a web request.

Each worker records "I answered at <time>" in the shared cache every HEARTBEAT_SECONDS,
from a step of its consumer: the step runs only while the worker is connected to the
broker and taking tasks (Celery stops a consumer's steps when the connection drops and
starts them again when it is back). The admin's health panel reads that one key: a
broker that is down or hangs never slows the admin, and the panel says the truth (no
worker answered). The cache is the one the worker already shares with the web processes
to mark pages stale (settings.CACHES).

A worker busy with one long task (the solo pool runs it on the same loop) skips its beats
until the task ends: at most CELERY_TASK_TIME_LIMIT, two minutes.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from celery import bootsteps
from django.core.cache import cache

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "outbox:worker-heartbeat"
HEARTBEAT_SECONDS = 15
# A beat older than this means no worker answered: four beats missed.
ANSWERED_WITHIN_SECONDS = 60
# The key outlives a stopped worker long enough for the panel to say when one last answered.
KEPT_SECONDS = 24 * 3600


def worker_heartbeat_record(*, at: float | None = None) -> None:
    """Record that a worker answered now (or at `at`, a Unix time)."""
    cache.set(HEARTBEAT_KEY, time.time() if at is None else at, KEPT_SECONDS)


def worker_heartbeat_last() -> datetime | None:
    """When a worker last answered, if one did in the last day. One cache read."""
    at = cache.get(HEARTBEAT_KEY)
    return datetime.fromtimestamp(at, UTC) if isinstance(at, int | float) else None


def _beat() -> None:
    try:
        worker_heartbeat_record()
    except Exception:  # a missed beat shows in the panel; the worker goes on
        logger.warning("Worker heartbeat: could not record it", exc_info=True)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A consumer step (hackathon/celery.py adds it): beats while the consumer runs."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.tref = None

    def start(self, consumer) -> None:
        _beat()
        self.tref = consumer.timer.call_repeatedly(HEARTBEAT_SECONDS, _beat)

    def stop(self, consumer) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    shutdown = stop
