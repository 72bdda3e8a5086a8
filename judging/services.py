from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from accounts.services import user_email_verify
from hackathon.mail import send_once
from jams.cache import pages_changed
from jams.models import Jam, Track
from jams.times import format_jam_time
from outbox.services import outbox_add, outbox_add_many
from submissions.models import Entry
from submissions.services import join_words

from .assignment import JudgeSlot, top_up, track_barred
from .invitations import Invitation
from .models import Assignment, Award, Conflict, Criterion, Judge, Prize, ResultsSnapshot, Review, Score
from .selectors import entries_for_judge, jam_results, judge_may_see, review_refusal

logger = logging.getLogger(__name__)


class JudgingClosed(ValidationError):
    pass


class NotAllowed(ValidationError):
    pass


def check_judging_open(*, jam: Jam, now: datetime) -> None:
    if now < jam.submissions_close_at:
        raise JudgingClosed(
            f"Judging opens when submissions close, on {format_jam_time(jam.submissions_close_at, jam)}. "
            "Reviews can't be saved before then."
        )
    if now >= jam.judging_ends_at:
        raise JudgingClosed(f"Judging for {jam.title} has ended, so reviews can no longer be saved or changed.")
    if jam.results_published:
        raise JudgingClosed(
            f"The results of {jam.title} are published, so reviews are closed: the published ranking doesn't change."
        )


# Judges -------------------------------------------------------------------------------


@transaction.atomic
def judge_add(
    *, jam: Jam, email: str, display_name: str = "", max_entries: int | None = None, now: datetime | None = None
) -> Judge:
    """Make a person a judge of a jam and email them (after commit).

    Someone without an account gets one, with no password, and an email to set it. Only
    the owner of the address can (the link goes to it), so the role is theirs from the
    start: setting the password accepts it and verifies the address. An existing account
    with a password may belong to anyone who typed that address, so it gets an invitation
    to accept instead (judging/invitations.py); until then, and until its address is
    verified, it has no workspace."""
    email = User.objects.normalize_email(email)
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, display_name=display_name or email.split("@")[0], password=None)
    accepted_at = None if user.has_usable_password() else (now or timezone.now())
    judge, created = Judge.objects.get_or_create(
        jam=jam, user=user, defaults={"max_entries": max_entries, "accepted_at": accepted_at}
    )
    if not created:
        raise ValidationError(f"{user.display_name} is already a judge of {jam.title}.")
    outbox_add(
        kind="Judge invitation",
        handler="judging.services.judge_invite_send",
        args={"judge_id": judge.pk},
        recipients=[user.email],
        jam_id=jam.pk,
    )
    return judge


@transaction.atomic
def judge_remove(*, judge: Judge, now: datetime | None = None) -> int:
    """Take a judge off the jam: no workspace, no new entries, their unreviewed entries go
    to others. Their reviews stay and still count unless the judge is also excluded from
    the results. Returns how many assignments were handed on."""
    judge.removed_at = now or timezone.now()
    judge.save(update_fields=["removed_at"])
    reviewed = Review.objects.filter(judge_id=judge.pk, entry_id=OuterRef("entry_id"))
    dropped, _ = Assignment.objects.filter(judge=judge).exclude(Exists(reviewed)).delete()
    _top_up(judge.jam)
    return dropped


@transaction.atomic
def judge_reinstate(*, judge: Judge) -> None:
    judge.removed_at = None
    judge.save(update_fields=["removed_at"])


@transaction.atomic
def judge_results_exclude(*, judge: Judge, excluded: bool) -> None:
    """Leave a judge's reviews out of the results (or count them again). The reviews
    themselves are kept. After publication this is the one change, an organizer's own
    decision, that takes the published ranking anew; reviews never move it."""
    judge.excluded_from_results = excluded
    judge.save(update_fields=["excluded_from_results"])
    jam = Jam.objects.select_for_update().get(pk=judge.jam_id)
    if jam.pairwise:  # the figures are kept vote by vote: replay them without this judge's
        from .pairwise_services import pairwise_recompute

        pairwise_recompute(jam=jam)
    if jam.results_published:
        _snapshot_take(jam)
        pages_changed(jam=jam)


def judge_invite_send(*, judge_id: int) -> bool:
    """Email a new judge, once: a link to set their password if their account has none
    yet, else the invitation to accept (or, accepted already, a note that they judge the
    jam, with the link to their queue)."""
    from .emails import judge_accept_message, judge_added_message, judge_invite_message

    def message(judge: Judge):
        if not judge.user.has_usable_password():
            return judge_invite_message(judge=judge)
        if judge.accepted_at is None:
            return judge_accept_message(judge=judge)
        return judge_added_message(judge=judge)

    def mark_sent(judge: Judge) -> None:
        judge.invited_at = timezone.now()
        judge.save(update_fields=["invited_at"])

    return send_once(
        Judge.objects.select_related("jam", "user").filter(pk=judge_id, invited_at__isnull=True),
        message=message,
        mark_sent=mark_sent,
    )


@transaction.atomic
def judge_accept(*, judge: Judge, now: datetime | None = None) -> bool:
    """The person takes up judging the jam. Their address must be verified: the role was
    given to an address, not to whoever made an account with it. Returns whether this
    accepted it now (False when it was accepted already)."""
    if judge.removed_at is not None:
        raise NotAllowed(f"The organizers of {judge.jam.title} took you off judging, so there is nothing to accept.")
    if not judge.user.email_verified:
        raise NotAllowed(f"Confirm your email address, {judge.user.email}, first: judging needs a confirmed address.")
    if judge.accepted_at is not None:
        return False
    judge.accepted_at = now or timezone.now()
    judge.save(update_fields=["accepted_at"])
    return True


@transaction.atomic
def judge_accept_by_link(*, invitation: Invitation, now: datetime | None = None) -> bool:
    """Accept through the emailed link, which also proves the address it was sent to."""
    user_email_verify(user=invitation.judge.user, email=invitation.email, now=now)
    return judge_accept(judge=invitation.judge, now=now)


# Assignment ---------------------------------------------------------------------------


@transaction.atomic
def assignments_make(*, jam: Jam, seed: int | None = None) -> int:
    """Give each submitted entry up to the jam's k judges; returns how many were added.

    Keeps the assignments there are, so running it again only fills gaps (new entries,
    new judges, recusals, removed judges). An entry not yet reviewed may pass from one
    judge to another when that is what keeps loads within one. Removed judges get
    nothing new. The seed defaults to the jam's id: the same state gives the same
    assignments."""
    if jam.pairwise:  # pairwise judges are sent from entry to entry, not given a queue
        return 0
    Jam.objects.select_for_update().filter(pk=jam.pk).first()
    judges = list(Judge.objects.filter(jam=jam, removed_at__isnull=True))
    entry_ids = list(Entry.objects.filter(jam=jam, state=Entry.State.SUBMITTED).values_list("pk", flat=True))
    conflicts = set(Conflict.objects.filter(judge__jam=jam).values_list("judge_id", "entry_id"))
    conflicts |= _own_team_pairs(jam)
    barred = _track_barred_pairs(jam, judges, entry_ids)
    conflicts |= barred
    reviewed = Review.objects.filter(judge_id=OuterRef("judge_id"), entry_id=OuterRef("entry_id"))
    existing = Assignment.objects.filter(judge__jam=jam).annotate(reviewed=Exists(reviewed))
    pairs = {(a.judge_id, a.entry_id): a.reviewed for a in existing.only("judge_id", "entry_id")}
    # A judge's tracks changed since: their unreviewed entries outside them go to others.
    for judge_id, entry_id in [pair for pair, done in pairs.items() if not done and pair in barred]:
        Assignment.objects.filter(judge_id=judge_id, entry_id=entry_id).delete()
        del pairs[judge_id, entry_id]
    plan = top_up(
        entry_ids=entry_ids,
        judges=[JudgeSlot(judge_id=j.pk, cap=j.max_entries) for j in judges],
        k=jam.reviews_per_entry,
        conflicts=conflicts,
        fixed={pair for pair, done in pairs.items() if done},
        movable={pair for pair, done in pairs.items() if not done},
        seed=jam.pk if seed is None else seed,
    )
    for judge_id, entry_id in plan.remove:
        Assignment.objects.filter(judge_id=judge_id, entry_id=entry_id).delete()
    Assignment.objects.bulk_create([Assignment(judge_id=j, entry_id=e) for j, e in sorted(plan.add)])
    Jam.objects.filter(pk=jam.pk).update(assignments_made_at=timezone.now())
    return len(plan.add)


@transaction.atomic
def judge_tracks_set(*, judge: Judge, tracks: list[Track]) -> None:
    """Limit a judge to these tracks of their jam (none: every track). Once judging is
    assigned, their unreviewed entries outside the tracks go to other judges."""
    foreign = [track.name for track in tracks if track.jam_id != judge.jam_id]
    if foreign:
        raise NotAllowed(f"“{foreign[0]}” is not a track of {judge.jam.title}.")
    judge.tracks.set(tracks)
    _top_up(judge.jam)


def _top_up(jam: Jam) -> None:
    """Fill the gaps a judge left, if judging has been assigned (read afresh: the jam in
    hand may predate it)."""
    if Jam.objects.filter(pk=jam.pk, assignments_made_at__isnull=False).exists():
        assignments_make(jam=jam)


def _track_barred_pairs(jam: Jam, judges: list[Judge], entry_ids: list[int]) -> set[tuple[int, int]]:
    judge_tracks: dict[int, set[int]] = defaultdict(set)
    for judge_id, track_id in Judge.tracks.through.objects.filter(judge__jam=jam).values_list("judge_id", "track_id"):
        judge_tracks[judge_id].add(track_id)
    if not judge_tracks:
        return set()
    entry_tracks: dict[int, set[int]] = {pk: set() for pk in entry_ids}
    for entry_id, track_id in Entry.tracks.through.objects.filter(entry__jam=jam).values_list("entry_id", "track_id"):
        if entry_id in entry_tracks:
            entry_tracks[entry_id].add(track_id)
    return track_barred(judge_tracks=judge_tracks, entry_tracks=entry_tracks, judge_ids=[j.pk for j in judges])


def _own_team_pairs(jam: Jam) -> set[tuple[int, int]]:
    rows = Entry.objects.filter(jam=jam, team__memberships__user__judge_roles__jam=jam).values_list(
        "team__memberships__user__judge_roles__id", "pk"
    )
    return set(rows)


def assignments_ensure(*, jam: Jam, now: datetime | None = None) -> None:
    """Assign once judging has opened, if nobody has yet (the workspace calls this, so a
    jam works without the periodic task too)."""
    now = now or timezone.now()
    if jam.assignments_made_at is None and jam.judging_open_at(now):
        assignments_make(jam=jam)


# Reviews ------------------------------------------------------------------------------


@transaction.atomic
def review_save(
    *,
    judge: Judge,
    entry: Entry,
    scores: dict[int, int],
    feedback: str = "",
    private_note: str = "",
    now: datetime | None = None,
) -> Review:
    """A judge's review of an entry, created or changed; every criterion must be scored
    within its scale. Refused outside the judging window and for entries the judge may
    not review."""
    jam = judge.jam
    check_judging_open(jam=jam, now=now or timezone.now())
    if jam.pairwise:
        raise NotAllowed(f"{jam.title} is judged by comparing entries two at a time, so reviews can't be saved.")
    refusal = review_refusal(judge=judge, entry=entry)
    if entry.jam_id != jam.pk or refusal:
        raise NotAllowed(refusal or "This entry isn't in this jam.")
    criteria = list(Criterion.objects.filter(jam=jam))
    _check_scores(criteria, scores)
    review, _ = Review.objects.update_or_create(
        judge=judge, entry=entry, defaults={"feedback": feedback.strip(), "private_note": private_note.strip()}
    )
    for criterion in criteria:
        Score.objects.update_or_create(review=review, criterion=criterion, defaults={"value": scores[criterion.pk]})
    return review


def _check_scores(criteria: list[Criterion], scores: dict[int, int]) -> None:
    errors = []
    for criterion in criteria:
        value = scores.get(criterion.pk)
        if value is None:
            errors.append(f"Please score “{criterion.name}”.")
        elif not criterion.scale_low <= value <= criterion.scale_high:
            scale = f"{criterion.scale_low} to {criterion.scale_high}"
            errors.append(f"“{criterion.name}” is scored from {scale}; {value} is outside.")
    unknown = set(scores) - {c.pk for c in criteria}
    if unknown:
        errors.append("Some scores are for criteria this jam doesn't have.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def judge_recuse(*, judge: Judge, entry: Entry, now: datetime | None = None) -> Conflict:
    """“I know this team”: the entry leaves the judge's queue, with any review they wrote,
    and, once judging has been assigned, goes to another judge."""
    check_judging_open(jam=judge.jam, now=now or timezone.now())
    if not entries_for_judge(judge=judge).filter(pk=entry.pk).exists():
        raise NotAllowed("This entry is not in your queue.")
    conflict, _ = Conflict.objects.get_or_create(judge=judge, entry=entry, defaults={"source": Conflict.Source.RECUSED})
    Assignment.objects.filter(judge=judge, entry=entry).delete()
    Review.objects.filter(judge=judge, entry=entry).delete()
    _top_up(judge.jam)  # someone else takes the entry, loads within one
    if judge.jam.results_published:
        pages_changed(jam=judge.jam)
    return conflict


@transaction.atomic
def judge_recuse_undo(*, judge: Judge, entry: Entry, now: datetime | None = None) -> Assignment | None:
    """Take back a recusal until judging ends: the entry can be reviewed again and, once
    judging has been assigned, is back on the judge's queue. The review deleted by the
    recusal does not come back. The judge who took the entry over keeps it: one more
    review does no harm, and taking theirs away could lose work in progress. Returns the
    assignment restored, if any."""
    check_judging_open(jam=judge.jam, now=now or timezone.now())
    deleted, _ = Conflict.objects.filter(judge=judge, entry=entry, source=Conflict.Source.RECUSED).delete()
    if not deleted:
        raise NotAllowed("You haven't recused from this entry, so there is nothing to undo.")
    if not judge_may_see(judge=judge, entry=entry):
        raise NotAllowed("This entry can't come back to you: it is your team's, or no longer submitted.")
    if not Jam.objects.filter(pk=judge.jam_id, assignments_made_at__isnull=False).exists():
        return None
    assignment, _ = Assignment.objects.get_or_create(judge=judge, entry=entry)
    return assignment


@transaction.atomic
def conflict_mark(*, judge: Judge, entry: Entry, note: str = "") -> Conflict:
    """An organizer's word that a judge must not review an entry; any assignment goes."""
    conflict, _ = Conflict.objects.update_or_create(
        judge=judge, entry=entry, defaults={"source": Conflict.Source.ORGANIZER, "note": note}
    )
    Assignment.objects.filter(judge=judge, entry=entry).delete()
    return conflict


# Results ------------------------------------------------------------------------------


class AlreadyPublished(ValidationError):
    pass


@transaction.atomic
def results_publish(*, jam: Jam, now: datetime | None = None) -> Jam:
    """Publish a jam's results once: record when, and queue the announcement email."""
    locked = Jam.objects.select_for_update().get(pk=jam.pk)
    if locked.results_published_at is not None:
        published = format_jam_time(locked.results_published_at, jam)
        raise AlreadyPublished(f"The results of {jam.title} were already published on {published}; nothing changed.")
    locked.results_published_at = now or timezone.now()
    locked.save(update_fields=["results_published_at"])
    _snapshot_take(locked)
    pages_changed(jam=locked)
    results_announce(jam=locked)
    return locked


def _snapshot_take(jam: Jam) -> ResultsSnapshot:
    """Freeze the ranking as it stands (the jam row is locked: no review moves it meanwhile)."""
    results = jam_results(jam=jam)
    snapshot, _ = ResultsSnapshot.objects.update_or_create(
        jam=jam,
        defaults={
            "taken_at": jam.results_published_at,
            "method": jam.results_method,
            "scale_low": results.scale[0],
            "scale_high": results.scale[1],
            "noise": results.noise,
            "figures": [asdict(row.figures) for row in results.rows],
        },
    )
    return snapshot


@transaction.atomic
def results_reopen(*, jam: Jam) -> Jam:
    """Take published results back: the public results page says they are not out, the
    frozen ranking is dropped, and judges can save reviews again until judging ends.
    Publishing again takes a new snapshot and emails only those not told before."""
    locked = Jam.objects.select_for_update().get(pk=jam.pk)
    if locked.results_published_at is None:
        raise NotAllowed(f"The results of {jam.title} aren't published, so there is nothing to re-open.")
    locked.results_published_at = None
    locked.save(update_fields=["results_published_at"])
    ResultsSnapshot.objects.filter(jam=locked).delete()
    pages_changed(jam=locked)
    return locked


def results_announce(*, jam: Jam) -> int:
    """Record the email that the results are out for every person signed up to the jam
    (the outbox sends them); returns how many."""
    from jams.models import SignUp

    people = SignUp.objects.filter(jam=jam).values_list("user_id", "user__email").order_by("id")
    return outbox_add_many(
        kind="Results announcement",
        handler="judging.services.results_notice_send",
        items=[({"jam_id": jam.pk, "user_id": user_id}, [email]) for user_id, email in people],
        jam_id=jam.pk,
    )


def results_notice_send(*, jam_id: int, user_id: int) -> bool:
    """Tell one person that the jam's results are out, once: a failing send leaves no
    notice row, so a retry reaches them, and a second run finds the row and sends nothing.
    Returns whether this call sent."""
    from .emails import results_message
    from .models import ResultsNotice

    jam = Jam.objects.filter(pk=jam_id, results_published_at__isnull=False).first()
    user = User.objects.filter(pk=user_id).first()
    if jam is None or user is None:
        return False
    with transaction.atomic():
        _, created = ResultsNotice.objects.get_or_create(jam=jam, user=user)
        if created:
            results_message(jam=jam, user=user).send()
    return created


def award_refusal(*, prize: Prize, entry: Entry) -> str | None:
    """Why this entry may not win this prize, or None: a prize of a track goes only to an
    entry in that track."""
    if entry.jam_id != prize.jam_id:
        return "That entry is not in this prize's jam."
    if prize.track_id is not None and not entry.tracks.filter(pk=prize.track_id).exists():
        return (
            f"“{prize.name}” is a prize of the “{prize.track.name}” track, and “{entry.title}” "
            "isn't in that track: pick an entry of the track, or make it a prize of the whole jam."
        )
    return None


def prize_track_refusal(*, prize: Prize, track: Track | None) -> str | None:
    """Why this prize may not become a prize of `track` (None: of the whole jam), or None:
    an entry it went to is not in that track, and the results would list it there."""
    if track is None or prize.pk is None:
        return None
    outside = [
        award.entry
        for award in Award.objects.filter(prize=prize)
        .exclude(entry__tracks=track)
        .select_related("entry")
        .order_by("entry__title", "entry_id")
    ]
    if not outside:
        return None
    return (
        f"“{prize.name}” went to {join_words([f'“{entry.title}”' for entry in outside])}, not in the "
        f"“{track.name}” track: remove "
        f"{'that award' if len(outside) == 1 else 'those awards'} first, or pick a track "
        f"{'it is' if len(outside) == 1 else 'they are'} in."
    )


def entry_tracks_refusal(*, entry: Entry, tracks: list[Track]) -> str | None:
    """Why this entry may not be put in just these tracks, or None: it won a prize of a
    track it would leave, and the results would list it under a track it is not in."""
    if entry.pk is None:
        return None
    kept = [track.pk for track in tracks]
    lost = list(
        Award.objects.filter(entry=entry, prize__track__isnull=False)
        .exclude(prize__track__in=kept)
        .select_related("prize__track")
        .order_by("prize__order", "prize_id")
    )
    if not lost:
        return None
    prizes = " and ".join(f"“{award.prize.name}”, a prize of the “{award.prize.track.name}” track" for award in lost)
    return (
        f"“{entry.title}” won {prizes}: keep it in {'that track' if len(lost) == 1 else 'those tracks'}, "
        f"or remove {'the award' if len(lost) == 1 else 'the awards'} first (on the jam's results page)."
    )


@transaction.atomic
def award_give(*, prize: Prize, entry: Entry) -> Award:
    refusal = award_refusal(prize=prize, entry=entry)
    if refusal:
        raise NotAllowed(refusal)
    award, _ = Award.objects.get_or_create(prize=prize, entry=entry)
    _published_results_changed(prize.jam)
    return award


@transaction.atomic
def award_remove(*, prize: Prize, entry_id: int) -> None:
    Award.objects.filter(prize=prize, entry_id=entry_id).delete()
    _published_results_changed(prize.jam)


@transaction.atomic
def results_uncertainty_show(*, jam: Jam, show: bool) -> None:
    """Whether the public ranking shows each score's standard error and the places too
    close to call."""
    Jam.objects.filter(pk=jam.pk).update(show_uncertainty=show)
    jam.show_uncertainty = show
    _published_results_changed(jam)


def _published_results_changed(jam: Jam) -> None:
    if jam.results_published:
        pages_changed(jam=jam)
