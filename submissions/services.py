from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.services import Registration, user_register
from hackathon.mail import send_once
from hackathon.text import single_line
from jams.cache import pages_changed
from jams.models import Jam, SignUp, Track
from jams.services import AlreadySignedUp, SignUpClosed, signup_create
from jams.times import format_jam_time
from outbox.services import outbox_add

from .direct_uploads import REUSED_MESSAGE, UPLOADS_PREFIX, UploadedKey, upload_attach
from .models import Entry, Team, TeamMembership, new_invite_token, validate_abstract
from .share_cards import entry_share_card_record
from .slides import slide_pages_due
from .thumbnails import is_public
from .uploads import Detected, safe_name

logger = logging.getLogger(__name__)


class TeamError(ValidationError):
    pass


class SubmissionsClosed(ValidationError):
    pass


class StaleEntry(Exception):
    """The entry changed after the person opened the form."""

    def __init__(self, entry: Entry):
        super().__init__(f"Entry {entry.pk} is at version {entry.version}.")
        self.entry = entry


class StorageUnavailable(Exception):
    pass


# Teams --------------------------------------------------------------------------------


def _ensure_signed_up(*, jam: Jam, user: User) -> None:
    """Teams are for people signed up to the jam: sign them up on the way in."""
    if SignUp.objects.filter(jam=jam, user=user).exists():
        return
    try:
        signup_create(jam=jam, user=user)
    except AlreadySignedUp:
        return  # signed up a moment ago, in another tab
    except SignUpClosed as closed:
        raise TeamError(f"{closed.message} Only people signed up to it can be in a team.") from None


def _check_team_changes_open(jam: Jam, now: datetime) -> None:
    if now > jam.submissions_close_at:
        raise TeamError(f"Submissions for {jam.title} have closed, so teams can no longer change.")


def membership_for(*, jam: Jam, user: User) -> TeamMembership | None:
    if not user.is_authenticated:
        return None
    return TeamMembership.objects.select_related("team").filter(jam=jam, user=user).first()


def team_name_clean(name: str) -> str:
    """A team name on one line, or TeamError saying why not."""
    try:
        return single_line(name, label="The team name")
    except ValidationError as error:
        raise TeamError(error.messages[0]) from None


@transaction.atomic
def team_create(*, jam: Jam, user: User, name: str, now: datetime | None = None) -> Team:
    """A new team with its creator as first member; signs the creator up if needed."""
    _check_team_changes_open(jam, now or timezone.now())
    existing = membership_for(jam=jam, user=user)
    if existing:
        raise TeamError(f"You're already in the team “{existing.team.name}” for this jam.")
    name = team_name_clean(name)
    if Team.objects.filter(jam=jam, name__iexact=name).exists():
        raise TeamError(f"A team called “{name}” already exists in this jam. Please pick another name.")
    _ensure_signed_up(jam=jam, user=user)
    try:
        with transaction.atomic():
            team = Team.objects.create(jam=jam, name=name, created_by=user)
            TeamMembership.objects.create(team=team, user=user, jam=jam)
            pages_changed(jam=jam)  # the person's own copy of the jam page shows their team
    except IntegrityError:
        raise TeamError("That team name was just taken, or you just joined a team. Please try again.") from None
    return team


@transaction.atomic
def team_join(*, team: Team, user: User, now: datetime | None = None) -> TeamMembership:
    """Join by invite: signs the person up to the jam if needed; the team's size is capped."""
    team = Team.objects.select_for_update().select_related("jam").get(pk=team.pk)
    jam = team.jam
    _check_team_changes_open(jam, now or timezone.now())
    if not user.email_verified:
        # An invite may be meant for an address, not whoever made an account with it.
        raise TeamError(f"Confirm your email address, {user.email}, to join a team by its invite link.")
    existing = membership_for(jam=jam, user=user)
    if existing and existing.team_id == team.pk:
        raise TeamError(f"You're already in “{team.name}”.")
    if existing:
        raise TeamError(
            f"You're already in the team “{existing.team.name}” for this jam. Leave it first to join “{team.name}”."
        )
    _check_team_room(team)
    _ensure_signed_up(jam=jam, user=user)
    pages_changed(jam=jam)  # the person's own copy of the jam page shows their team's entry
    return TeamMembership.objects.create(team=team, user=user, jam=jam)


def _check_team_room(team: Team) -> None:
    jam = team.jam
    if team.memberships.count() >= jam.max_team_size:
        raise TeamError(f"“{team.name}” is full: teams in {jam.title} have at most {jam.max_team_size} members.")


@transaction.atomic
def team_join_with_account(
    *,
    team: Team,
    display_name: str,
    email: str,
    password: str,
    show_in_list: bool = True,
    request: HttpRequest | None = None,
) -> tuple[Registration, TeamMembership | None]:
    """A newcomer with an invite link, in one form: their account and their sign-up to the
    jam now, and their place in the team once their address is confirmed (joining by
    invite needs that; the link in the verification email leads back to the invite). A
    full team or a closed jam makes no account. An address that has an account is
    answered as accounts.services.user_register does: with its own password, that account
    signs up, and joins at once if its address is confirmed."""
    team = Team.objects.select_for_update().select_related("jam").get(pk=team.pk)
    jam = team.jam
    _check_team_changes_open(jam, timezone.now())
    _check_team_room(team)
    registration = user_register(
        email=email, display_name=display_name, password=password, next_url=team.get_invite_url(), request=request
    )
    user = registration.user
    if user is None:
        return registration, None
    try:
        signup_create(jam=jam, user=user, show_in_list=show_in_list)
    except AlreadySignedUp:
        pass  # an existing account, signed up already
    except SignUpClosed as closed:
        raise TeamError(f"{closed.message} Only people signed up to it can be in a team.") from None
    membership = team_join(team=team, user=user) if user.email_verified else None
    return registration, membership


@transaction.atomic
def team_leave(*, membership: TeamMembership, now: datetime | None = None) -> None:
    team = Team.objects.select_for_update().select_related("jam").get(pk=membership.team_id)
    _check_team_changes_open(team.jam, now or timezone.now())
    others = team.memberships.exclude(pk=membership.pk).exists()
    if not others and Entry.objects.filter(team=team).exists():
        raise TeamError(
            "You're the last member of a team with an entry. Ask the organizers to withdraw the entry instead."
        )
    membership.delete()
    pages_changed(jam=team.jam)
    if not others:
        team.delete()


def team_invite_reset(*, team: Team) -> Team:
    team.invite_token = new_invite_token()
    team.save(update_fields=["invite_token"])
    return team


# Entries ------------------------------------------------------------------------------


@dataclass
class EntryFiles:
    """Validated uploads: the file and the type found in its content, or an object the
    browser uploaded straight to S3 that passed the same checks (direct_uploads.py)."""

    slides: tuple[UploadedFile, Detected] | UploadedKey | None = None
    image: tuple[UploadedFile, Detected] | UploadedKey | None = None


ENTRY_TEXT_FIELDS = ("title", "abstract", "authors", "video_url", "repository_url")
REQUIRED_TO_SUBMIT = {"title": "a title", "abstract": "an abstract", "authors": "the authors", "slides": "slides"}


# Single-line fields of the entry form, with the name a refusal gives them.
SINGLE_LINE_FIELDS = {"title": "The title", "authors": "The authors", "team_name": "The team name"}

# A save that carries an upload begun before submissions closed is accepted this long
# after the close: the upload's start comes from the signed ticket its form was served
# with (upload_ticket_make), so a slow upload started at 11:59 is not refused at 12:02.
# Bounded: the ticket is the time the form was served, which may be earlier than the
# click, so at most this much past the close is ever accepted, and only with a file.
LATE_UPLOAD_WINDOW = timedelta(minutes=15)
UPLOAD_TICKET_SALT = "submissions.upload-ticket"


def upload_ticket_make(*, team: Team, now: datetime | None = None) -> str:
    """A signed note of this moment for this team, served with the entry form."""
    at = math.ceil((now or timezone.now()).timestamp())
    return signing.dumps({"team": team.pk, "at": at}, salt=UPLOAD_TICKET_SALT)


def upload_ticket_read(*, ticket: str, team: Team) -> datetime | None:
    """When the ticket was made, if it is genuine and this team's; else None."""
    try:
        payload = signing.loads(ticket, salt=UPLOAD_TICKET_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("team") != team.pk or not isinstance(payload.get("at"), int):
        return None
    return datetime.fromtimestamp(payload["at"], tz=UTC)


def check_submissions_open(*, jam: Jam, now: datetime, upload_started_at: datetime | None = None) -> None:
    """Refuse a save outside the jam's submission window. `upload_started_at` (from a
    ticket, for a save carrying a file) lets a save in up to LATE_UPLOAD_WINDOW after
    the close if its upload began before it."""
    if now < jam.starts_at:
        raise SubmissionsClosed(f"Submissions open when {jam.title} starts.")
    if now > jam.submissions_close_at and not _upload_began_in_time(jam, now, upload_started_at):
        raise SubmissionsClosed(
            f"Submissions for {jam.title} closed on {format_jam_time(jam.submissions_close_at, jam)}. "
            "Your entry can no longer be changed."
        )


def _upload_began_in_time(jam: Jam, now: datetime, upload_started_at: datetime | None) -> bool:
    close = jam.submissions_close_at
    return upload_started_at is not None and upload_started_at <= close and now <= close + LATE_UPLOAD_WINDOW


def entry_save(
    *,
    team: Team,
    user: User,
    data: dict,
    files: EntryFiles,
    version: int | None,
    submit: bool,
    now: datetime | None = None,
    upload_started_at: datetime | None = None,
) -> Entry:
    """Create or update a team's entry; with `submit`, also submit it.

    `version` is the version the person's form was made from (None for a new entry); a
    save from an older version raises StaleEntry and changes nothing. Files are stored
    only after every check passed; if storing fails, nothing is left behind (no row for a
    new entry, no new objects in storage) and StorageUnavailable is raised. A direct
    upload is attached by its key, not copied; if the save fails once it is attached, its
    object is deleted like any new file (one refused before, with a stale form, is left to
    the purge of unattached uploads). Replaced files are deleted once the transaction
    commits. Submitting queues the confirmation email and, with a new image, the
    thumbnails. Two first saves at once (teammates, a double click): the second raises
    StaleEntry with the first's entry, as a save from an old version does.

    `upload_started_at` lets a save carrying files in after the close, within
    LATE_UPLOAD_WINDOW (check_submissions_open); lateness is still judged by `now`.
    """
    now = now or timezone.now()
    jam = team.jam
    check_submissions_open(jam=jam, now=now, upload_started_at=upload_started_at)
    data = entry_text_clean(data)
    stored: list[tuple[str, object]] = []
    try:
        with transaction.atomic():
            entry = _entry_lock_or_create(team, user, version)
            _claim_uploads(files, stored)
            # A submitted entry stays submitted: its edits must keep it complete.
            was_submitted = entry.is_submitted
            submit = submit or was_submitted
            _entry_apply_text(entry, team, data)
            if "tracks" in data:
                entry_tracks_set(entry=entry, tracks=data["tracks"])
            if submit:
                _check_complete(entry, files)
                _check_track_chosen(entry)
            replaced = _entry_apply_files(entry, files, stored)
            if submit and not was_submitted:
                # "Late" means first submitted after the deadline: edits in the grace
                # period keep the time and status of the first submission.
                entry.state = Entry.State.SUBMITTED
                entry.submitted_at = now
                entry.is_late = now > jam.submission_deadline
            entry.updated_by = user
            entry.save()
            pages_changed(jam=jam)
            transaction.on_commit(lambda: _delete_files(replaced))
            _record_follow_ups(
                entry, first_submit=submit and not was_submitted, edited_by=user if was_submitted else None
            )
            _record_thumbnails(entry, submit=submit, new_image=files.image is not None)
            _record_slide_pages(entry)
            entry_share_card_record(entry=entry)  # its title or team name may have changed
    except Exception:
        _delete_files(_unattached(stored))
        raise
    return entry


def _entry_locked(team: Team) -> Entry | None:
    return Entry.objects.select_for_update().filter(team=team).first()


def _entry_lock_or_create(team: Team, user: User, version: int | None) -> Entry:
    entry = _entry_locked(team)
    if entry is None:
        if version is not None:
            # The form was made from an entry that has since been removed.
            raise StaleEntry(Entry(team=team, jam=team.jam, version=0))
        return _entry_create(team, user)
    if version != entry.version:
        raise StaleEntry(entry)
    entry.version += 1
    return entry


def _entry_create(team: Team, user: User) -> Entry:
    try:
        with transaction.atomic():
            return Entry.objects.create(team=team, jam=team.jam, updated_by=user)
    except IntegrityError:
        # Another first save made the team's entry since we looked (PostgreSQL lets both
        # look, then holds the second insert until the first commits): a stale form.
        current = _entry_locked(team)
        if current is None:
            raise
        raise StaleEntry(current) from None


def entry_text_clean(data: dict) -> dict:
    """The entry's text as stored: single-line fields on one line, the abstract within its
    limit (the form checks the same; this holds for any caller). Raises ValidationError
    keyed by field."""
    cleaned, errors = dict(data), {}
    for field, label in SINGLE_LINE_FIELDS.items():
        if cleaned.get(field):
            try:
                cleaned[field] = single_line(cleaned[field], label=label)
            except ValidationError as error:
                errors[field] = error
    try:
        validate_abstract(cleaned.get("abstract") or "")
    except ValidationError as error:
        errors["abstract"] = error
    if errors:
        raise ValidationError(errors)
    return cleaned


def _entry_apply_text(entry: Entry, team: Team, data: dict) -> None:
    for field in ENTRY_TEXT_FIELDS:
        if field in data:
            setattr(entry, field, data[field] or "")
    if data.get("team_name") and data["team_name"].strip() != team.name:
        _team_rename(team, data["team_name"])


# Why an entry may not be put in some tracks, from apps above submissions, which it never
# imports: each check takes the entry and its new tracks and returns a refusal or None.
# judging registers one (judging/apps.py): an entry that won a track's prize stays in it.
_entry_tracks_checks: list[Callable[..., str | None]] = []  # called as check(entry=, tracks=)


def entry_tracks_check_register(check: Callable[..., str | None]) -> None:
    if check not in _entry_tracks_checks:
        _entry_tracks_checks.append(check)


def entry_tracks_set(*, entry: Entry, tracks: list[Track]) -> None:
    """Put the entry in these tracks of its jam: one, or several where the jam allows.
    Raises ValidationError (on "tracks") as entry_tracks_check."""
    entry_tracks_check(jam=entry.jam, tracks=tracks, entry=entry)
    entry.tracks.set(tracks)


def entry_tracks_check(*, jam: Jam, tracks: list[Track], entry: Entry | None = None) -> None:
    """Raises ValidationError (on "tracks") for a track of another jam, one too many, or,
    for an existing `entry`, a change a registered check refuses (leaving the track of a
    prize it won). The entry form's service and the entry's admin page both ask it."""
    foreign = [track for track in tracks if track.jam_id != jam.pk]
    if foreign:
        raise ValidationError(
            {"tracks": f"“{foreign[0].name}” is not a track of {jam.title}: pick one of its own tracks."}
        )
    if len(tracks) > 1 and not jam.multiple_tracks_allowed:
        raise ValidationError({"tracks": f"{jam.title} lets an entry enter one track only: pick one."})
    if entry is not None and entry.pk:
        for check in _entry_tracks_checks:
            if refusal := check(entry=entry, tracks=tracks):
                raise ValidationError({"tracks": refusal})


def _check_track_chosen(entry: Entry) -> None:
    if not entry.tracks.exists() and entry.jam.tracks.exists():
        raise ValidationError({"tracks": "To submit, pick the track your entry enters."})


def _check_complete(entry: Entry, files: EntryFiles) -> None:
    missing = [
        label
        for field, label in REQUIRED_TO_SUBMIT.items()
        if not getattr(entry, field) and not getattr(files, field, None)
    ]
    if missing:
        raise ValidationError(f"To submit, your entry needs {join_words(missing)}. Save a draft to finish later.")


def _entry_apply_files(entry: Entry, files: EntryFiles, stored: list) -> list[tuple[str, object]]:
    """Store new uploads; returns the files they replace, to delete after commit."""
    replaced = []
    for field in ("slides", "image"):
        upload = getattr(files, field)
        if upload is None:
            continue
        old = getattr(entry, field)
        old_name = old.name
        if isinstance(upload, UploadedKey):
            _attach(entry, field, upload)
        else:
            name = _store(entry, field, *upload)
            stored.append((name, old.storage))
        if old_name:
            replaced.append((old_name, old.storage))
    if files.image is not None:
        entry.thumbnails_of = ""
    return replaced


def _team_rename(team: Team, name: str) -> None:
    name = name.strip()
    if Team.objects.filter(jam=team.jam, name__iexact=name).exclude(pk=team.pk).exists():
        raise ValidationError({"team_name": f"A team called “{name}” already exists in this jam."})
    team.name = name
    team.save(update_fields=["name"])


def _store(entry: Entry, field: str, file: UploadedFile, detected: Detected) -> str:
    stem = safe_name(file.name).rsplit(".", 1)[0]
    field_file = getattr(entry, field)
    try:
        field_file.save(f"{stem}{detected.extension}", file, save=False)
    except Exception as error:
        logger.warning("Storing %s of entry %s failed: %s", field, entry.pk, error)
        raise StorageUnavailable(str(error)) from error
    return field_file.name


def _claim_uploads(files: EntryFiles, stored: list) -> None:
    """Make the direct uploads this save's own: from here on a failed save deletes them.

    The form checked that no entry holds them; checked again under the entry's lock, for
    two saves racing with the same key."""
    for field in ("slides", "image"):
        uploaded = getattr(files, field)
        if not isinstance(uploaded, UploadedKey):
            continue
        if Entry.objects.filter(Q(slides=uploaded.key) | Q(image=uploaded.key)).exists():
            raise ValidationError({field: REUSED_MESSAGE})
        stored.append((uploaded.key, Entry._meta.get_field(field).storage))


def _unattached(files: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """Leave out direct uploads an entry holds: a racing save may have attached the same
    key. (A file this save stored itself has a fresh name no one else can hold.)"""
    keys = [name for name, _ in files if name.startswith(UPLOADS_PREFIX)]
    try:
        held = Entry.objects.filter(Q(slides__in=keys) | Q(image__in=keys)).values_list("slides", "image")
        attached = {name for pair in held for name in pair}
    except Exception as error:  # noqa: BLE001 - unsure, keep them: the purge of uploads decides later
        logger.warning("Could not tell which uploads are attached: %s", error)
        attached = set(keys)
    return [(name, storage) for name, storage in files if name not in attached]


def _attach(entry: Entry, field: str, uploaded: UploadedKey) -> None:
    """Attach a checked direct upload by its key; the bytes stay where the browser put them."""
    field_file = getattr(entry, field)
    try:
        upload_attach(storage=field_file.storage, uploaded=uploaded)
    except Exception as error:
        logger.warning("Attaching %s of entry %s failed: %s", field, entry.pk, error)
        raise StorageUnavailable(str(error)) from error
    field_file.name = uploaded.key


def _delete_files(files: list[tuple[str, object]]) -> None:
    for name, storage in files:
        try:
            storage.delete(name)
        except Exception as error:  # noqa: BLE001 - cleanup must not hide the first failure
            logger.warning("Could not delete %s: %s", name, error)


def _record_entry_job(entry: Entry, *, kind: str, handler: str) -> None:
    outbox_add(kind=kind, handler=handler, args={"entry_id": entry.pk}, jam_id=entry.jam_id, is_email=False)


def _record_thumbnails(entry: Entry, *, submit: bool, new_image: bool) -> None:
    # Submitting publishes the thumbnails a draft already has (the job copies them to
    # the public storage); a new image gets new ones, public or private by the state.
    publish = submit and entry.image and not is_public(entry.thumbnail_card.name)
    if new_image or publish:
        _record_entry_job(entry, kind="Thumbnails", handler="submissions.thumbnails.entry_thumbnails_make")


def _record_slide_pages(entry: Entry) -> None:
    """Page images for new PDF slides, published on submission, dropped with the slides."""
    if slide_pages_due(entry):
        _record_entry_job(entry, kind="Slide pages", handler="submissions.slides.entry_slide_pages_make")


def _member_emails(entry: Entry) -> list[str]:
    return list(User.objects.filter(team_memberships__team_id=entry.team_id).values_list("email", flat=True))


def _record_follow_ups(entry: Entry, *, first_submit: bool, edited_by: User | None) -> None:
    """The confirmation on the first submission; a "changed by" note on later edits."""
    if first_submit:
        outbox_add(
            kind="Entry confirmation",
            handler="submissions.services.entry_notify",
            args={"entry_id": entry.pk},
            recipients=_member_emails(entry),
            jam_id=entry.jam_id,
        )
    elif edited_by is not None:
        outbox_add(
            kind="Entry changed note",
            handler="submissions.services.entry_change_notify",
            args={"entry_id": entry.pk, "version": entry.version, "editor_id": edited_by.pk},
            recipients=[email for email in _member_emails(entry) if email != edited_by.email],
            jam_id=entry.jam_id,
        )


def join_words(items: list[str]) -> str:
    """“A”, “A and B”, “A, B and C”: how the seed page writes authors."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def entry_notify(*, entry_id: int) -> bool:
    """Email every team member that their entry is in, once: on its first submission.

    Returns whether this call sent it; SMTP errors propagate for the task's retries.
    """
    from .emails import entry_submitted_message

    return send_once(
        Entry.objects.select_related("jam", "team").filter(
            pk=entry_id, state=Entry.State.SUBMITTED, notified_version=0
        ),
        message=lambda entry: entry_submitted_message(entry=entry),
        mark_sent=lambda entry: Entry.objects.filter(pk=entry.pk).update(notified_version=entry.version),
    )


CHANGE_NOTE_EVERY = timedelta(hours=1)


def entry_change_notify(*, entry_id: int, version: int, editor_id: int, now: datetime | None = None) -> bool:
    """Tell the other members that `editor_id` changed their submitted entry.

    At most one note an hour per entry (edits in between are not announced again), and
    once per version: a retried task sends nothing twice. Returns whether this call sent.
    """
    from .emails import entry_changed_message

    now = now or timezone.now()
    editor = User.objects.filter(pk=editor_id).first()
    if editor is None:
        return False
    return send_once(
        Entry.objects.select_related("jam", "team")
        .filter(pk=entry_id, state=Entry.State.SUBMITTED)
        .filter(Q(change_noted_version__isnull=True) | Q(change_noted_version__lt=version))
        .filter(Q(change_noted_at__isnull=True) | Q(change_noted_at__lte=now - CHANGE_NOTE_EVERY)),
        message=lambda entry: entry_changed_message(entry=entry, editor=editor),
        mark_sent=lambda entry: Entry.objects.filter(pk=entry.pk).update(
            change_noted_at=now, change_noted_version=version
        ),
    )


def entry_thumbnails_follow_state(*, entry_id: int) -> None:
    """After an organizer changes an entry's state: its thumbnails and slide pages move to the public
    storage if it is now submitted, back to the private one if it is a draft again."""
    entry = Entry.objects.only("pk", "jam_id").get(pk=entry_id)
    _record_entry_job(entry, kind="Thumbnails", handler="submissions.thumbnails.entry_thumbnails_make")
    _record_entry_job(entry, kind="Slide pages", handler="submissions.slides.entry_slide_pages_make")


@transaction.atomic
def entry_thumbnails_remake(*, entry_ids: list[int]) -> list[int]:
    """Make the thumbnails of these entries anew (those with an image); returns their ids."""
    entries = list(Entry.objects.filter(pk__in=entry_ids).exclude(image="").only("pk", "jam_id"))
    ids = [entry.pk for entry in entries]
    # Cleared, the thumbnails no longer match the image, so the job makes them again.
    Entry.objects.filter(pk__in=ids).update(thumbnails_of="")
    for entry in entries:
        _record_entry_job(entry, kind="Thumbnails", handler="submissions.thumbnails.entry_thumbnails_make")
    return ids
