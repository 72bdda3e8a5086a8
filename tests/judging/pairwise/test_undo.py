"""Undo in pairwise judging takes back the judge's last choice, a vote or a skip, within a
minute of it, and puts them back where they were before it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jams.models import Track
from jams.times import format_jam_time
from judging.models import Comparison, Conflict, PairwiseEntry, PairwiseJudge, Skip
from judging.pairwise_services import pairwise_next, pairwise_skip, pairwise_undo, pairwise_vote
from judging.services import NotAllowed
from submissions.models import Entry
from tests.factories import EntryFactory
from tests.judging.pairwise.walk import start_pair, state_of, vote_for_first

pytestmark = pytest.mark.django_db


def place(judge) -> tuple:
    state = state_of(judge)
    return state.previous_id, state.current_id, state.comparisons_made


def times_seen(jam) -> dict[int, int]:
    """How many times judges were sent to each entry (entries never sent to left out)."""
    rows = PairwiseEntry.objects.filter(entry__jam=jam, times_seen__gt=0).values_list("entry_id", "times_seen")
    return dict(rows)


def test_undo_an_absent_skip_puts_the_judge_back_at_the_entry(judge, entries):
    start_pair(judge)
    now = timezone.now()
    vote_for_first(judge, now)
    before, seen = place(judge), times_seen(judge.jam)
    skipped = before[1]
    pairwise_skip(judge=judge, entry_id=skipped, reason=Skip.Reason.ABSENT, now=now + timedelta(seconds=5))
    assert place(judge)[1] not in (skipped, None)

    undone = pairwise_undo(judge=judge, now=now + timedelta(seconds=30))

    assert (undone.entry_id, undone.reason) == (skipped, Skip.Reason.ABSENT)
    assert place(judge) == before
    assert not Skip.objects.exists()
    assert times_seen(judge.jam) == seen  # the entry sent on to is one visit fewer, the skipped one as it was
    assert Comparison.objects.count() == 1  # the vote before the skip stands


def test_undo_a_skip_restores_the_previous_entry_sending_on_had_cleared(jam, judge):
    """Nothing else in the track pairs with the robot, so the skip sent the judge to a
    fresh start (no previous entry); the undo puts the robot back as their previous."""
    hardware, software = Track.objects.create(jam=jam, name="Hardware"), Track.objects.create(jam=jam, name="Software")
    robot, drone = EntryFactory(team__jam=jam, title="Robot"), EntryFactory(team__jam=jam, title="Drone")
    app = EntryFactory(team__jam=jam, title="App")
    robot.tracks.add(hardware)
    drone.tracks.add(hardware)
    app.tracks.add(software)
    PairwiseJudge.objects.create(judge=judge, previous=robot, current=drone, alpha=10, beta=1)
    now = timezone.now()
    pairwise_skip(judge=judge, entry_id=drone.pk, reason=Skip.Reason.ABSENT, now=now)
    previous, current, _ = place(judge)
    assert previous is None and current in (robot.pk, app.pk)

    pairwise_undo(judge=judge, now=now + timedelta(seconds=59))

    assert place(judge) == (robot.pk, drone.pk, 0)
    # And the pair can be voted on.
    pairwise_vote(judge=judge, first_id=robot.pk, second_id=drone.pk, winner_id=drone.pk)


def test_undo_a_conflict_skip_takes_back_the_recusal(judge, entries):
    start_pair(judge)
    before = place(judge)
    conflicted = before[1]
    now = timezone.now()
    pairwise_skip(judge=judge, entry_id=conflicted, reason=Skip.Reason.CONFLICT, now=now)
    assert Conflict.objects.filter(judge=judge, entry_id=conflicted).exists()

    pairwise_undo(judge=judge, now=now + timedelta(seconds=10))

    assert not Conflict.objects.exists()
    assert not Skip.objects.exists()
    assert place(judge) == before
    # The entry can be judged again: the pair is voted on.
    vote = vote_for_first(judge, now + timedelta(seconds=20))
    assert conflicted in (vote.winner_id, vote.loser_id)


@pytest.mark.parametrize("reason", [Skip.Reason.ABSENT, Skip.Reason.CONFLICT])
def test_undo_a_skip_is_refused_once_an_organizer_marked_a_conflict_with_the_entry(judge, entries, reason):
    """Marked while the judge was at the entry, or in the minute after their skip: the skip
    stands (a conflict skip doesn't take back a conflict recorded before it)."""
    start_pair(judge)
    before = place(judge)
    conflicted = before[1]
    now = timezone.now()
    if reason == Skip.Reason.CONFLICT:  # marked first: the skip records no recusal of its own
        Conflict.objects.create(judge=judge, entry_id=conflicted, source=Conflict.Source.ORGANIZER)
    pairwise_skip(judge=judge, entry_id=conflicted, reason=reason, now=now)
    if reason == Skip.Reason.ABSENT:
        Conflict.objects.create(judge=judge, entry_id=conflicted, source=Conflict.Source.ORGANIZER)
    after = place(judge)

    with pytest.raises(NotAllowed) as refused:
        pairwise_undo(judge=judge, now=now + timedelta(seconds=10))

    title = next(e.title for e in entries if e.pk == conflicted)
    assert refused.value.message == (
        f"Your skip of “{title}” stands: you can't "
        "be sent back to it now (an organizer marked a conflict, the team withdrew it, or its tracks changed)."
    )
    assert list(Conflict.objects.values_list("entry_id", "source")) == [(conflicted, Conflict.Source.ORGANIZER)]
    assert list(Skip.objects.values_list("entry_id", "reason")) == [(conflicted, reason)]
    assert place(judge) == after


def test_undo_a_conflict_skip_is_refused_once_the_team_withdrew_the_entry_and_the_recusal_stays(judge, entries):
    start_pair(judge)
    skipped = place(judge)[1]
    now = timezone.now()
    pairwise_skip(judge=judge, entry_id=skipped, reason=Skip.Reason.CONFLICT, now=now)
    after = place(judge)
    Entry.objects.filter(pk=skipped).update(state=Entry.State.DRAFT)

    with pytest.raises(NotAllowed, match="stands"):
        pairwise_undo(judge=judge, now=now + timedelta(seconds=10))

    assert list(Conflict.objects.values_list("entry_id", "source")) == [(skipped, Conflict.Source.RECUSED)]
    assert Skip.objects.filter(entry_id=skipped).exists()
    assert place(judge) == after


def test_undo_a_skip_whose_previous_entry_was_withdrawn_puts_the_judge_back_at_it_as_a_first(judge, entries):
    start_pair(judge)
    previous, skipped, _ = place(judge)
    now = timezone.now()
    pairwise_skip(judge=judge, entry_id=skipped, reason=Skip.Reason.ABSENT, now=now)
    Entry.objects.filter(pk=previous).update(state=Entry.State.DRAFT)

    pairwise_undo(judge=judge, now=now + timedelta(seconds=10))

    assert place(judge) == (None, skipped, 0)
    # From there the judge goes on to an entry to compare it with, never the withdrawn one.
    state = pairwise_next(judge=judge, current_id=skipped)
    assert state.previous_id == skipped and state.current_id not in (None, previous, skipped)


@pytest.mark.parametrize("reason", [Skip.Reason.ABSENT, Skip.Reason.CONFLICT])
def test_undo_a_skip_refused_after_a_minute(judge, entries, reason):
    start_pair(judge)
    now = timezone.now()
    pairwise_skip(judge=judge, entry_id=place(judge)[1], reason=reason, now=now)
    before = (
        place(judge),
        times_seen(judge.jam),
        list(Skip.objects.values_list("pk", "entry_id")),
        list(Conflict.objects.values_list("pk", "entry_id")),
    )

    with pytest.raises(NotAllowed) as refused:
        pairwise_undo(judge=judge, now=now + timedelta(seconds=61))

    made = format_jam_time(now, judge.jam)
    assert refused.value.message == f"A skip can be undone for one minute after it; your last was at {made}."

    after = (
        place(judge),
        times_seen(judge.jam),
        list(Skip.objects.values_list("pk", "entry_id")),
        list(Conflict.objects.values_list("pk", "entry_id")),
    )
    assert after == before


def test_undo_takes_back_a_skip_made_after_a_vote_then_the_vote(judge, entries):
    start_pair(judge)
    now = timezone.now()
    vote_for_first(judge, now)
    after_vote = place(judge)
    pairwise_skip(judge=judge, entry_id=after_vote[1], reason=Skip.Reason.ABSENT, now=now + timedelta(seconds=5))

    first = pairwise_undo(judge=judge, now=now + timedelta(seconds=10))

    assert isinstance(first, Skip)
    assert Comparison.objects.count() == 1
    assert place(judge) == after_vote

    second = pairwise_undo(judge=judge, now=now + timedelta(seconds=15))

    assert isinstance(second, Comparison)
    assert not Comparison.objects.exists()


def test_undo_takes_back_a_vote_made_after_a_skip(judge, entries):
    start_pair(judge)
    now = timezone.now()
    skipped = place(judge)[1]
    pairwise_skip(judge=judge, entry_id=skipped, reason=Skip.Reason.ABSENT, now=now)
    after_skip = place(judge)
    vote_for_first(judge, now + timedelta(seconds=5))

    undone = pairwise_undo(judge=judge, now=now + timedelta(seconds=10))

    assert isinstance(undone, Comparison)
    assert not Comparison.objects.exists()
    assert list(Skip.objects.values_list("entry_id", flat=True)) == [skipped]
    assert place(judge) == after_skip


def test_undo_with_nothing_to_undo_says_so(judge, entries):
    start_pair(judge)

    with pytest.raises(NotAllowed, match="You haven't voted or skipped an entry yet"):
        pairwise_undo(judge=judge)
