"""Work the background workers owe people: each email and each file job (thumbnails, slide
pages), recorded in the same transaction as the change that causes it.

The row is the truth; the Celery message that runs it is only a nudge. If the broker is
down when the change commits, or a worker dies mid-task, the row is still there and the
sweep (outbox.tasks.outbox_sweep_task) queues it again. Running a row twice does its work
once: the run holds the row locked and skips it unless it is still to do.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

TO_DO = models.Q(state__in=["queued", "failed"])


class OutboxItem(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Done"  # an email sent, a file made
        FAILED = "failed", "Failed, will retry"
        GAVE_UP = "gave_up", "Gave up"

    kind = models.CharField(max_length=60, help_text="What this is, as organizers read it.")
    # The dotted path of the function that does the work, called with `args` as keyword
    # arguments. It raises when it failed (to be retried) and returns when it is done or
    # nothing is left to do.
    handler = models.CharField(max_length=200)
    args = models.JSONField(default=dict)
    is_email = models.BooleanField(default=True)
    recipients = models.TextField(blank=True, help_text="The addresses it is for, one a line.")
    # A reference by name, not an import: the outbox sits below the apps (tests/test_dependencies.py).
    jam = models.ForeignKey("jams.Jam", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    tries = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the sweep queues it again if it is still to do: a few minutes after it was
    # last queued, or the end of its back-off after a failure.
    due_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    # When its last try failed (it may be retried since): the admin's health panel counts
    # the failures of the last 24 hours.
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The sweep and the health check read only what is still to do.
        indexes = [
            models.Index(fields=["due_at"], name="outbox_to_do_due", condition=TO_DO),
            models.Index(fields=["created_at"], name="outbox_to_do_created", condition=TO_DO),
            models.Index(fields=["failed_at"], name="outbox_failed_at", condition=models.Q(failed_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def to_do(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.FAILED)
