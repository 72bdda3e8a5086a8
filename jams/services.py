from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.services import Registration, user_register
from hackathon.mail import send_once
from outbox.services import outbox_add

from .cache import pages_changed
from .models import Jam, JamTimeChange, SignUp, Track
from .signals import jam_times_changed

# How many of a jam's time changes its page lists, newest first; the feed has them all.
TIME_CHANGES_SHOWN = 10


def jam_times_of(jam: Jam) -> dict[str, datetime]:
    """The instants a jam's change log follows, by JamTimeChange.Field value."""
    return {
        JamTimeChange.Field.START: jam.starts_at,
        JamTimeChange.Field.DEADLINE: jam.submission_deadline,
        JamTimeChange.Field.GRACE: jam.submissions_close_at,
        JamTimeChange.Field.JUDGING_END: jam.judging_ends_at,
    }


def _moved(before: Jam, after: Jam) -> list[tuple[str, datetime, datetime]]:
    old, new = jam_times_of(before), jam_times_of(after)
    moved = [(field, old[field], new[field]) for field in JamTimeChange.Field.values if old[field] != new[field]]
    if before.grace_minutes == after.grace_minutes:
        # Late submissions close later only because the deadline moved: that one line says it.
        moved = [change for change in moved if change[0] != JamTimeChange.Field.GRACE]
    return moved


@transaction.atomic
def jam_times_log(*, before: Jam, jam: Jam, by_user: User | None, notify: bool = False) -> list[JamTimeChange]:
    """Record which of a public jam's times the save of `jam` moved (from `before`, the
    row as it was), in the save's transaction, for the jam page's change log and the
    announcements feed; mark its pages stale; and tell the apps above (jams.signals), which
    email everyone signed up when `notify`. A jam is public from its first save, so any
    change to a saved jam counts; creating one logs nothing."""
    moved = _moved(before, jam)
    if not moved:
        return []
    now = timezone.now()
    by = by_user if getattr(by_user, "pk", None) else None
    changes = JamTimeChange.objects.bulk_create(
        JamTimeChange(jam=jam, field=field, old_value=old, new_value=new, changed_at=now, changed_by=by)
        for field, old, new in moved
    )
    pages_changed(jam=jam, slugs=[before.slug])
    jam_times_changed.send(
        sender=Jam,
        jam=jam,
        changes=changes,
        notify=notify,
        by_user=by,
    )
    return changes


@transaction.atomic
def track_save(*, track: Track) -> Track:
    """Create or change a track of a jam; the jam's pages list its tracks."""
    track.full_clean()
    track.save()
    pages_changed(jam=track.jam)
    return track


# Why deleting tracks would go wrong in apps above jams, which jams never imports: each
# check takes the tracks about to be deleted together and returns a refusal or None.
# judging registers one (judging/apps.py): a judge limited to these tracks alone would
# judge every track once they are gone.
_track_delete_checks: list[Callable[[list[Track]], str | None]] = []


def track_delete_check_register(check: Callable[[list[Track]], str | None]) -> None:
    if check not in _track_delete_checks:
        _track_delete_checks.append(check)


def track_delete_refusals(*, tracks: list[Track]) -> list[str]:
    """Why these tracks may not be deleted together (the registered checks), or []."""
    tracks = [track for track in tracks if track.pk]
    if not tracks:
        return []
    return [refusal for check in _track_delete_checks if (refusal := check(tracks))]


@transaction.atomic
def track_delete(*, track: Track) -> None:
    """Remove a track: its entries and judges stay, without it. Refused (ValidationError)
    while it has prizes, which would go with it, or while an app's check refuses it
    (track_delete_refusals: a judge limited to this track alone)."""
    jam = track.jam
    if refusals := track_delete_refusals(tracks=[track]):
        raise ValidationError(refusals)
    try:
        with transaction.atomic():
            track.delete()
    except ProtectedError as error:
        names = ", ".join(sorted(f"“{prize}”" for prize in error.protected_objects))
        raise ValidationError(
            f"The “{track.name}” track has prizes ({names}): make them prizes of the whole jam or of "
            "another track first."
        ) from None
    pages_changed(jam=jam)


class SignUpClosed(ValidationError):
    pass


class AlreadySignedUp(Exception):
    def __init__(self, signup: SignUp):
        super().__init__(f"{signup.user} is already signed up for {signup.jam}.")
        self.signup = signup


def signup_check_open(*, jam: Jam, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if now >= jam.submission_deadline:
        raise SignUpClosed(f"{jam.title} is over, so it no longer takes sign-ups.")
    if not jam.signups_open:
        raise SignUpClosed(f"Sign-ups for {jam.title} are closed.")


@transaction.atomic
def signup_create(*, jam: Jam, user: User, show_in_list: bool = True, now: datetime | None = None) -> SignUp:
    """Sign a person up and queue their confirmation email once the row is committed.

    Raises SignUpClosed when the jam takes no sign-ups and AlreadySignedUp for a repeat.
    """
    signup_check_open(jam=jam, now=now)
    existing = SignUp.objects.filter(jam=jam, user=user).select_related("jam", "user").first()
    if existing:
        raise AlreadySignedUp(existing)
    try:
        with transaction.atomic():
            signup = SignUp.objects.create(jam=jam, user=user, show_in_list=show_in_list)
    except IntegrityError:
        # A double click raced us to the unique constraint.
        raise AlreadySignedUp(SignUp.objects.select_related("jam", "user").get(jam=jam, user=user)) from None

    pages_changed(jam=jam)
    outbox_add(
        kind="Sign-up confirmation",
        handler="jams.services.signup_confirmation_deliver",
        args={"signup_id": signup.pk},
        recipients=[user.email],
        jam_id=jam.pk,
    )
    return signup


@transaction.atomic
def signup_create_with_account(
    *,
    jam: Jam,
    display_name: str,
    email: str,
    password: str,
    show_in_list: bool = True,
    request: HttpRequest | None = None,
) -> Registration:
    """A visitor's account and sign-up, both or neither. An address that has an account
    signs that account up when the password is its own (already signed up is no error
    then), and otherwise changes nothing here: the caller answers as for a new address
    (accounts.services.user_register)."""
    signup_check_open(jam=jam)
    registration = user_register(email=email, display_name=display_name, password=password, request=request)
    if registration.user is not None:
        try:
            signup_create(jam=jam, user=registration.user, show_in_list=show_in_list)
        except AlreadySignedUp:
            if registration.created:
                raise
    return registration


def signup_confirmation_deliver(*, signup_id: int) -> bool:
    """Send a sign-up's confirmation email unless it already went out.

    Returns whether this call sent it; SMTP errors propagate so the task can retry.
    """
    from .emails import signup_confirmation_message

    def mark_sent(signup: SignUp) -> None:
        signup.confirmation_sent_at = timezone.now()
        signup.save(update_fields=["confirmation_sent_at"])

    return send_once(
        SignUp.objects.select_related("jam", "user").filter(pk=signup_id, confirmation_sent_at__isnull=True),
        message=lambda signup: signup_confirmation_message(signup=signup),
        mark_sent=mark_sent,
    )
