"""What changes under a judge while they stand at a pair: an organizer marks a conflict,
a team withdraws its entry, tracks are added after entries were in, the judge is removed
or left out of the results. The judge is never left at a pair no vote is taken for, and a
request that waited for the jam's lock acts on the judge as they are now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jams.models import Track
from judging.models import Comparison, Conflict, Judge, PairwiseEntry, Skip
from judging.pairwise_selectors import pair_refusal, pairwise_candidates
from judging.pairwise_services import pairwise_next, pairwise_skip, pairwise_undo
from judging.services import NotAllowed
from submissions.models import Entry
from tests.factories import EntryFactory, JudgeFactory
from tests.judging.pairwise.walk import start_pair, state_of, vote_for_first

pytestmark = pytest.mark.django_db

MOVED_ON = "Your pair has changed: here is where you are now."


def withdraw(entry_id: int) -> None:
    Entry.objects.filter(pk=entry_id).update(state=Entry.State.DRAFT)


@pytest.mark.parametrize("change", ["conflict", "withdrawn"])
def test_a_vote_on_a_pair_whose_first_entry_went_keeps_the_second_as_a_first_entry(judge, entries, change):
    """The reviewer's case: before, every vote was refused and every skip lost an entry."""
    state = start_pair(judge)
    gone, kept = state.previous_id, state.current_id
    if change == "conflict":
        Conflict.objects.create(judge=judge, entry_id=gone, source=Conflict.Source.ORGANIZER)
    else:
        withdraw(gone)

    with pytest.raises(NotAllowed) as refused:
        vote_for_first(judge)

    assert refused.value.message.endswith(f"Nothing was recorded. {MOVED_ON}")
    state = state_of(judge)
    assert (state.previous_id, state.current_id) == (None, kept)
    assert not Comparison.objects.exists() and not Skip.objects.exists()
    # From there: next, then a vote on a pair without the entry that went.
    state = pairwise_next(judge=judge, current_id=kept)
    vote = vote_for_first(judge)
    assert gone not in (vote.winner_id, vote.loser_id) and state.current_id != gone


def test_a_skip_after_the_first_entry_went_sends_the_judge_afresh(judge, entries):
    state = start_pair(judge)
    gone, skipped = state.previous_id, state.current_id
    withdraw(gone)

    pairwise_skip(judge=judge, entry_id=skipped, reason=Skip.Reason.ABSENT)

    state = state_of(judge)
    assert state.previous_id is None  # not the withdrawn entry again
    assert state.current_id not in (None, gone, skipped)


def test_next_from_a_first_entry_that_went_sends_the_judge_afresh(judge, entries):
    state = pairwise_next(judge=judge, current_id=None)
    gone = state.current_id
    Conflict.objects.create(judge=judge, entry_id=gone, source=Conflict.Source.ORGANIZER)

    state = pairwise_next(judge=judge, current_id=gone)

    assert state.previous_id is None and state.current_id not in (None, gone)


def test_undo_of_a_vote_whose_entry_went_is_refused_and_the_vote_stands(judge, entries):
    start_pair(judge)
    now = timezone.now()
    vote = vote_for_first(judge, now)
    after = (state_of(judge).previous_id, state_of(judge).current_id)
    withdraw(vote.loser_id)

    with pytest.raises(NotAllowed) as refused:
        pairwise_undo(judge=judge, now=now + timedelta(seconds=10))

    assert refused.value.message == (
        f"Your vote on “{vote.winner.title}” and “{vote.loser.title}” stands: you can't compare the two any "
        "more (an organizer marked a conflict, a team withdrew its entry, or tracks changed)."
    )
    assert list(Comparison.objects.all()) == [vote]
    assert (state_of(judge).previous_id, state_of(judge).current_id) == after


def test_entries_in_no_track_are_judged_by_judges_limited_to_none(jam, judge):
    """Tracks added after the entries were in (or an entry's track deleted): its entries,
    in no track, still get compared, with any entry, by a judge limited to none; never by
    a judge limited to a track."""
    early = [EntryFactory(team__jam=jam, title=f"Early {i}") for i in range(2)]
    hardware = Track.objects.create(jam=jam, name="Hardware")
    robot = EntryFactory(team__jam=jam, title="Robot")
    robot.tracks.add(hardware)
    limited = JudgeFactory(jam=jam)
    limited.tracks.add(hardware)

    def candidates(judge, reference=None):
        return {pk for pk, _, _ in pairwise_candidates(judge=judge, reference=reference)}

    assert candidates(judge) == {robot.pk, *(e.pk for e in early)}
    assert candidates(judge, early[0]) == {robot.pk, early[1].pk}
    assert candidates(judge, robot) == {e.pk for e in early}
    assert pair_refusal(judge=judge, first=robot, second=early[0]) is None
    assert candidates(limited) == {robot.pk}
    assert candidates(limited, robot) == set()
    assert "you have a conflict with it, or it isn't in this jam" in pair_refusal(
        judge=limited, first=robot, second=early[0]
    )
    # And the judge limited to none walks through all three.
    start_pair(judge)
    vote_for_first(judge)
    vote_for_first(judge)
    assert state_of(judge).current_id is None and Comparison.objects.count() == 2


def test_a_vote_that_waited_while_the_judge_was_removed_is_refused(judge, entries):
    start_pair(judge)
    Judge.objects.filter(pk=judge.pk).update(removed_at=timezone.now())  # the view's `judge` is older

    with pytest.raises(NotAllowed, match="took you off judging"):
        vote_for_first(judge)

    assert not Comparison.objects.exists()


def test_a_vote_that_waited_while_the_judge_was_left_out_moves_no_figures(judge, entries):
    start_pair(judge)
    Judge.objects.filter(pk=judge.pk).update(excluded_from_results=True)

    vote_for_first(judge)

    assert Comparison.objects.count() == 1  # kept, as their other votes are
    assert set(PairwiseEntry.objects.values_list("mu", flat=True)) == {0.0}


def test_the_page_hides_an_entry_that_went_and_go_on_mends_the_pair(client, judge, entries):
    state = start_pair(judge)
    kept, gone = state.previous_id, state.current_id
    withdraw(gone)
    gone_title = Entry.objects.get(pk=gone).title
    client.force_login(judge.user)
    page_url = reverse("judging:pairwise", kwargs={"slug": judge.jam.slug})

    page = client.get(page_url).text

    assert 'data-testid="pairwise-changed"' in page and "Your pair has changed" in page
    assert gone_title not in page and 'data-testid="pairwise-vote"' not in page

    client.post(reverse("judging:pairwise_next", kwargs={"slug": judge.jam.slug}))

    state = state_of(judge)
    assert state.previous_id == kept and state.current_id not in (None, kept, gone)
    page = client.get(page_url).text
    assert "Your pair has changed" not in page and 'data-testid="pairwise-vote"' in page
