"""Which entry the app sends a judge to next: the simulation's settings (README), not
Gavel's. The judge's reliability is re-read from all their votes from
crowd_bt.JUDGES_PRIOR, and the next entry is crowd_bt.choose_next's with
crowd_bt.PAIRING_GAMMA."""

from __future__ import annotations

import pytest

from jams.models import Jam
from judging import crowd_bt
from judging.models import Comparison, PairwiseEntry, PairwiseJudge
from judging.pairwise_services import pairwise_next
from tests.factories import EntryFactory, JamFactory, JudgeFactory

pytestmark = pytest.mark.django_db

# (mu, sigma_sq) of each entry as the votes so far left them. The judge has voted on
# entries 0-3 and stands at 4; 5-7 are left.
FIGURES = [(-1.5, 0.3), (1.4, 0.3), (-0.2, 0.5), (0.6, 0.4), (0.1, 0.35), (0.8, 0.2), (-1.2, 1.0), (-1.1, 0.3)]
# The judge's votes (winner, loser): two of four go against the entries' order.
VOTES = [(0, 1), (2, 3), (3, 1), (1, 2)]


def test_next_entry_is_choose_next_with_the_judges_prior_and_pairing_gamma():
    jam = JamFactory.judging(judging_mode=Jam.JudgingMode.PAIRWISE)
    judge = JudgeFactory(jam=jam)
    entries = [EntryFactory(team__jam=jam, title=f"Entry {i}") for i in range(len(FIGURES))]
    for entry, (mu, sigma_sq) in zip(entries, FIGURES, strict=True):
        # Seen often enough by others that none is preferred for being seen least.
        PairwiseEntry.objects.create(entry=entry, mu=mu, sigma_sq=sigma_sq, times_seen=crowd_bt.MIN_VIEWS)
    for winner, loser in VOTES:
        Comparison.objects.create(judge=judge, winner=entries[winner], loser=entries[loser], winner_first=True)
    PairwiseJudge.objects.create(judge=judge, current=entries[4], comparisons_made=len(VOTES), alpha=10, beta=1)

    state = pairwise_next(judge=judge, current_id=entries[4].pk)

    items = {i: crowd_bt.Item(mu, sigma_sq) for i, (mu, sigma_sq) in enumerate(FIGURES)}
    log = [("judge", winner, loser) for winner, loser in VOTES]
    left = [(i, items[i], crowd_bt.MIN_VIEWS) for i in (5, 6, 7)]

    def pick(prior: crowd_bt.Annotator, gamma: float) -> int:
        belief = crowd_bt.reassess(log, items, prior=prior)["judge"]
        return crowd_bt.choose_next(belief, items[4], left, gamma=gamma)

    app = pick(crowd_bt.JUDGES_PRIOR, crowd_bt.PAIRING_GAMMA)
    assert state.previous_id == entries[4].pk
    assert state.current_id == entries[app].pk
    # The case tells the settings apart: the judge read from Gavel's prior goes elsewhere.
    assert pick(crowd_bt.Annotator(), crowd_bt.PAIRING_GAMMA) != app
    assert pick(crowd_bt.Annotator(), 10.0) != app
