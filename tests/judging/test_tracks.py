from __future__ import annotations

from collections import Counter
from html import unescape

import pytest

from judging.assignment import track_barred
from judging.models import Assignment, Review
from judging.selectors import entries_for_judge, review_refusal
from judging.services import NotAllowed, assignments_make, review_save
from tests.factories import EntryFactory, JudgeFactory, TrackFactory, UserFactory

from .conftest import score_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracks(judging_jam):
    return TrackFactory(jam=judging_jam, name="Hardware"), TrackFactory(jam=judging_jam, name="Software")


@pytest.fixture
def scene(judging_jam, tracks):
    """Four hardware entries, four software ones, one in both; two judges per track."""
    hardware, software = tracks
    hw = [EntryFactory(team__jam=judging_jam, title=f"HW {i}") for i in range(4)]
    sw = [EntryFactory(team__jam=judging_jam, title=f"SW {i}") for i in range(4)]
    both = EntryFactory(team__jam=judging_jam, title="Both")
    for entry in hw:
        entry.tracks.set([hardware])
    for entry in sw:
        entry.tracks.set([software])
    both.tracks.set([hardware, software])
    judges = {}
    for track in tracks:
        for i in range(2):
            judge = JudgeFactory(jam=judging_jam, user=UserFactory(display_name=f"{track.name} judge {i}"))
            judge.tracks.set([track])
            judges.setdefault(track.name, []).append(judge)
    return {"hw": hw, "sw": sw, "both": both, "judges": judges}


def test_track_barred_is_pure_and_leaves_unlimited_judges_free():
    barred = track_barred(
        judge_tracks={1: {10}, 3: {10, 11}},
        entry_tracks={100: {10}, 101: {11}, 102: {10, 11}, 103: set()},
        judge_ids=[1, 2, 3],
    )

    assert barred == {(1, 101), (1, 103), (3, 103)}


def test_assignment_stays_inside_each_track(judging_jam, scene):
    assignments_make(jam=judging_jam)

    for judge in scene["judges"]["Hardware"]:
        titles = set(Assignment.objects.filter(judge=judge).values_list("entry__title", flat=True))
        assert titles <= {"HW 0", "HW 1", "HW 2", "HW 3", "Both"}
    for judge in scene["judges"]["Software"]:
        titles = set(Assignment.objects.filter(judge=judge).values_list("entry__title", flat=True))
        assert titles <= {"SW 0", "SW 1", "SW 2", "SW 3", "Both"}
    # Every entry still gets its k = 2 judges from its own track's judges.
    per_entry = Counter(Assignment.objects.values_list("entry_id", flat=True))
    assert all(per_entry[entry.pk] == 2 for entry in [*scene["hw"], *scene["sw"], scene["both"]])


def test_a_judge_limited_to_no_track_may_get_any_entry(judging_jam, scene):
    free = JudgeFactory(jam=judging_jam)

    assert set(entries_for_judge(judge=free)) == {*scene["hw"], *scene["sw"], scene["both"]}
    assert set(entries_for_judge(judge=scene["judges"]["Hardware"][0])) == {*scene["hw"], scene["both"]}


def test_an_entry_in_two_tracks_may_be_seen_by_judges_of_either(judging_jam, scene):
    hw_judge, sw_judge = scene["judges"]["Hardware"][0], scene["judges"]["Software"][0]

    assert scene["both"] in entries_for_judge(judge=hw_judge)
    assert scene["both"] in entries_for_judge(judge=sw_judge)


def test_a_judge_limited_to_a_track_is_refused_another_tracks_entry(client, judging_jam, scene):
    judge = scene["judges"]["Hardware"][0]
    other = scene["sw"][0]
    assignments_make(jam=judging_jam)
    client.force_login(judge.user)

    page = client.get(f"/jams/{judging_jam.slug}/judge/{other.pk}/")
    posted = client.post(f"/jams/{judging_jam.slug}/judge/{other.pk}/", score_form(judging_jam, 4, 4))

    message = "You judge the “Hardware” track only, and this entry isn't in it."
    assert review_refusal(judge=judge, entry=other) == message
    assert page.status_code == 403
    assert message in unescape(page.content.decode())
    assert "SW 0" not in unescape(page.content.decode())
    assert posted.status_code == 403
    with pytest.raises(NotAllowed, match="Hardware"):
        review_save(judge=judge, entry=other, scores={c.pk: 4 for c in judging_jam.criteria.all()})
    assert not Review.objects.exists()


def test_changing_a_judges_tracks_moves_their_unreviewed_entries(judging_jam, scene):
    assignments_make(jam=judging_jam)
    judge = scene["judges"]["Hardware"][0]
    assert Assignment.objects.filter(judge=judge, entry__in=scene["hw"]).exists()
    judge.tracks.set([scene["sw"][0].tracks.get()])

    assignments_make(jam=judging_jam)

    assert not Assignment.objects.filter(judge=judge, entry__in=scene["hw"]).exists()
    # The one hardware judge left takes every hardware entry.
    hw_judge = scene["judges"]["Hardware"][1]
    assert Assignment.objects.filter(judge=hw_judge, entry__in=scene["hw"]).count() == 4


def test_a_jam_without_tracks_assigns_as_before(judging_jam):
    entries = [EntryFactory(team__jam=judging_jam) for _ in range(4)]
    judges = [JudgeFactory(jam=judging_jam) for _ in range(2)]

    assignments_make(jam=judging_jam)

    assert Assignment.objects.count() == 8
    assert all(set(entries_for_judge(judge=judge)) == set(entries) for judge in judges)
