"""Pairwise judging: the judge's walk from entry to entry, votes and their refusals, undo,
ignoring a judge, and the results it feeds."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from jams.models import Track
from judging import crowd_bt
from judging.models import Comparison, Conflict, Judge, PairwiseEntry, PairwiseJudge, Skip
from judging.pairwise_selectors import pairwise_candidates
from judging.pairwise_services import pairwise_next, pairwise_skip, pairwise_undo, pairwise_vote
from judging.selectors import jam_results, published_results
from judging.services import JudgingClosed, NotAllowed, judge_results_exclude, results_publish
from tests.factories import EntryFactory, JamFactory, JudgeFactory, TeamFactory
from tests.judging.pairwise.walk import start_pair, state_of, vote_for_first

pytestmark = pytest.mark.django_db


def snapshot(jam) -> tuple:
    """Everything a pairwise write may change, to assert that a refusal changed nothing."""
    return (
        list(Comparison.objects.filter(judge__jam=jam).values_list("judge_id", "winner_id", "loser_id")),
        list(
            PairwiseEntry.objects.filter(entry__jam=jam)
            .order_by("pk")
            .values_list("pk", "mu", "sigma_sq", "times_seen")
        ),
        list(
            PairwiseJudge.objects.filter(judge__jam=jam)
            .order_by("pk")
            .values_list("pk", "previous_id", "current_id", "alpha", "beta", "comparisons_made")
        ),
        list(Skip.objects.filter(judge__jam=jam).values_list("judge_id", "entry_id")),
        list(Conflict.objects.filter(judge__jam=jam).values_list("judge_id", "entry_id")),
    )


def test_walk_first_entry_then_pair(judge, entries):
    state = pairwise_next(judge=judge, current_id=None)
    assert state.previous_id is None
    assert state.current_id in {e.pk for e in entries}

    state = pairwise_next(judge=judge, current_id=state.current_id)

    assert state.previous_id is not None
    assert state.current_id not in (None, state.previous_id)
    assert sorted(PairwiseEntry.objects.values_list("times_seen", flat=True)) == [1, 1]


def test_vote_updates_figures_as_crowd_bt_does(judge, entries):
    state = start_pair(judge)
    first, second = state.previous_id, state.current_id

    vote = pairwise_vote(judge=judge, first_id=first, second_id=second, winner_id=second)

    annotator, won, lost = crowd_bt.update(crowd_bt.Annotator(), crowd_bt.Item(), crowd_bt.Item())
    winner, loser = PairwiseEntry.objects.get(pk=second), PairwiseEntry.objects.get(pk=first)
    assert (vote.winner_id, vote.loser_id, vote.winner_first) == (second, first, False)
    assert (winner.mu, winner.sigma_sq) == pytest.approx((won.mu, won.sigma_sq))
    assert (loser.mu, loser.sigma_sq) == pytest.approx((lost.mu, lost.sigma_sq))
    state = state_of(judge)
    assert (state.alpha, state.beta) == pytest.approx((annotator.alpha, annotator.beta))
    assert state.comparisons_made == 1
    assert state.previous_id == second  # the entry just seen is the next comparison's A
    assert state.current_id not in (first, second, None)


def test_votes_never_repeat_an_entry_for_a_judge(judge, entries):
    start_pair(judge)
    for _ in range(len(entries) - 1):
        vote_for_first(judge)

    state = state_of(judge)
    assert state.comparisons_made == len(entries) - 1
    assert state.current_id is None  # every entry seen
    assert pairwise_candidates(judge=judge, reference=state.previous) == []


def test_refused_stale_pair(judge, entries):
    state = start_pair(judge)
    stale_second = state.current_id
    vote_for_first(judge)
    before = snapshot(judge.jam)
    fresh = state_of(judge)

    with pytest.raises(NotAllowed, match="no longer the one you're comparing"):
        # Both entries are fine to judge and not compared together, but not the pair now.
        pairwise_vote(judge=judge, first_id=fresh.current_id, second_id=stale_second, winner_id=stale_second)

    assert snapshot(judge.jam) == before


def test_refused_twice_on_same_pair(judge, entries):
    state = start_pair(judge)
    first, second = state.previous_id, state.current_id
    pairwise_vote(judge=judge, first_id=first, second_id=second, winner_id=first)
    before = snapshot(judge.jam)

    with pytest.raises(NotAllowed, match=r"compared .* already"):
        pairwise_vote(judge=judge, first_id=second, second_id=first, winner_id=second)

    assert snapshot(judge.jam) == before


def test_refused_conflicted_entry_and_the_judge_is_sent_on_without_it(judge, entries):
    """An organizer marked the conflict while the judge was at the entry: no vote is
    taken for that pair, and the judge isn't left at it."""
    state = start_pair(judge)
    first, conflicted = state.previous_id, state.current_id
    Conflict.objects.create(judge=judge, entry_id=conflicted, source=Conflict.Source.ORGANIZER)
    votes, figures = snapshot(judge.jam)[:2]

    with pytest.raises(NotAllowed) as refused:
        vote_for_first(judge)

    assert refused.value.message.endswith(
        "you have a conflict with it, or it isn't in this jam. Nothing was recorded. "
        "Your pair has changed: here is where you are now."
    )
    assert snapshot(judge.jam)[0] == votes
    after = {pk: (mu, sigma_sq) for pk, mu, sigma_sq, _seen in snapshot(judge.jam)[1]}
    assert {pk: after[pk] for pk, *_ in figures} == {pk: (mu, sigma_sq) for pk, mu, sigma_sq, _ in figures}
    state = state_of(judge)
    assert state.previous_id == first and state.current_id not in (None, first, conflicted)
    vote_for_first(judge)  # and the judge goes on voting


def test_refused_own_team_entry(jam, entries):
    team = TeamFactory(jam=jam)
    own = EntryFactory(team=team, title="Mine")
    judge = JudgeFactory(jam=jam, user=team.created_by)
    state = start_pair(judge)
    assert own.pk not in (state.previous_id, state.current_id)  # never sent to it
    before = snapshot(jam)

    with pytest.raises(NotAllowed, match="it is your team's"):
        pairwise_vote(judge=judge, first_id=state.current_id, second_id=own.pk, winner_id=own.pk)

    assert snapshot(jam) == before


def test_refused_entries_in_different_tracks(jam, judge):
    hardware, software = Track.objects.create(jam=jam, name="Hardware"), Track.objects.create(jam=jam, name="Software")
    robot, drone = EntryFactory(team__jam=jam, title="Robot"), EntryFactory(team__jam=jam, title="Drone")
    app = EntryFactory(team__jam=jam, title="App")
    robot.tracks.add(hardware)
    drone.tracks.add(hardware)
    app.tracks.add(software)
    # Pairs stay inside a track: after the robot, only the drone; after the app, nothing.
    assert [key for key, _, _ in pairwise_candidates(judge=judge, reference=robot)] == [drone.pk]
    assert pairwise_candidates(judge=judge, reference=app) == []
    before = snapshot(jam)

    with pytest.raises(NotAllowed, match="aren't in the same track"):
        pairwise_vote(judge=judge, first_id=robot.pk, second_id=app.pk, winner_id=app.pk)

    assert snapshot(jam) == before


def test_judge_limited_to_a_track_sees_only_it(jam):
    hardware, software = Track.objects.create(jam=jam, name="Hardware"), Track.objects.create(jam=jam, name="Software")
    judge = JudgeFactory(jam=jam)
    judge.tracks.add(software)
    for i in range(3):
        EntryFactory(team__jam=jam, title=f"Robot {i}").tracks.add(hardware)
    apps = [EntryFactory(team__jam=jam, title=f"App {i}") for i in range(2)]
    for app in apps:
        app.tracks.add(software)

    state = start_pair(judge)

    assert {state.previous_id, state.current_id} == {a.pk for a in apps}


def test_refused_after_judging_closes(jam, judge, entries):
    start_pair(judge)
    before = snapshot(jam)
    later = jam.judging_ends_at + timedelta(seconds=1)

    with pytest.raises(JudgingClosed, match="has ended"):
        state = state_of(judge)
        pairwise_vote(
            judge=judge, first_id=state.previous_id, second_id=state.current_id, winner_id=state.current_id, now=later
        )

    assert snapshot(jam) == before


def test_refused_in_a_rubric_jam(entries):
    judge = JudgeFactory(jam=JamFactory.judging())

    with pytest.raises(NotAllowed, match="judged with the rubric"):
        pairwise_next(judge=judge, current_id=None)

    assert not PairwiseJudge.objects.exists()


def test_skip_absent_sends_on_and_never_back(judge, entries):
    state = start_pair(judge)
    absent = state.current_id

    pairwise_skip(judge=judge, entry_id=absent, reason=Skip.Reason.ABSENT)

    state = state_of(judge)
    assert state.current_id not in (absent, None)
    assert absent not in [key for key, _, _ in pairwise_candidates(judge=judge, reference=state.previous)]
    assert not Conflict.objects.exists()


def test_conflict_recuses_and_never_shows_again(judge, entries):
    state = start_pair(judge)
    conflicted = state.current_id

    pairwise_skip(judge=judge, entry_id=conflicted, reason=Skip.Reason.CONFLICT)

    conflict = Conflict.objects.get(judge=judge)
    assert (conflict.entry_id, conflict.source) == (conflicted, Conflict.Source.RECUSED)
    assert state_of(judge).current_id != conflicted


def test_skip_refused_for_an_entry_not_current(judge, entries):
    state = start_pair(judge)
    before = snapshot(judge.jam)

    with pytest.raises(NotAllowed, match="no longer the one"):
        pairwise_skip(judge=judge, entry_id=state.previous_id, reason=Skip.Reason.ABSENT)

    assert snapshot(judge.jam) == before


def test_undo_within_a_minute_restores_the_pair_and_figures(judge, entries):
    state = start_pair(judge)
    first, second = state.previous_id, state.current_id
    before = snapshot(judge.jam)
    now = timezone.now()
    pairwise_vote(judge=judge, first_id=first, second_id=second, winner_id=first, now=now)

    pairwise_undo(judge=judge, now=now + timedelta(seconds=59))

    state = state_of(judge)
    assert (state.previous_id, state.current_id, state.comparisons_made) == (first, second, 0)
    assert not Comparison.objects.exists()
    figures = PairwiseEntry.objects.filter(pk__in=[first, second]).values_list("mu", "sigma_sq")
    assert list(figures) == [(0.0, 1.0), (0.0, 1.0)]
    # Times seen as before the vote too (the entry sent to next has its row, seen 0 times).
    assert [row for row in snapshot(judge.jam)[1] if row[3]] == before[1]
    # And the pair can be voted on again, the other way.
    pairwise_vote(judge=judge, first_id=first, second_id=second, winner_id=second)


def test_undo_refused_after_a_minute(judge, entries):
    state = start_pair(judge)
    now = timezone.now()
    pairwise_vote(
        judge=judge, first_id=state.previous_id, second_id=state.current_id, winner_id=state.current_id, now=now
    )
    before = snapshot(judge.jam)

    with pytest.raises(NotAllowed, match="one minute"):
        pairwise_undo(judge=judge, now=now + timedelta(seconds=61))

    assert snapshot(judge.jam) == before


def test_ignoring_a_judge_replays_without_their_votes(jam, entries):
    careful, careless = JudgeFactory(jam=jam), JudgeFactory(jam=jam)
    start_pair(careful)
    vote_for_first(careful)
    start_pair(careless)
    vote_for_first(careless)
    vote_for_first(careful)
    votes = list(Comparison.objects.order_by("id").values_list("judge_id", "winner_id", "loser_id"))

    judge_results_exclude(judge=careless, excluded=True)

    items, _ = crowd_bt.replay(votes, ignored={careless.pk})
    for row in PairwiseEntry.objects.filter(pk__in=items):
        assert (row.mu, row.sigma_sq) == pytest.approx((items[row.pk].mu, items[row.pk].sigma_sq))
    assert (state_of(careless).alpha, state_of(careless).beta) == (crowd_bt.ALPHA_PRIOR, crowd_bt.BETA_PRIOR)
    counted = {r.entry.pk: r.figures.review_count for r in jam_results(jam=jam).rows}
    assert sum(counted.values()) == 2 * 2  # the careful judge's two votes only

    judge_results_exclude(judge=careless, excluded=False)

    items, _ = crowd_bt.replay(votes)
    for row in PairwiseEntry.objects.filter(pk__in=items):
        assert row.mu == pytest.approx(items[row.pk].mu)


def test_results_rank_by_mean_with_ties_and_publish(jam, judge):
    best, middle, worst, _unseen = (EntryFactory(team__jam=jam, title=t) for t in ("Best", "Middle", "Worst", "Unseen"))
    PairwiseEntry.objects.create(entry=best, mu=1.5, sigma_sq=0.25)
    PairwiseEntry.objects.create(entry=middle, mu=0.2, sigma_sq=0.25)
    PairwiseEntry.objects.create(entry=worst, mu=0.2, sigma_sq=0.25)
    PairwiseJudge.objects.create(judge=judge, alpha=10, beta=1)
    for winner, loser in ((best, middle), (best, worst)):
        Comparison.objects.create(judge=judge, winner=winner, loser=loser, winner_first=True)

    rows = jam_results(jam=jam).rows

    figures = [(r.entry.title, r.figures.rank, r.figures.tied) for r in rows]
    assert figures == [("Best", 1, False), ("Middle", 2, True), ("Worst", 2, True), ("Unseen", None, False)]
    # The ranking is Crowd-BT fitted to the votes (crowd_bt.refit), not the stored online
    # figures (set far apart above): Middle and Worst each lost once to Best, so they tie.
    votes = Comparison.objects.order_by("id").values_list("judge_id", "winner_id", "loser_id")
    fitted, _ = crowd_bt.refit(list(votes), prior=crowd_bt.JUDGES_PRIOR)
    assert rows[0].figures.mu == pytest.approx(fitted[best.pk].mu)
    assert rows[0].figures.mu_se == pytest.approx(fitted[best.pk].sigma_sq ** 0.5)
    assert rows[0].figures.mu != pytest.approx(1.5)
    assert rows[0].figures.review_count == 2

    results_publish(jam=jam)

    published = published_results(jam=jam)
    assert [(r.entry.title, r.figures.rank) for r in published.rows] == [
        ("Best", 1),
        ("Middle", 2),
        ("Worst", 2),
        ("Unseen", None),
    ]
    assert jam.results_snapshot.method == "pairwise"
    # Published: voting is closed, so the published ranking never moves.
    with pytest.raises(JudgingClosed, match="published"):
        pairwise_next(judge=judge, current_id=None)


@pytest.mark.django_db(transaction=True)
def test_two_judges_voting_at_once_lose_no_update_on_postgresql(jam):
    """Two judges vote on pairs sharing an entry, each in its own thread and connection.
    The entries' table is locked against writes (reads still pass) until both are
    waiting, so without the jam lock both would read the shared entry's old figures and
    the second write would undo the first; with it, the figures are the two votes
    replayed in order."""
    from django.db import connection, connections
    from django.db import transaction as db_transaction

    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time anyway; the race needs PostgreSQL's row locks")
    shared, left, right = (EntryFactory(team__jam=jam, title=t) for t in ("Shared", "Left", "Right"))
    judges = [JudgeFactory(jam=jam), JudgeFactory(jam=jam)]
    for entry in (shared, left, right):
        PairwiseEntry.objects.create(entry=entry, mu=0.0, sigma_sq=1.0)
    for judge, other in zip(judges, (left, right), strict=True):
        PairwiseJudge.objects.create(judge=judge, previous=shared, current=other, alpha=10, beta=1)
    errors: list[BaseException] = []

    def vote(judge_id: int, other_id: int) -> None:
        try:
            judge = Judge.objects.get(pk=judge_id)
            pairwise_vote(judge=judge, first_id=shared.pk, second_id=other_id, winner_id=shared.pk)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(j.pk, o.pk)) for j, o in zip(judges, (left, right), strict=True)]
    with db_transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE judging_pairwiseentry IN SHARE ROW EXCLUSIVE MODE")
        for thread in threads:
            thread.start()
        both_waiting = _wait_until(lambda: _waiting_on_locks(connection) == 2)
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert both_waiting
    votes = list(Comparison.objects.order_by("id").values_list("judge_id", "winner_id", "loser_id"))
    assert len(votes) == 2
    items, _ = crowd_bt.replay(votes)
    row = PairwiseEntry.objects.get(pk=shared.pk)
    assert (row.mu, row.sigma_sq) == pytest.approx((items[shared.pk].mu, items[shared.pk].sigma_sq))
    once, _ = crowd_bt.replay(votes[:1])
    assert row.mu != pytest.approx(once[shared.pk].mu)  # both votes are in it


def _waiting_on_locks(connection) -> int:
    with connection.cursor() as cursor:
        # The activity view is read once per transaction unless its snapshot is dropped.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _wait_until(condition, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_pairwise_jam_gets_no_assignments_and_no_reviews(jam, judge, entries):
    from judging.models import Assignment, Review
    from judging.services import assignments_make, review_save
    from judging.tasks import judging_open_task

    assert judging_open_task() == 0
    assert assignments_make(jam=jam) == 0
    with pytest.raises(NotAllowed, match="judged by comparing entries two at a time"):
        review_save(judge=judge, entry=entries[0], scores={})

    assert not Assignment.objects.exists()
    assert not Review.objects.exists()
