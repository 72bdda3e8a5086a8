"""A mailing as one person gets it: subject, text and HTML from one Markdown body, with
{{ name }}, {{ jam }} and {{ deadline_local }} filled in, and the unsubscribe link.

The placeholders are swapped for inert tokens before the Markdown is rendered and
sanitised, and the person's values go into the result (escaped in the HTML): a name
can't add a link or a tag, and Markdown around a placeholder (bold, a link's text) works."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.html import escape

from accounts.announcements import unsubscribe_url
from accounts.models import User
from jams.markdown import render_markdown
from jams.models import Jam
from jams.times import format_jam_time_and_utc

PLACEHOLDERS = ("name", "jam", "deadline_local")
PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}")


def unknown_placeholders(text: str) -> list[str]:
    """The placeholders in `text` that aren't ours, as typed, in order, once each."""
    found = [match.group(1) for match in PLACEHOLDER.finditer(text)]
    return list(dict.fromkeys(name for name in found if name not in PLACEHOLDERS))


def placeholder_values(*, jam: Jam, user: User) -> dict[str, str]:
    return {
        "name": user.display_name or user.email,
        "jam": jam.title,
        "deadline_local": format_jam_time_and_utc(jam.submission_deadline, jam),
    }


def _fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def _token(name: str) -> str:
    return f"mailingplaceholder{PLACEHOLDERS.index(name)}x"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str  # the body's HTML alone (the email's HTML wraps it)


def mailing_render(*, subject: str, body: str, jam: Jam, user: User) -> Rendered:
    values = placeholder_values(jam=jam, user=user)
    tokens = {name: _token(name) for name in PLACEHOLDERS}
    html = str(render_markdown(_fill(body, tokens)))
    for name, token in tokens.items():
        html = html.replace(token, escape(values[name]))
    # A subject is one line: a name or title with a line break in it must not add headers.
    one_line = " ".join(_fill(subject, values).split())
    return Rendered(subject=one_line, text=_fill(body, values), html=html)


def mailing_message(*, subject: str, body: str, jam: Jam, user: User) -> EmailMultiAlternatives:
    rendered = mailing_render(subject=subject, body=body, jam=jam, user=user)
    unsubscribe = unsubscribe_url(user=user)
    context = {
        "rendered": rendered,
        "jam": jam,
        "user": user,
        "jam_url": settings.SITE_URL + jam.get_absolute_url(),
        "unsubscribe_url": unsubscribe,
    }
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=render_to_string("emails/mailings/announcement_body.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string("emails/mailings/announcement_body.html", context), "text/html")
    return message
