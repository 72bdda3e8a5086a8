from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tests.factories import EntryFactory, JamFactory, JudgeFactory, PrizeFactory, TrackFactory

pytestmark = pytest.mark.django_db


def test_track_names_are_unique_within_a_jam_only():
    jam, other = JamFactory(), JamFactory()
    TrackFactory(jam=jam, name="Hardware")
    TrackFactory(jam=other, name="Hardware")

    with pytest.raises(IntegrityError), transaction.atomic():
        TrackFactory(jam=jam, name="Hardware")


def test_tracks_come_in_their_order_then_creation():
    jam = JamFactory()
    late = TrackFactory(jam=jam, name="Evals", order=2)
    first = TrackFactory(jam=jam, name="Interpretability", order=1)
    tie = TrackFactory(jam=jam, name="Sponsor", order=2)

    assert list(jam.tracks.all()) == [first, late, tie]
    assert first.slug == "interpretability"


def test_entry_judge_and_prize_link_to_tracks():
    jam = JamFactory()
    hardware, software = TrackFactory(jam=jam, name="Hardware"), TrackFactory(jam=jam, name="Software")
    entry = EntryFactory(team__jam=jam)
    entry.tracks.set([hardware, software])
    judge = JudgeFactory(jam=jam)
    judge.tracks.set([software])
    prize = PrizeFactory(jam=jam, track=hardware)

    assert set(hardware.entries.all()) == {entry}
    assert list(software.judges.all()) == [judge]
    assert list(hardware.prizes.all()) == [prize]
    assert PrizeFactory(jam=jam).track is None
    assert jam.multiple_tracks_allowed is False
