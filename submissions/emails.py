from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from jams.times import format_jam_time_and_utc

from .models import Entry
from .uploads import display_name, human_size


def _file_line(label: str, field) -> dict | None:
    if not field:
        return None
    try:
        size = human_size(field.size)
    except Exception:  # noqa: BLE001 - a size we cannot read is not worth failing the email
        size = "size unknown"
    return {"label": label, "name": display_name(field.name), "size": size}


def _one_line(subject: str) -> str:
    # A line break in a header stops the email (BadHeaderError); titles saved before
    # single-line titles were enforced may still hold one.
    return " ".join(subject.split())


def entry_submitted_message(*, entry: Entry) -> EmailMultiAlternatives:
    jam = entry.jam
    members = [m.user for m in entry.team.memberships.all()]
    context = {
        "entry": entry,
        "jam": jam,
        "team": entry.team,
        "files": [f for f in (_file_line("Slides", entry.slides), _file_line("Project image", entry.image)) if f],
        "edit_url": settings.SITE_URL + reverse("submissions:submit", kwargs={"slug": jam.slug}),
        "entry_url": settings.SITE_URL + entry.get_absolute_url(),
        "deadline": format_jam_time_and_utc(jam.submissions_close_at, jam),
    }
    subject = _one_line(render_to_string("emails/submissions/entry_submitted_subject.txt", context))
    text = render_to_string("emails/submissions/entry_submitted_body.txt", context)
    html = render_to_string("emails/submissions/entry_submitted_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[u.email for u in members])
    message.attach_alternative(html, "text/html")
    return message


def entry_changed_message(*, entry: Entry, editor) -> EmailMultiAlternatives:
    """A short note to the other members: never to the person who made the change."""
    jam = entry.jam
    others = [m.user.email for m in entry.team.memberships.select_related("user") if m.user_id != editor.pk]
    context = {
        "entry": entry,
        "jam": jam,
        "editor": editor,
        "entry_url": settings.SITE_URL + entry.get_absolute_url(),
        "edit_url": settings.SITE_URL + reverse("submissions:submit", kwargs={"slug": jam.slug}),
    }
    subject = _one_line(render_to_string("emails/submissions/entry_changed_subject.txt", context))
    text = render_to_string("emails/submissions/entry_changed_body.txt", context)
    html = render_to_string("emails/submissions/entry_changed_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=others)
    message.attach_alternative(html, "text/html")
    return message
