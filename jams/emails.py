from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .calendar import jam_calendar_ics
from .models import SignUp
from .times import format_jam_time_and_utc


def signup_confirmation_message(*, signup: SignUp) -> EmailMultiAlternatives:
    jam = signup.jam
    context = {
        "signup": signup,
        "jam": jam,
        "user": signup.user,
        "jam_url": settings.SITE_URL + jam.get_absolute_url(),
        # In the jam's zone and in UTC: an email has no script to add the reader's own time.
        "starts_at": format_jam_time_and_utc(jam.starts_at, jam),
        "deadline": format_jam_time_and_utc(jam.submission_deadline, jam),
    }
    subject = render_to_string("emails/jams/signup_confirmation_subject.txt", context).strip()
    text = render_to_string("emails/jams/signup_confirmation_body.txt", context)
    html = render_to_string("emails/jams/signup_confirmation_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[signup.user.email])
    message.attach_alternative(html, "text/html")
    message.attach(f"{jam.slug}.ics", jam_calendar_ics(jam=jam), "text/calendar")
    return message
