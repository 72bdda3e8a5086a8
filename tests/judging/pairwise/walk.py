"""A judge's steps through pairwise judging, as this folder's tests take them."""

from __future__ import annotations

from datetime import datetime

from judging.models import Comparison, PairwiseJudge
from judging.pairwise_services import pairwise_next, pairwise_vote


def state_of(judge) -> PairwiseJudge:
    return PairwiseJudge.objects.get(judge=judge)


def start_pair(judge) -> PairwiseJudge:
    """The judge sees a first entry, then is sent to a second: they now have a pair."""
    state = pairwise_next(judge=judge, current_id=None)
    return pairwise_next(judge=judge, current_id=state.current_id)


def vote_for_first(judge, now: datetime | None = None) -> Comparison:
    """The judge finds the entry they saw first the better of their pair."""
    state = state_of(judge)
    return pairwise_vote(
        judge=judge, first_id=state.previous_id, second_id=state.current_id, winner_id=state.previous_id, now=now
    )
