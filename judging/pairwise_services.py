"""Writes for pairwise judging: a judge moves on, votes, skips, recuses, undoes; an
organizer's change recomputes the figures.

Concurrency: every write here first locks the jam's row (select_for_update), then reads
and writes the judge's and entries' rows. So a jam's pairwise writes happen one at a
time, in the order their locks were granted, and the vote ids (Comparison, which replay
follows) are in that order too: two judges voting at the same moment never lose an
update, and the figures kept one vote at a time are always what replaying the votes
gives. A jam-level lock rather than the judge's and entries' rows because an undo or an
organizer's "ignore this judge" replays every vote and rewrites every row; a vote takes
milliseconds and an expo floor casts a few a second at most, so waiting costs nothing
anyone notices. The same lock is what publishing the results takes.
"""

from __future__ import annotations

import random
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jams.cache import pages_changed
from jams.models import Jam
from jams.times import format_jam_time
from submissions.models import Entry

from . import crowd_bt
from .models import Comparison, Conflict, Judge, PairwiseEntry, PairwiseJudge, Skip
from .pairwise_selectors import (
    UNDO_WINDOW,
    annotator_of,
    choice_key,
    item_of,
    last_choice,
    pair_compared,
    pair_refusal,
    pairwise_candidates,
    place_changed,
)
from .selectors import entries_for_judge
from .services import NotAllowed, check_judging_open

STALE = (
    "That pair is no longer the one you're comparing (the page was out of date, or you voted already): "
    "nothing was recorded. Here is where you are now."
)
MOVED_ON = "Your pair has changed: here is where you are now."


def _lock(judge: Judge, now: datetime) -> tuple[Jam, PairwiseJudge]:
    """The jam's lock, the judging window checked under it, and the judge's state."""
    jam = Jam.objects.select_for_update().get(pk=judge.jam_id)
    # Read again under the lock: an organizer may have removed the judge, or left their
    # votes out, while this request waited for it.
    judge.refresh_from_db(fields=["removed_at", "excluded_from_results"])
    if not jam.pairwise:
        raise NotAllowed(f"{jam.title} is judged with the rubric, not by comparing pairs.")
    if judge.removed_at is not None:
        raise NotAllowed(f"The organizers of {jam.title} took you off judging.")
    check_judging_open(jam=jam, now=now)
    prior = crowd_bt.Annotator()
    state, _ = PairwiseJudge.objects.get_or_create(judge=judge, defaults={"alpha": prior.alpha, "beta": prior.beta})
    judge.jam = jam
    return jam, state


def _entry_state(entry_id: int) -> PairwiseEntry:
    prior = crowd_bt.Item()
    state, _ = PairwiseEntry.objects.get_or_create(
        entry_id=entry_id, defaults={"mu": prior.mu, "sigma_sq": prior.sigma_sq}
    )
    return state


def _judge_reread(judge: Judge) -> crowd_bt.Annotator:
    """The judge's reliability read from all their votes, from crowd_bt.JUDGES_PRIOR, against
    the entries as they stand now (crowd_bt.reassess), as the simulation's judges walk; one
    query."""
    votes = Comparison.objects.filter(judge=judge).order_by("id")
    rows = votes.values_list(
        "winner_id", "winner__pairwise__mu", "winner__pairwise__sigma_sq",
        "loser_id", "loser__pairwise__mu", "loser__pairwise__sigma_sq",
    )  # fmt: skip
    items, log = {}, []
    for winner, winner_mu, winner_sigma_sq, loser, loser_mu, loser_sigma_sq in rows:
        items[winner] = crowd_bt.Item(mu=winner_mu, sigma_sq=winner_sigma_sq)
        items[loser] = crowd_bt.Item(mu=loser_mu, sigma_sq=loser_sigma_sq)
        log.append((judge.pk, winner, loser))
    return crowd_bt.reassess(log, items, prior=crowd_bt.JUDGES_PRIOR).get(judge.pk, crowd_bt.JUDGES_PRIOR)


def _send_on(judge: Judge, state: PairwiseJudge, reference: Entry | None) -> None:
    """Choose the entry the judge goes to next, to compare with `reference` (the entry they
    just saw; None for a first one). When nothing left pairs with it (other tracks only),
    they start afresh from an entry of their choosing."""
    leave_out = {state.current_id} if state.current_id else set()
    candidates = pairwise_candidates(judge=judge, reference=reference, leave_out=leave_out)
    current_item = item_of(_entry_state(reference.pk)) if reference else None
    if not candidates and reference is not None:
        reference, current_item = None, None
        candidates = pairwise_candidates(judge=judge, reference=None, leave_out=leave_out)
    chosen = crowd_bt.choose_next(
        _judge_reread(judge), current_item, candidates, rng=random.Random(), gamma=crowd_bt.PAIRING_GAMMA
    )
    state.previous = reference
    state.current_id = chosen
    if chosen is not None:
        _entry_state(chosen)
        PairwiseEntry.objects.filter(entry_id=chosen).update(times_seen=F("times_seen") + 1)


def _judgeable(judge: Judge, entry_id: int | None) -> Entry | None:
    """The entry, if the judge may still judge it (an organizer may have marked a conflict
    since, the team withdrawn it, its tracks changed); one query."""
    return entries_for_judge(judge=judge).filter(pk=entry_id).first() if entry_id else None


@transaction.atomic
def pairwise_next(*, judge: Judge, current_id: int | None, now: datetime | None = None) -> PairwiseJudge:
    """Send the judge to an entry: their first (they have none, or saw every entry there
    was), or, once they have seen their first (`current_id`), the one to compare it with.
    When an entry they stand at can't be judged by them any more, their place is mended
    instead (_place_mend), as their page offered."""
    _jam, state = _lock(judge, now or timezone.now())
    if place_changed(judge=judge, state=state):  # the page said so, and offered to go on
        _place_mend(judge, state)
        return state
    if state.current_id is None:
        _send_on(judge, state, _judgeable(judge, state.previous_id))
    elif state.previous_id is None and current_id == state.current_id:
        _send_on(judge, state, _judgeable(judge, state.current_id))  # None: they can't judge it now
    else:
        raise NotAllowed(STALE)
    state.save()
    return state


def pairwise_vote(
    *, judge: Judge, first_id: int, second_id: int, winner_id: int, now: datetime | None = None
) -> Comparison:
    """The judge found `winner_id` the better of the pair they were comparing: `first_id`
    (seen before) and `second_id` (seen now). Refused, with nothing changed, for an entry
    they may not judge, entries in different tracks, a pair they compared before, a pair
    that isn't theirs now, and outside the judging window.

    When the pair they were given can't be compared any more (an organizer marked a
    conflict, a team withdrew, tracks changed), the refusal also moves them on without
    the entry they can't judge, so they are never stuck at a pair no vote is taken for."""
    now = now or timezone.now()
    with transaction.atomic():
        jam, state = _lock(judge, now)
        entries = Entry.objects.filter(jam=jam, state=Entry.State.SUBMITTED).in_bulk([first_id, second_id])
        if len(entries) != 2 or first_id == second_id:
            refusal = "Those two aren't two submitted entries of this jam. Nothing was recorded."
        else:
            refusal = pair_refusal(judge=judge, first=entries[first_id], second=entries[second_id])
        if refusal is None:
            return _vote_record(judge, state, entries, first_id, second_id, winner_id, now)
        if (state.previous_id, state.current_id) != (first_id, second_id):
            raise NotAllowed(refusal)
        _place_mend(judge, state)
    raise NotAllowed(f"{refusal} {MOVED_ON}")  # after the commit: the judge's mended place stays


def _vote_record(judge, state, entries, first_id, second_id, winner_id, now) -> Comparison:
    first, second = entries[first_id], entries[second_id]
    if winner_id not in (first_id, second_id):
        raise NotAllowed("Choose one of the two entries you're comparing. Nothing was recorded.")
    if pair_compared(judge=judge, first_id=first_id, second_id=second_id):
        raise NotAllowed(
            f"You have compared “{first.title}” and “{second.title}” already; each pair is judged once. "
            "Nothing was recorded."
        )
    if (state.previous_id, state.current_id) != (first_id, second_id):
        raise NotAllowed(STALE)
    loser_id = second_id if winner_id == first_id else first_id
    vote = Comparison.objects.create(
        judge=judge,
        winner=entries[winner_id],
        loser=entries[loser_id],
        winner_first=winner_id == first_id,
        created_at=now,
    )
    if not judge.excluded_from_results:  # as replay does: their votes count nowhere
        winner, loser = _entry_state(winner_id), _entry_state(loser_id)
        annotator, won, lost = crowd_bt.update(annotator_of(state), item_of(winner), item_of(loser))
        state.alpha, state.beta = annotator.alpha, annotator.beta
        for row, item in ((winner, won), (loser, lost)):
            row.mu, row.sigma_sq = item.mu, item.sigma_sq
            row.save(update_fields=["mu", "sigma_sq"])
    state.comparisons_made = F("comparisons_made") + 1
    _send_on(judge, state, second)
    state.save()
    state.refresh_from_db(fields=["comparisons_made"])
    return vote


def _place_mend(judge: Judge, state: PairwiseJudge) -> None:
    """The judge's pair can't be compared any more: keep the entry they may still judge as
    the one to compare the next with, or, when that is the one they were sent to, keep it
    as a first entry (its pair's tracks changed); without either, send them afresh."""
    previous, current = _judgeable(judge, state.previous_id), _judgeable(judge, state.current_id)
    if current is None:
        state.current_id = None
        _send_on(judge, state, previous)
    else:
        state.previous = None
    state.save()


@transaction.atomic
def pairwise_skip(*, judge: Judge, entry_id: int, reason: str, now: datetime | None = None) -> Skip:
    """The judge can't judge the entry they were sent to: the team isn't there (ABSENT),
    or they have a conflict (CONFLICT: recorded as their recusal, and the entry is never
    shown to them again). They are sent on to another."""
    now = now or timezone.now()
    _jam, state = _lock(judge, now)
    if reason not in Skip.Reason.values:
        raise NotAllowed("Say why you're skipping this entry. Nothing was recorded.")
    if state.current_id != entry_id:
        raise NotAllowed(STALE)
    recused = False
    if reason == Skip.Reason.CONFLICT:
        _conflict, recused = Conflict.objects.get_or_create(
            judge=judge, entry_id=entry_id, defaults={"source": Conflict.Source.RECUSED}
        )
    skip = Skip.objects.create(
        judge=judge, entry_id=entry_id, reason=reason, previous_id=state.previous_id, recused=recused, created_at=now
    )
    _send_on(judge, state, _judgeable(judge, state.previous_id))
    state.save()
    return skip


@transaction.atomic
def pairwise_undo(*, judge: Judge, choice: str | None = None, now: datetime | None = None) -> Comparison | Skip:
    """Take back the judge's last vote or skip, whichever came last, within a minute of it,
    and put the judge back where they were before it. Returns what was undone. `choice`
    (choice_key) is the one the judge's page offered to undo: refused when it is no longer
    their last (a second tap on Undo), so one tap undoes one choice."""
    now = now or timezone.now()
    jam, state = _lock(judge, now)
    last = last_choice(judge=judge)
    if last is None:
        raise NotAllowed("You haven't voted or skipped an entry yet, so there is nothing to undo.")
    if choice is not None and choice != choice_key(last):
        raise NotAllowed(
            "That choice is no longer your last one (it was undone already, or you made another since): "
            "nothing more was undone. Here is where you are now."
        )
    if now > last.created_at + UNDO_WINDOW:
        made = format_jam_time(last.created_at, jam)
        if isinstance(last, Skip):
            raise NotAllowed(f"A skip can be undone for one minute after it; your last was at {made}.")
        raise NotAllowed(f"A vote can be undone for one minute after it's cast; your last was cast {made}.")
    if isinstance(last, Skip):
        _skip_undo(judge, state, last)
    else:
        _vote_undo(jam, judge, state, last)
    return last


def _vote_undo(jam: Jam, judge: Judge, state: PairwiseJudge, vote: Comparison) -> None:
    """The vote goes, the figures are recomputed without it, and the judge is back at that
    pair; the entry they were sent on to is one visit fewer. Refused, with nothing changed,
    when they couldn't vote on that pair again (an organizer marked a conflict with one of
    the two, a team withdrew, tracks changed)."""
    if pair_refusal(judge=judge, first=vote.winner, second=vote.loser):
        raise NotAllowed(
            f"Your vote on “{vote.winner.title}” and “{vote.loser.title}” stands: you can't compare the two "
            "any more (an organizer marked a conflict, a team withdrew its entry, or tracks changed)."
        )
    if state.current_id and state.current_id not in (vote.winner_id, vote.loser_id):
        PairwiseEntry.objects.filter(entry_id=state.current_id, times_seen__gt=0).update(times_seen=F("times_seen") - 1)
    first, second = (vote.winner_id, vote.loser_id) if vote.winner_first else (vote.loser_id, vote.winner_id)
    vote.delete()
    state.previous_id, state.current_id = first, second
    state.comparisons_made = max(state.comparisons_made - 1, 0)
    state.save()
    pairwise_recompute(jam=jam)


def _skip_undo(judge: Judge, state: PairwiseJudge, skip: Skip) -> None:
    """The skip goes, with the conflict it recorded (not one recorded before it), and the
    judge is back at the skipped entry, their previous one as it was; the entry they were
    sent on to is one visit fewer. No vote changed, so the figures stand.

    Refused, with nothing changed, when they may not judge the skipped entry any more (an
    organizer marked a conflict, the team withdrew it, its tracks changed). When only the
    previous one can't be compared with it now, they are back at it as a first entry."""
    if skip.recused:
        Conflict.objects.filter(judge_id=skip.judge_id, entry_id=skip.entry_id, source=Conflict.Source.RECUSED).delete()
    if _judgeable(judge, skip.entry_id) is None:
        raise NotAllowed(  # the rollback brings back the conflict deleted above
            f"Your skip of “{skip.entry.title}” stands: you can't be sent back to it now (an organizer "
            "marked a conflict, the team withdrew it, or its tracks changed)."
        )
    previous = _judgeable(judge, skip.previous_id)
    if previous is not None and pair_refusal(judge=judge, first=previous, second=skip.entry):
        previous = None
    if state.current_id and state.current_id != skip.entry_id:
        PairwiseEntry.objects.filter(entry_id=state.current_id, times_seen__gt=0).update(times_seen=F("times_seen") - 1)
    skip.delete()
    state.previous, state.current_id = previous, skip.entry_id
    state.save()


def pairwise_recompute(*, jam: Jam) -> None:
    """Every entry's and judge's figures anew from the votes, in the order cast, leaving out
    judges excluded from the results. The caller holds the jam's lock."""
    votes = list(
        Comparison.objects.filter(judge__jam=jam).order_by("id").values_list("judge_id", "winner_id", "loser_id")
    )
    ignored = set(Judge.objects.filter(jam=jam, excluded_from_results=True).values_list("pk", flat=True))
    items, annotators = crowd_bt.replay(votes, ignored=ignored)
    prior, prior_judge = crowd_bt.Item(), crowd_bt.Annotator()
    entries = list(PairwiseEntry.objects.filter(entry__jam=jam))
    for row in entries:
        item = items.get(row.entry_id, prior)
        row.mu, row.sigma_sq = item.mu, item.sigma_sq
    PairwiseEntry.objects.bulk_update(entries, ["mu", "sigma_sq"])
    judges = list(PairwiseJudge.objects.filter(judge__jam=jam))
    for row in judges:
        annotator = annotators.get(row.judge_id, prior_judge)
        row.alpha, row.beta = annotator.alpha, annotator.beta
    PairwiseJudge.objects.bulk_update(judges, ["alpha", "beta"])
    if jam.results_published:
        pages_changed(jam=jam)
