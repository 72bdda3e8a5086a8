from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from outbox.models import OutboxItem
from outbox.services import outbox_add

from .models import User
from .throttling import signup_authenticate, signup_check
from .verification import safe_next

VERIFY_EMAIL_KIND = "Email verification"
SIGNUP_ATTEMPT_KIND = "Sign-up with an address that has an account"
# A new verification link at most this often per account (the resend button).
RESEND_AFTER = timedelta(minutes=1)
# The owner of an address hears of others' sign-up attempts with it at most this often.
SIGNUP_ATTEMPT_EVERY = timedelta(hours=1)

# What every sign-up form says once it has done its work, whether the address was new
# (the account is made, and signed in) or had an account already and the password was
# not its own (nothing changes; the owner is emailed): the same words either way.
CHECK_EMAIL_MESSAGE = "Thanks, {name}! We've sent an email to {email}: follow the link in it to confirm your address."
# When the address had an account and the password was its own (only its owner knows it).
ALREADY_HAD_AN_ACCOUNT = "You already have an account with this address, and that was its password: you're signed in."


@transaction.atomic
def user_create(*, email: str, display_name: str, password: str | None, next_url: str = "") -> User:
    """A new account, with a link to confirm its address emailed once this commits; the
    link leads on to `next_url` (a path on this site)."""
    user = User.objects.create_user(email=email, display_name=display_name, password=password)
    _verification_add(user, next_url)
    return user


@dataclass(frozen=True)
class Registration:
    """What a sign-up form's email and password came to. `user` is whom to sign in: the
    new account, or the existing one whose password was given; None when the address has
    an account and the password is not its own."""

    user: User | None
    created: bool

    @property
    def existing(self) -> bool:
        return self.user is not None and not self.created


@transaction.atomic
def user_register(
    *, email: str, display_name: str, password: str, next_url: str = "", request: HttpRequest | None = None
) -> Registration:
    """A sign-up form's account, answered the same whether the address is new or not.

    A new address gets its account (and a verification email). An address with an account
    signs in to it when the password is that account's; otherwise nothing changes and the
    account's owner is told someone tried (at most once an hour), while the person at the
    form is answered exactly as a new address would be. The password is checked by
    `authenticate`, as the log-in form's is, so whatever limits log-in attempts (given the
    `request`) limits these too: the form is no way round it. Raises
    accounts.throttling.Throttled, changing nothing, when the `request`'s address made too
    many sign-ups lately or log-ins to `email` are locked."""
    email = User.objects.normalize_email(email)
    signup_check(request, email=email)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = user_create(email=email, display_name=display_name, password=password, next_url=next_url)
        except IntegrityError:
            # Made a moment ago (a double click, or someone else): as an existing account.
            existing = User.objects.get(email__iexact=email)
        else:
            return Registration(user=user, created=True)
    if signup_authenticate(request, email=existing.email, password=password) is not None:
        return Registration(user=existing, created=False)
    _signup_attempt_add(existing)
    return Registration(user=None, created=False)


def _signup_attempt_add(user: User, now: datetime | None = None) -> None:
    since = (now or timezone.now()) - SIGNUP_ATTEMPT_EVERY
    if OutboxItem.objects.filter(kind=SIGNUP_ATTEMPT_KIND, args__user_id=user.pk, created_at__gte=since).exists():
        return
    outbox_add(
        kind=SIGNUP_ATTEMPT_KIND,
        handler="accounts.verification.signup_attempt_send",
        args={"user_id": user.pk},
        recipients=[user.email],
    )


def _verification_add(user: User, next_url: str) -> None:
    outbox_add(
        kind=VERIFY_EMAIL_KIND,
        handler="accounts.verification.email_verification_send",
        args={"user_id": user.pk, "next_url": safe_next(next_url)},
        recipients=[user.email],
    )


@transaction.atomic
def email_verification_request(*, user: User, next_url: str = "", now: datetime | None = None) -> bool:
    """Email the account a new link to confirm its address (the resend button). Returns
    False, sending nothing, when it is verified already or a link went out under a minute
    ago."""
    if user.email_verified:
        return False
    since = (now or timezone.now()) - RESEND_AFTER
    if OutboxItem.objects.filter(kind=VERIFY_EMAIL_KIND, args__user_id=user.pk, created_at__gte=since).exists():
        return False
    _verification_add(user, next_url)
    return True


def user_email_verify(*, user: User, email: str | None = None, now: datetime | None = None) -> bool:
    """Record that the person proved their address (followed a link sent to it). `email`
    is the address the link went to: a link to an address the account no longer has
    proves nothing. Returns whether this verified it now."""
    if email is not None and user.email.lower() != email.lower():
        return False
    if user.email_verified:
        return False
    user.email_verified_at = now or timezone.now()
    user.save(update_fields=["email_verified_at"])
    return True


def user_announcements_set(*, user: User, opt_out: bool) -> None:
    """Turn a person's announcement emails (mailings/) off or on; other emails still go."""
    if user.announcements_opt_out != opt_out:
        user.announcements_opt_out = opt_out
        user.save(update_fields=["announcements_opt_out"])
