from __future__ import annotations

import os

from celery import Celery

from outbox.heartbeat import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hackathon.settings")

app = Celery("hackathon")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Emails and file jobs retry through the outbox (outbox/services.py), with its back-off.

# Each worker records in the shared cache that it answered, for the admin's health panel
# (outbox/heartbeat.py), so the admin never waits on the broker to find out.
app.steps["consumer"].add(WorkerHeartbeat)
