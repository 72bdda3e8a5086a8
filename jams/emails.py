from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateformat import format as date_format

from .calendar import jam_calendar_ics
from .models import SignUp


def signup_confirmation_message(*, signup: SignUp) -> EmailMultiAlternatives:
    jam = signup.jam
    context = {
        "signup": signup,
        "jam": jam,
        "user": signup.user,
        "jam_url": settings.SITE_URL + jam.get_absolute_url(),
        # Formatted here: the template `date` filter would turn them back into UTC.
        "starts_at": date_format(timezone.localtime(jam.starts_at, jam.tzinfo), "l j F Y, H:i"),
        "deadline": date_format(timezone.localtime(jam.submission_deadline, jam.tzinfo), "l j F Y, H:i"),
    }
    subject = render_to_string("emails/jams/signup_confirmation_subject.txt", context).strip()
    text = render_to_string("emails/jams/signup_confirmation_body.txt", context)
    html = render_to_string("emails/jams/signup_confirmation_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[signup.user.email])
    message.attach_alternative(html, "text/html")
    message.attach(f"{jam.slug}.ics", jam_calendar_ics(jam=jam), "text/calendar")
    return message
