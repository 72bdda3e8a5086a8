from __future__ import annotations

import os
import smtplib

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hackathon.settings")

app = Celery("hackathon")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# How our tasks retry when a service is down: backing off from 30 s to 30 min, 8 times.
RETRY_WITH_BACKOFF = {"retry_backoff": 30, "retry_backoff_max": 30 * 60, "retry_jitter": True, "max_retries": 8}
EMAIL_ERRORS = (smtplib.SMTPException, OSError)
