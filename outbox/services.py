"""Record, queue and run the outbox's items (outbox/models.py)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import OutboxItem

logger = logging.getLogger(__name__)

TO_DO = (OutboxItem.State.QUEUED, OutboxItem.State.FAILED)
# An item still to do this long after it was queued is queued again by the sweep: the
# broker was down, or the worker died with it.
SWEEP_AFTER = timedelta(minutes=3)
SWEEP_BATCH = 500
MAX_TRIES = 8
# After a publish fails, this process leaves the broker alone for a while: a thousand
# items after one commit must not each wait out the time-out. The sweep catches up.
BROKER_PAUSE_SECONDS = 30.0
# A publish gives up after half a second on a broker that refuses or hangs (kombu's Redis
# transport; its `max_retries` is redis-py's own retrying on a refused connection).
PUBLISH_TRANSPORT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "max_retries": 0}


def outbox_add(
    *,
    kind: str,
    handler: str,
    args: dict,
    recipients: Iterable[str] = (),
    jam_id: int | None = None,
    is_email: bool = True,
) -> OutboxItem:
    """Record one email or file job, in the caller's transaction; it is queued once that
    commits. `handler` is the dotted path of the function that does it, called with
    `args` (ids, not objects: it runs later, in another process)."""
    item = OutboxItem.objects.create(
        kind=kind,
        handler=handler,
        args=args,
        recipients="\n".join(recipients),
        jam_id=jam_id,
        is_email=is_email,
        due_at=timezone.now() + SWEEP_AFTER,
    )
    transaction.on_commit(partial(outbox_publish, item_ids=[item.pk]))
    return item


def outbox_add_many(*, kind: str, handler: str, items: list[tuple[dict, list[str]]], jam_id: int | None = None) -> int:
    """Record one item per (args, recipients), at once (one insert); as outbox_add."""
    due_at = timezone.now() + SWEEP_AFTER
    rows = OutboxItem.objects.bulk_create(
        OutboxItem(kind=kind, handler=handler, args=args, recipients="\n".join(to), jam_id=jam_id, due_at=due_at)
        for args, to in items
    )
    transaction.on_commit(partial(outbox_publish, item_ids=[row.pk for row in rows]))
    return len(rows)


class _Broker:
    """Whether this process saw the broker fail lately (then it does not try for a while)."""

    def __init__(self):
        self.down_until = 0.0
        self.lock = threading.Lock()

    def usable(self) -> bool:
        return time.monotonic() >= self.down_until

    def failed(self) -> None:
        with self.lock:
            self.down_until = time.monotonic() + BROKER_PAUSE_SECONDS


_broker = _Broker()


def outbox_publish(*, item_ids: list[int]) -> int:
    """Ask a worker to run these items; returns how many were handed to the broker. Never
    raises and never waits long: one connection of its own with short time-outs and no
    retries (a worker's connections keep the broker's usual ones). What could not be
    queued stays to do, for the sweep."""
    from hackathon.celery import app

    from .tasks import outbox_item_run_task

    if not item_ids or not _broker.usable():
        return 0
    published = 0
    options = {**app.conf.broker_transport_options, **PUBLISH_TRANSPORT_OPTIONS}
    try:
        with app.connection_for_write(transport_options=options) as connection:
            for item_id in item_ids:
                outbox_item_run_task.apply_async(kwargs={"item_id": item_id}, retry=False, connection=connection)
                published += 1
    except Exception as error:  # noqa: BLE001 - any broker failure: the rows wait for the sweep
        _broker.failed()
        logger.warning(
            "Outbox: could not queue %s of %s items (%s); the sweep will.",
            len(item_ids) - published,
            len(item_ids),
            error,
        )
    return published


def _backoff(tries: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (tries - 1), 30 * 60))


def outbox_item_run(*, item_id: int, now: datetime | None = None) -> bool:
    """Do one item if it is still to do, holding its row locked meanwhile (a second run at
    once skips it). Returns whether it was done now.

    The try is counted, and committed, before the work starts: a job that kills its
    worker every time (out of memory) still uses up its tries and gives up, instead of
    coming back for ever. A failure is recorded on the row, with a back-off before the
    sweep tries again; after MAX_TRIES it gives up."""
    to_do = OutboxItem.objects.select_for_update(skip_locked=True).filter(pk=item_id, state__in=TO_DO)
    with transaction.atomic():
        item = to_do.first()
        if item is None:
            return False  # done already, being done by another worker, given up or gone
        if item.tries >= MAX_TRIES:  # the last tries never came back: their worker died
            item.state, item.last_error = OutboxItem.State.GAVE_UP, item.last_error or "Its worker never finished it."
            item.failed_at = now or timezone.now()
            item.save(update_fields=["state", "last_error", "failed_at"])
            return False
        item.tries += 1
        item.due_at = (now or timezone.now()) + SWEEP_AFTER  # if this run dies, the sweep comes back
        item.save(update_fields=["tries", "due_at"])
    with transaction.atomic():
        item = to_do.first()
        if item is None:
            return False  # done meanwhile by another run
        try:
            with transaction.atomic():
                import_string(item.handler)(**item.args)
        except Exception as error:  # noqa: BLE001 - recorded on the row and retried
            item.last_error = f"{type(error).__name__}: {error}"[:2000]
            item.state = OutboxItem.State.GAVE_UP if item.tries >= MAX_TRIES else OutboxItem.State.FAILED
            item.failed_at = now or timezone.now()
            item.due_at = item.failed_at + _backoff(item.tries)
            logger.warning("Outbox: %s failed (try %s): %s", item, item.tries, item.last_error)
            item.save(update_fields=["last_error", "state", "due_at", "failed_at"])
            return False
        item.state = OutboxItem.State.SENT
        item.done_at = now or timezone.now()
        item.save(update_fields=["state", "done_at"])
    return True


def outbox_sweep(*, now: datetime | None = None) -> int:
    """Queue again what is still to do and due: never queued (the broker was down), lost
    (a worker died with it), or failed and past its back-off. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxItem.objects.select_for_update(skip_locked=True)
            .filter(state__in=TO_DO, due_at__lte=now)
            .order_by("due_at", "id")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        OutboxItem.objects.filter(pk__in=ids).update(due_at=now + SWEEP_AFTER)
    return outbox_publish(item_ids=ids)


def outbox_retry(*, item_ids: list[int]) -> int:
    """An organizer's retry of failed (or given-up) items: to do again, now, with all
    their tries (the last error stays on the row until one succeeds or fails anew)."""
    with transaction.atomic():
        retried = OutboxItem.objects.select_for_update().filter(pk__in=item_ids).exclude(state=OutboxItem.State.SENT)
        ids = list(retried.values_list("pk", flat=True))
        OutboxItem.objects.filter(pk__in=ids).update(
            state=OutboxItem.State.QUEUED, tries=0, due_at=timezone.now() + SWEEP_AFTER
        )
        transaction.on_commit(partial(outbox_publish, item_ids=ids))  # the ones sent stay as they are
    return len(ids)


def outbox_oldest_to_do_age(*, now: datetime | None = None) -> float | None:
    """Seconds since the oldest item still to do was recorded; None when none is."""
    oldest = OutboxItem.objects.filter(state__in=TO_DO).aggregate(oldest=Min("created_at"))["oldest"]
    if oldest is None:
        return None
    return max(0.0, ((now or timezone.now()) - oldest).total_seconds())
