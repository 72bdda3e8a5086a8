"""The admin index's health panel: `{% load outbox_health %}{% outbox_health_panel %}`."""

from __future__ import annotations

from celery import current_app
from django import template
from django.urls import reverse

from outbox.selectors import outbox_health

register = template.Library()


def seconds_text(seconds: float) -> str:
    """“45 s”, “12 min”, “3 h 5 min”, “2 days”: an age read at a glance."""
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


@register.inclusion_tag("admin/_outbox_health.html", takes_context=True)
def outbox_health_panel(context) -> dict:
    request = context["request"]
    if not request.user.has_perm("outbox.view_outboxitem"):
        return {"shown": False}
    health = outbox_health()
    changelist = reverse("admin:outbox_outboxitem_changelist")
    return {
        "shown": True,
        "health": health,
        "oldest_age": None if health.oldest_queued_at is None else seconds_text(health.oldest_queued_seconds),
        "answered_ago": None if health.worker_answered_at is None else seconds_text(health.worker_answered_seconds),
        # Without a broker, tasks run in the web process: there is no worker to answer.
        "no_broker": bool(current_app.conf.task_always_eager),
        "queued_url": f"{changelist}?state__exact=queued",
        "oldest_url": f"{changelist}?state__exact=queued&o=1",  # oldest first
        "failed_url": f"{changelist}?failed=24h",
    }
