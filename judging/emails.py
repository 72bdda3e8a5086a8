from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from jams.models import Jam

from .invitations import ACCEPT_LINK_MAX_AGE, accept_token_make
from .models import Judge


def _message(template: str, context: dict, to: list[str]) -> EmailMultiAlternatives:
    subject = render_to_string(f"emails/judging/{template}_subject.txt", context).strip()
    text = render_to_string(f"emails/judging/{template}_body.txt", context)
    html = render_to_string(f"emails/judging/{template}_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    return message


def judge_invite_message(*, judge: Judge) -> EmailMultiAlternatives:
    user = judge.user
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "judge": judge,
        "jam": judge.jam,
        "user": user,
        "set_password_url": settings.SITE_URL + path,
        "workspace_url": settings.SITE_URL + reverse("judging:workspace", kwargs={"slug": judge.jam.slug}),
    }
    return _message("judge_invite", context, [user.email])


def judge_accept_message(*, judge: Judge) -> EmailMultiAlternatives:
    """For an existing account: an invitation to accept (judging/invitations.py)."""
    token = accept_token_make(judge=judge)
    accept_path = reverse("judging:accept_link", kwargs={"slug": judge.jam.slug, "token": token})
    context = {
        "judge": judge,
        "jam": judge.jam,
        "user": judge.user,
        "accept_url": settings.SITE_URL + accept_path,
        "workspace_url": settings.SITE_URL + reverse("judging:workspace", kwargs={"slug": judge.jam.slug}),
        "days": ACCEPT_LINK_MAX_AGE.days,
    }
    return _message("judge_accept", context, [judge.user.email])


def judge_added_message(*, judge: Judge) -> EmailMultiAlternatives:
    """For a judge whose account has a password and who has accepted already: where to judge."""
    context = {
        "judge": judge,
        "jam": judge.jam,
        "user": judge.user,
        "login_url": settings.SITE_URL + reverse("login"),
        "workspace_url": settings.SITE_URL + reverse("judging:workspace", kwargs={"slug": judge.jam.slug}),
    }
    return _message("judge_added", context, [judge.user.email])


def results_message(*, jam: Jam, user: User) -> EmailMultiAlternatives:
    context = {
        "jam": jam,
        "user": user,
        "results_url": settings.SITE_URL + reverse("judging:results", kwargs={"slug": jam.slug}),
    }
    return _message("results", context, [user.email])
